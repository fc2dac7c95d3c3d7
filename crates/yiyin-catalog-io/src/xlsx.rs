//! The Excel workbook layout of a catalog, defined once and used to read and to write.
//!
//! Sheets: 说明 (县区代码), 事项 (one row per item), 申请材料, 办理环节 and 常见问题 (one row per entry,
//! tied to its item by 事项编码; steps in row order). Enumerations are written and read as their
//! Chinese words (codes are accepted too); yes/no as 是/否; lists one entry per line inside a cell;
//! topics and townships separated by 、; fees one per line as 名称|标准|依据; sources one per line as
//! 种类：出处. The national list entry (国家清单事项编码, 名称) and the sources may be absent.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use rust_xlsxwriter::{Format as CellFormat, Workbook};
use yiyin_domain::catalog::{
    CatalogFile, Faq, Fee, HandlingClass, HandlingMode, Item, ItemKind, ItemResult, LimitUnit,
    Material, MaterialForm, MaterialSource, NationalRef, Necessity, ResultKind, Step, StepKind,
    Subject,
};
use yiyin_domain::labels::Labelled;
use yiyin_domain::roles::Role;
use yiyin_domain::sources::{Source, SourceKind};

use crate::{ExportError, Parsed, Problem, SourceMap};

pub const INFO: &str = "说明";
pub const ITEMS: &str = "事项";
pub const MATERIALS: &str = "申请材料";
pub const STEPS: &str = "办理环节";
pub const FAQS: &str = "常见问题";

/// (header, field path) of the 事项 sheet, in column order.
pub const ITEM_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "code"),
    ("事项名称", "name"),
    ("事项类型", "kind"),
    ("实施部门", "department"),
    ("监管部门", "supervising_department"),
    ("办理方式", "handling_mode"),
    ("办件类型", "handling_class"),
    ("委托承接的镇", "delegated_to"),
    ("服务对象", "subject"),
    ("设定依据", "legal_basis"),
    ("受理条件", "conditions"),
    ("法定时限", "statutory_days"),
    ("承诺时限", "promised_days"),
    ("联合办理", "joint"),
    ("收费", "fees"),
    ("网上办理深度", "online_depth"),
    ("到现场次数", "visits"),
    ("告知承诺", "green_list"),
    ("承诺核查期限", "commitment_check_days"),
    ("延期天数", "extension_days"),
    ("延期依据", "extension_basis"),
    ("时限单位", "limit_unit"),
    ("时限依据", "limit_basis"),
    ("联合办理部门", "joint_departments"),
    ("数量限制", "quantity_limited"),
    ("结果名称", "result.name"),
    ("结果类型", "result.kind"),
    ("结果样本", "result.sample"),
    ("有效期（年）", "result.validity_years"),
    ("主题分类", "topics"),
    ("办理地点", "place"),
    ("办理时间", "hours"),
    ("咨询电话", "phone"),
    ("国家清单事项编码", "national.code"),
    ("国家清单事项名称", "national.name"),
    ("数据来源", "sources"),
];

/// Columns a workbook may lack (written by an earlier version, or by a platform that does not
/// keep them): read as empty.
pub const OPTIONAL_HEADERS: &[&str] = &[
    "国家清单事项编码",
    "国家清单事项名称",
    "数据来源",
    "时限单位",
    "时限依据",
    "联合办理部门",
];

pub const MATERIAL_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("材料编码", "code"),
    ("材料名称", "name"),
    ("必要性", "necessity"),
    ("适用情形", "condition"),
    ("形式", "form"),
    ("份数", "copies"),
    ("来源", "source"),
    ("空白表格", "blank_form"),
    ("示例样本", "sample"),
    ("容缺", "deferrable"),
    ("备注", "note"),
];

pub const STEP_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("环节", "kind"),
    ("环节名称", "name"),
    ("责任岗位", "role"),
    ("时限", "days"),
    ("标准", "standard"),
];

pub const FAQ_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("问题", "question"),
    ("解答", "answer"),
];

/// The rows (1-based, as Excel shows them) an item came from.
#[derive(Debug, Clone, Default)]
pub struct ItemRows {
    pub item: u32,
    pub materials: Vec<u32>,
    pub steps: Vec<u32>,
    pub faq: Vec<u32>,
}

/// Where a validation error on a field of an item is, in sheet, row and column.
pub fn locate(rows: &ItemRows, field: &str) -> String {
    let (head, rest) = field.split_once('.').unwrap_or((field, ""));
    let indexed = |name: &str| -> Option<usize> {
        head.strip_prefix(name)?
            .strip_prefix('[')?
            .strip_suffix(']')?
            .parse()
            .ok()
    };
    let place = |sheet: &str, row: Option<&u32>, columns: &[(&str, &str)], sub: &str| match row {
        Some(r) => match columns.iter().find(|(_, f)| *f == sub) {
            Some((h, _)) => format!("工作表「{sheet}」第{r}行「{h}」列"),
            None => format!("工作表「{sheet}」第{r}行"),
        },
        None => format!("工作表「{ITEMS}」第{}行", rows.item),
    };
    if let Some(i) = indexed("materials") {
        return place(MATERIALS, rows.materials.get(i), MATERIAL_COLUMNS, rest);
    }
    if let Some(i) = indexed("steps") {
        return place(STEPS, rows.steps.get(i), STEP_COLUMNS, rest);
    }
    if let Some(i) = indexed("faq") {
        return place(FAQS, rows.faq.get(i), FAQ_COLUMNS, rest);
    }
    if let Some(i) = indexed("fees") {
        return format!("工作表「{ITEMS}」第{}行「收费」列第{}项", rows.item, i + 1);
    }
    if let Some(i) = indexed("joint_departments") {
        return format!(
            "工作表「{ITEMS}」第{}行「联合办理部门」列第{}项",
            rows.item,
            i + 1
        );
    }
    if let Some(i) = indexed("sources") {
        return format!(
            "工作表「{ITEMS}」第{}行「数据来源」列第{}项",
            rows.item,
            i + 1
        );
    }
    match head {
        "materials" => format!(
            "工作表「{MATERIALS}」（事项在「{ITEMS}」第{}行）",
            rows.item
        ),
        "steps" => format!("工作表「{STEPS}」（事项在「{ITEMS}」第{}行）", rows.item),
        _ => place(ITEMS, Some(&rows.item), ITEM_COLUMNS, field),
    }
}

/// One sheet's rows with the column index of each header.
struct Sheet {
    name: &'static str,
    /// Excel row number of each data row, and its cells.
    rows: Vec<(u32, Vec<Data>)>,
    columns: HashMap<String, usize>,
}

fn load_sheet<R: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Sheets<R>,
    name: &'static str,
    headers: &[(&str, &str)],
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<Sheet> {
    let range = match wb.worksheet_range(name) {
        Ok(r) => r,
        Err(_) if !required => return None,
        Err(_) => {
            problems.push(Problem {
                location: format!("工作表「{name}」"),
                reason: format!("工作簿中没有名为「{name}」的工作表"),
            });
            return None;
        }
    };
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let mut all = range.rows();
    let Some(header) = all.next() else {
        if required {
            problems.push(Problem {
                location: format!("工作表「{name}」"),
                reason: "工作表为空".into(),
            });
        }
        return None;
    };
    let mut columns = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let h = cell_text(cell);
        if !h.is_empty() {
            columns.insert(h, i);
        }
    }
    let mut missing = false;
    for (h, _) in headers {
        if !columns.contains_key(*h) && !OPTIONAL_HEADERS.contains(h) {
            missing = true;
            problems.push(Problem {
                location: format!("工作表「{name}」第{}行", start_row + 1),
                reason: format!(
                    "缺少表头「{h}」列（第{}列起应有：{}）",
                    start_col + 1,
                    headers
                        .iter()
                        .map(|(h, _)| *h)
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            });
        }
    }
    if missing {
        return None;
    }
    let rows = all
        .enumerate()
        .map(|(i, cells)| (start_row + 2 + i as u32, cells.to_vec()))
        .filter(|(_, cells)| cells.iter().any(|c| !cell_text(c).is_empty()))
        .collect();
    Some(Sheet {
        name,
        rows,
        columns,
    })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads the cells of one row by header, collecting problems with their place.
struct RowReader<'a> {
    sheet: &'static str,
    row: u32,
    cells: &'a [Data],
    columns: &'a HashMap<String, usize>,
    problems: &'a mut Vec<Problem>,
}

impl RowReader<'_> {
    fn raw(&self, header: &str) -> String {
        self.columns
            .get(header)
            .and_then(|i| self.cells.get(*i))
            .map(cell_text)
            .unwrap_or_default()
    }

    fn problem(&mut self, header: &str, reason: String) {
        self.problems.push(Problem {
            location: format!("工作表「{}」第{}行「{header}」列", self.sheet, self.row),
            reason,
        });
    }

    fn text(&mut self, header: &str) -> String {
        self.raw(header)
    }

    fn required(&mut self, header: &str) -> String {
        let t = self.raw(header);
        if t.is_empty() {
            self.problem(header, "不能为空".into());
        }
        t
    }

    fn number(&mut self, header: &str) -> u32 {
        self.opt_number(header).unwrap_or_else(|| {
            if self.raw(header).is_empty() {
                self.problem(header, "不能为空，应为整数".into());
            }
            0
        })
    }

    fn opt_number(&mut self, header: &str) -> Option<u32> {
        let t = self.raw(header);
        if t.is_empty() {
            return None;
        }
        match t.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(header, format!("「{t}」不是非负整数"));
                None
            }
        }
    }

    fn flag(&mut self, header: &str) -> bool {
        match self.raw(header).as_str() {
            "" | "否" | "false" | "0" | "无" => false,
            "是" | "true" | "1" | "有" => true,
            other => {
                let other = other.to_string();
                self.problem(header, format!("「{other}」应填“是”或“否”"));
                false
            }
        }
    }

    /// The cell's choice among a labelled enum's values; `fallback` after noting a problem.
    fn choice<T: Labelled>(&mut self, header: &str, fallback: T) -> T {
        let t = self.raw(header);
        match T::parse(&t) {
            Some(v) => v,
            None => {
                let reason = if t.is_empty() {
                    format!("不能为空（可选：{}）", T::choices())
                } else {
                    format!("「{t}」不是可选值（可选：{}）", T::choices())
                };
                self.problem(header, reason);
                fallback
            }
        }
    }

    fn lines(&mut self, header: &str) -> Vec<String> {
        split(&self.raw(header), &['\n'])
    }

    fn list(&mut self, header: &str) -> Vec<String> {
        split(&self.raw(header), &['、', '，', ',', '；', ';', '\n'])
    }
}

fn split(text: &str, seps: &[char]) -> Vec<String> {
    text.split(|c| seps.contains(&c))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads a workbook.
pub fn read(bytes: &[u8]) -> Result<Parsed, Vec<Problem>> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
        vec![Problem {
            location: "文件".into(),
            reason: format!("不是有效的 Excel 工作簿（.xlsx）：{e}"),
        }]
    })?;
    let mut problems = Vec::new();
    let jurisdiction = read_jurisdiction(&mut wb);
    let items = load_sheet(&mut wb, ITEMS, ITEM_COLUMNS, true, &mut problems);
    let materials = load_sheet(&mut wb, MATERIALS, MATERIAL_COLUMNS, true, &mut problems);
    let steps = load_sheet(&mut wb, STEPS, STEP_COLUMNS, true, &mut problems);
    let faqs = load_sheet(&mut wb, FAQS, FAQ_COLUMNS, false, &mut problems);
    let (Some(items), Some(materials), Some(steps)) = (items, materials, steps) else {
        return Err(problems);
    };
    let mut out = Vec::new();
    let mut rows = Vec::new();
    let mut index = HashMap::new();
    for (row, cells) in &items.rows {
        let mut r = RowReader {
            sheet: ITEMS,
            row: *row,
            cells,
            columns: &items.columns,
            problems: &mut problems,
        };
        let item = read_item(&mut r);
        index.entry(item.code.clone()).or_insert(out.len());
        out.push(item);
        rows.push(ItemRows {
            item: *row,
            ..Default::default()
        });
    }
    attach(&materials, &index, &mut problems, |i, row, r| {
        let m = read_material(r);
        out[i].materials.push(m);
        rows[i].materials.push(row);
    });
    attach(&steps, &index, &mut problems, |i, row, r| {
        let s = read_step(r);
        out[i].steps.push(s);
        rows[i].steps.push(row);
    });
    if let Some(faqs) = &faqs {
        attach(faqs, &index, &mut problems, |i, row, r| {
            let q = Faq {
                question: r.required("问题"),
                answer: r.required("解答"),
            };
            out[i].faq.push(q);
            rows[i].faq.push(row);
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Parsed {
        file: CatalogFile {
            jurisdiction: jurisdiction.unwrap_or_default(),
            items: out,
        },
        map: SourceMap { rows },
    })
}

fn read_jurisdiction<R: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Sheets<R>,
) -> Option<String> {
    let range = wb.worksheet_range(INFO).ok()?;
    range
        .rows()
        .find(|r| r.first().map(cell_text).as_deref() == Some("县区代码"))
        .and_then(|r| r.get(1).map(cell_text))
        .filter(|s| !s.is_empty())
}

/// Hands each row of a detail sheet to `f` with the index of its item.
fn attach(
    sheet: &Sheet,
    index: &HashMap<String, usize>,
    problems: &mut Vec<Problem>,
    mut f: impl FnMut(usize, u32, &mut RowReader),
) {
    for (row, cells) in &sheet.rows {
        let mut r = RowReader {
            sheet: sheet.name,
            row: *row,
            cells,
            columns: &sheet.columns,
            problems,
        };
        let code = r.raw("事项编码");
        match index.get(&code) {
            Some(i) => f(*i, *row, &mut r),
            None => r.problem(
                "事项编码",
                format!("工作表「{ITEMS}」中没有事项编码为「{code}」的事项"),
            ),
        }
    }
}

fn read_item(r: &mut RowReader) -> Item {
    let fees = r
        .lines("收费")
        .into_iter()
        .filter(|l| l != "不收费")
        .filter_map(|line| {
            let fee = Fee::parse_line(&line);
            if fee.is_none() {
                r.problem("收费", format!("「{line}」应写成 名称|标准|依据"));
            }
            fee
        })
        .collect();
    let national = {
        let (code, name) = (r.text("国家清单事项编码"), r.text("国家清单事项名称"));
        (!code.is_empty() || !name.is_empty()).then_some(NationalRef { code, name })
    };
    let sources = r
        .lines("数据来源")
        .into_iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let source = Source::parse_line(&line);
            if source.is_none() {
                r.problem(
                    "数据来源",
                    format!(
                        "第{}行「{line}」应写成 种类：出处（种类为{}）",
                        i + 1,
                        SourceKind::choices()
                    ),
                );
            }
            source
        })
        .collect();
    Item {
        code: r.required("事项编码"),
        name: r.required("事项名称"),
        kind: r.choice("事项类型", ItemKind::Licensing),
        department: r.required("实施部门"),
        supervising_department: r.required("监管部门"),
        handling_mode: r.choice("办理方式", HandlingMode::Transferred),
        handling_class: r.choice("办件类型", HandlingClass::Promised),
        delegated_to: r.list("委托承接的镇"),
        subject: r.choice("服务对象", Subject::Both),
        legal_basis: r.lines("设定依据"),
        conditions: r.lines("受理条件"),
        materials: vec![],
        statutory_days: r.number("法定时限"),
        promised_days: r.number("承诺时限"),
        joint: r.flag("联合办理"),
        fees,
        online_depth: r.number("网上办理深度").min(255) as u8,
        visits: r.opt_number("到现场次数").unwrap_or(0).min(255) as u8,
        green_list: r.flag("告知承诺"),
        commitment_check_days: r.opt_number("承诺核查期限"),
        extension_days: r.opt_number("延期天数"),
        extension_basis: r.text("延期依据"),
        // Absent or empty: working days (Art. 82).
        limit_unit: if r.raw("时限单位").is_empty() {
            LimitUnit::WorkingDays
        } else {
            r.choice("时限单位", LimitUnit::WorkingDays)
        },
        limit_basis: r.text("时限依据"),
        joint_departments: r.list("联合办理部门"),
        national,
        sources,
        quantity_limited: r.flag("数量限制"),
        steps: vec![],
        result: ItemResult {
            name: r.required("结果名称"),
            kind: r.choice("结果类型", ResultKind::Other),
            sample: r.text("结果样本"),
            validity_years: r.opt_number("有效期（年）"),
        },
        topics: r.list("主题分类"),
        place: r.required("办理地点"),
        hours: r.required("办理时间"),
        phone: r.required("咨询电话"),
        faq: vec![],
    }
}

fn read_material(r: &mut RowReader) -> Material {
    Material {
        code: r.required("材料编码"),
        name: r.required("材料名称"),
        necessity: r.choice("必要性", Necessity::Required),
        condition: r.text("适用情形"),
        form: r.choice("形式", MaterialForm::Original),
        copies: r.number("份数"),
        source: r.choice("来源", MaterialSource::Applicant),
        blank_form: r.text("空白表格"),
        sample: r.text("示例样本"),
        deferrable: r.flag("容缺"),
        note: r.text("备注"),
    }
}

fn read_step(r: &mut RowReader) -> Step {
    Step {
        kind: r.choice("环节", StepKind::Review),
        name: r.required("环节名称"),
        role: r.choice("责任岗位", Role::Reviewer),
        days: r.number("时限"),
        standard: r.text("标准"),
    }
}

/// A cell to write.
enum Cell {
    Text(String),
    Number(u32),
    Empty,
}

fn yes(b: bool) -> Cell {
    Cell::Text(if b { "是" } else { "否" }.into())
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

fn item_cells(item: &Item) -> Vec<Cell> {
    let fees = if item.fees.is_empty() {
        "不收费".to_string()
    } else {
        item.fees
            .iter()
            .map(Fee::line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    vec![
        text(&item.code),
        text(&item.name),
        text(item.kind.label()),
        text(&item.department),
        text(&item.supervising_department),
        text(item.handling_mode.label()),
        text(item.handling_class.label()),
        text(&item.delegated_to.join("、")),
        text(item.subject.label()),
        text(&item.legal_basis.join("\n")),
        text(&item.conditions.join("\n")),
        Cell::Number(item.statutory_days),
        Cell::Number(item.promised_days),
        yes(item.joint),
        text(&fees),
        Cell::Number(u32::from(item.online_depth)),
        Cell::Number(u32::from(item.visits)),
        yes(item.green_list),
        item.commitment_check_days.map_or(Cell::Empty, Cell::Number),
        item.extension_days.map_or(Cell::Empty, Cell::Number),
        text(&item.extension_basis),
        text(item.limit_unit.label()),
        text(&item.limit_basis),
        text(&item.joint_departments.join("、")),
        yes(item.quantity_limited),
        text(&item.result.name),
        text(item.result.kind.label()),
        text(&item.result.sample),
        item.result.validity_years.map_or(Cell::Empty, Cell::Number),
        text(&item.topics.join("、")),
        text(&item.place),
        text(&item.hours),
        text(&item.phone),
        text(item.national.as_ref().map_or("", |n| n.code.as_str())),
        text(item.national.as_ref().map_or("", |n| n.name.as_str())),
        text(
            &item
                .sources
                .iter()
                .map(Source::line)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ]
}

fn material_cells(item: &Item, m: &Material) -> Vec<Cell> {
    vec![
        text(&item.code),
        text(&m.code),
        text(&m.name),
        text(m.necessity.label()),
        text(&m.condition),
        text(m.form.label()),
        Cell::Number(m.copies),
        text(m.source.label()),
        text(&m.blank_form),
        text(&m.sample),
        yes(m.deferrable),
        text(&m.note),
    ]
}

fn step_cells(item: &Item, s: &Step) -> Vec<Cell> {
    vec![
        text(&item.code),
        text(s.kind.label()),
        text(&s.name),
        text(s.role.label()),
        Cell::Number(s.days),
        text(&s.standard),
    ]
}

/// Writes a workbook.
pub fn write(file: &CatalogFile) -> Result<Vec<u8>, ExportError> {
    let err = |e: rust_xlsxwriter::XlsxError| ExportError(e.to_string());
    let mut wb = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let wrap = CellFormat::new().set_text_wrap();
    {
        let ws = wb.add_worksheet().set_name(INFO).map_err(err)?;
        ws.write_string_with_format(0, 0, "县区代码", &bold)
            .map_err(err)?;
        ws.write_string(0, 1, &file.jurisdiction).map_err(err)?;
        ws.write_string(1, 0, "说明").map_err(err)?;
        ws.write_string(
            1,
            1,
            "一印事项目录工作簿：「事项」每行一个事项；「申请材料」「办理环节」「常见问题」每行一条，以事项编码对应事项，办理环节按行序排列。「数据来源」每行一条，写成 种类：出处（种类为试点方案、公开文件或演示假定）。",
        )
        .map_err(err)?;
        ws.set_column_width(1, 80).map_err(err)?;
    }
    let mut sheet =
        |name: &str, columns: &[(&str, &str)], rows: Vec<Vec<Cell>>| -> Result<(), ExportError> {
            let ws = wb.add_worksheet().set_name(name).map_err(err)?;
            for (c, (h, _)) in columns.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(err)?;
                ws.set_column_width(c as u16, 16).map_err(err)?;
            }
            ws.set_freeze_panes(1, 0).map_err(err)?;
            for (r, row) in rows.into_iter().enumerate() {
                for (c, cell) in row.into_iter().enumerate() {
                    let (r, c) = (r as u32 + 1, c as u16);
                    match cell {
                        Cell::Text(t) => {
                            ws.write_string_with_format(r, c, t, &wrap).map_err(err)?;
                        }
                        Cell::Number(n) => {
                            ws.write_number(r, c, f64::from(n)).map_err(err)?;
                        }
                        Cell::Empty => {}
                    }
                }
            }
            Ok(())
        };
    sheet(
        ITEMS,
        ITEM_COLUMNS,
        file.items.iter().map(item_cells).collect(),
    )?;
    sheet(
        MATERIALS,
        MATERIAL_COLUMNS,
        file.items
            .iter()
            .flat_map(|i| i.materials.iter().map(move |m| material_cells(i, m)))
            .collect(),
    )?;
    sheet(
        STEPS,
        STEP_COLUMNS,
        file.items
            .iter()
            .flat_map(|i| i.steps.iter().map(move |s| step_cells(i, s)))
            .collect(),
    )?;
    sheet(
        FAQS,
        FAQ_COLUMNS,
        file.items
            .iter()
            .flat_map(|i| {
                i.faq
                    .iter()
                    .map(move |q| vec![text(&i.code), text(&q.question), text(&q.answer)])
            })
            .collect(),
    )?;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, check, export, parse};
    use yiyin_domain::org::Organisation;

    fn sample() -> CatalogFile {
        toml::from_str(include_str!("../tests/sample.toml")).unwrap()
    }

    /// A workbook written from the sample, with one cell changed.
    fn edited(sheet: &str, row: u32, col: u16, value: &str) -> Vec<u8> {
        let bytes = export(&sample(), Format::Xlsx).unwrap();
        let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        let mut out = Workbook::new();
        for name in [INFO, ITEMS, MATERIALS, STEPS, FAQS] {
            let range = wb.worksheet_range(name).unwrap();
            let ws = out.add_worksheet().set_name(name).unwrap();
            for (r, cells) in range.rows().enumerate() {
                for (c, cell) in cells.iter().enumerate() {
                    let t = if name == sheet && r as u32 + 1 == row && c as u16 + 1 == col {
                        value.to_string()
                    } else {
                        cell_text(cell)
                    };
                    ws.write_string(r as u32, c as u16, t).unwrap();
                }
            }
        }
        out.save_to_buffer().unwrap()
    }

    #[test]
    fn bad_cells_are_reported_by_sheet_row_and_column() {
        // 申请材料, row 3 (the second material), column 7 (份数).
        let bytes = edited(MATERIALS, 3, 7, "两份");
        let problems = parse(&bytes, Format::Xlsx, None).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "工作表「申请材料」第3行「份数」列：「两份」不是非负整数"
        );
        let bytes = edited(ITEMS, 2, 7, "马上办");
        let problems = parse(&bytes, Format::Xlsx, None).unwrap_err();
        assert!(
            problems[0]
                .to_string()
                .starts_with("工作表「事项」第2行「办件类型」列"),
            "{problems:?}"
        );
    }

    #[test]
    fn validation_errors_point_at_cells() {
        let bytes = edited(STEPS, 3, 5, "9");
        let mut parsed = parse(&bytes, Format::Xlsx, None).unwrap();
        let problems = check(&mut parsed, &Organisation::builtin(), |_, _| {});
        assert!(!problems.is_empty());
        assert!(
            problems
                .iter()
                .any(|p| p.location.starts_with("工作表「办理环节」")),
            "{problems:?}"
        );
        let bytes = edited(MATERIALS, 2, 11, "是");
        let mut parsed = parse(&bytes, Format::Xlsx, None).unwrap();
        let problems = check(&mut parsed, &Organisation::builtin(), |_, _| {});
        assert!(
            problems.iter().any(|p| p.reason.contains("容缺")),
            "{problems:?}"
        );
    }

    #[test]
    fn rows_of_unknown_items_are_reported() {
        let bytes = edited(MATERIALS, 2, 1, "NO-SUCH");
        let problems = parse(&bytes, Format::Xlsx, None).unwrap_err();
        assert!(problems[0].reason.contains("NO-SUCH"), "{problems:?}");
    }

    #[test]
    fn department_names_are_accepted_for_codes() {
        let bytes = edited(ITEMS, 2, 4, "汉阴县市场监督管理局");
        let mut parsed = parse(&bytes, Format::Xlsx, None).unwrap();
        assert!(check(&mut parsed, &Organisation::builtin(), |_, _| {}).is_empty());
        assert_eq!(parsed.file.items[0].department, "shichang");
    }

    /// The 1-based column of a header of the 事项 sheet.
    fn item_column(header: &str) -> u16 {
        ITEM_COLUMNS.iter().position(|(h, _)| *h == header).unwrap() as u16 + 1
    }

    #[test]
    fn national_entry_and_sources_round_trip() {
        let mut file = sample();
        file.items[0].national = Some(NationalRef {
            code: "00012345600Y".into(),
            name: "食品经营许可".into(),
        });
        file.items[0].sources = vec![
            Source {
                kind: SourceKind::Seed,
                cite: "汉阴县方案 三（一）".into(),
            },
            Source {
                kind: SourceKind::Assumed,
                cite: "承诺时限为演示假定".into(),
            },
        ];
        let bytes = export(&file, Format::Xlsx).unwrap();
        let parsed = parse(&bytes, Format::Xlsx, None).unwrap();
        assert_eq!(parsed.file, file);
        // Written as the platform reads them: one source per line as 种类：出处.
        let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range(ITEMS).unwrap();
        let cell = |header: &str| {
            cell_text(&range.rows().nth(1).unwrap()[item_column(header) as usize - 1])
        };
        assert_eq!(cell("国家清单事项编码"), "00012345600Y");
        assert_eq!(cell("国家清单事项名称"), "食品经营许可");
        assert_eq!(
            cell("数据来源"),
            "试点方案：汉阴县方案 三（一）\n演示假定：承诺时限为演示假定"
        );
    }

    #[test]
    fn limit_unit_basis_and_joint_departments_round_trip() {
        let mut file = sample();
        let item = &mut file.items[0];
        item.limit_unit = LimitUnit::CalendarDays;
        item.limit_basis = "《中华人民共和国居民身份证法》第十二条".into();
        item.extension_days = Some(0);
        item.extension_basis = "《中华人民共和国居民身份证法》第十二条".into();
        item.joint = true;
        item.joint_departments = vec!["zhujian".into(), "weiji".into()];
        let bytes = export(&file, Format::Xlsx).unwrap();
        let parsed = parse(&bytes, Format::Xlsx, None).unwrap();
        assert_eq!(parsed.file, file);
        let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range(ITEMS).unwrap();
        let cell = |header: &str| {
            cell_text(&range.rows().nth(1).unwrap()[item_column(header) as usize - 1])
        };
        assert_eq!(cell("时限单位"), "自然日");
        assert_eq!(cell("延期天数"), "0");
        assert_eq!(cell("联合办理部门"), "zhujian、weiji");
        // A unit that is not one is named at its cell; names of departments are read as codes.
        let bytes = edited(ITEMS, 2, item_column("时限单位"), "小时");
        let problems = parse(&bytes, Format::Xlsx, None).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "工作表「事项」第2行「时限单位」列：「小时」不是可选值（可选：工作日、自然日）"
        );
        let mut joint = sample();
        joint.items[0].joint = true;
        joint.items[0].joint_departments = vec!["汉阴县住房和城乡建设局".into()];
        let mut parsed = Parsed {
            file: joint,
            ..parse(
                &export(&sample(), Format::Xlsx).unwrap(),
                Format::Xlsx,
                None,
            )
            .unwrap()
        };
        let problems = check(&mut parsed, &Organisation::builtin(), |_, _| {});
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed.file.items[0].joint_departments, vec!["zhujian"]);
        // A joint item with no other department is placed at its cell.
        parsed.file.items[0].joint_departments.clear();
        let problems = check(&mut parsed, &Organisation::builtin(), |_, _| {});
        assert!(
            problems
                .iter()
                .any(|p| p.location == "工作表「事项」第2行「联合办理部门」列"
                    && p.reason.contains("只有一个部门的事项不是联合办理")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_bad_source_line_is_named() {
        let col = item_column("数据来源");
        let bytes = edited(
            ITEMS,
            2,
            col,
            "公开文件：《行政许可法》第四十二条\n传说：某处",
        );
        let problems = parse(&bytes, Format::Xlsx, None).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "工作表「事项」第2行「数据来源」列：第2行「传说：某处」应写成 种类：出处（种类为试点方案、公开文件、演示假定）"
        );
        // A national code the list cannot hold is placed at its cell.
        let bytes = edited(ITEMS, 2, item_column("国家清单事项编码"), "许可 01");
        let mut parsed = parse(&bytes, Format::Xlsx, None).unwrap();
        let problems = check(&mut parsed, &Organisation::builtin(), |_, _| {});
        assert!(
            problems.iter().any(
                |p| p.location == "工作表「事项」第2行「国家清单事项编码」列"
                    && p.reason.contains("国家清单事项编码")
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_workbook_without_the_new_columns_still_reads() {
        let bytes = export(&sample(), Format::Xlsx).unwrap();
        let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        let mut out = Workbook::new();
        for name in [INFO, ITEMS, MATERIALS, STEPS, FAQS] {
            let range = wb.worksheet_range(name).unwrap();
            let ws = out.add_worksheet().set_name(name).unwrap();
            for (r, cells) in range.rows().enumerate() {
                let mut c = 0;
                for (i, cell) in cells.iter().enumerate() {
                    if name == ITEMS && OPTIONAL_HEADERS.contains(&ITEM_COLUMNS[i].0) {
                        continue;
                    }
                    ws.write_string(r as u32, c, cell_text(cell)).unwrap();
                    c += 1;
                }
            }
        }
        let parsed = parse(&out.save_to_buffer().unwrap(), Format::Xlsx, None).unwrap();
        // What the dropped columns held is read as absent (working days, no basis).
        let mut expected = sample();
        for item in &mut expected.items {
            item.limit_unit = LimitUnit::WorkingDays;
            item.limit_basis.clear();
            item.joint_departments.clear();
        }
        assert_eq!(parsed.file, expected);
    }

    #[test]
    fn a_text_file_is_not_a_workbook() {
        let problems = parse(b"hello", Format::Xlsx, None).unwrap_err();
        assert!(problems[0].reason.contains("不是有效的 Excel"));
    }
}
