//! Reading a catalog from a workbook: the items of the 事项 sheet, and the rows of the detail sheets
//! (申请材料, 办理环节, 常见问题) attached to their items, with the rows each came from.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Reader, open_workbook_auto_from_rs};
use yiyin_domain::catalog::form::{FieldKind, Form, FormField, FormRule, Prefill};
use yiyin_domain::catalog::template::{Layout, LicenceTemplate, TemplateField, TemplateSource};
use yiyin_domain::catalog::{
    CatalogFile, Faq, Fee, HandlingClass, HandlingMode, Item, ItemKind, ItemResult, LimitUnit,
    Material, MaterialForm, MaterialSource, NationalRef, Necessity, ResultKind, Step, StepKind,
    Subject,
};
use yiyin_domain::roles::Role;
use yiyin_domain::sources::{Source, SourceKind};

use super::layout::{
    FAQ_COLUMNS, FAQS, FORM_COLUMNS, FORM_FIELDS, INFO, ITEM_COLUMNS, ITEMS, ItemRows,
    MATERIAL_COLUMNS, MATERIALS, STEP_COLUMNS, STEPS, TEMPLATE_COLUMNS, TEMPLATE_FIELDS,
};
use super::sheet::{RowReader, Sheet, cell_text, load_sheet};
use crate::{Parsed, Problem, SourceMap};

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
    let forms = load_sheet(&mut wb, FORM_FIELDS, FORM_COLUMNS, false, &mut problems);
    let templates = load_sheet(
        &mut wb,
        TEMPLATE_FIELDS,
        TEMPLATE_COLUMNS,
        false,
        &mut problems,
    );
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
    if let Some(forms) = &forms {
        attach(forms, &index, &mut problems, |i, row, r| {
            read_form_row(out[i].form.get_or_insert_with(Form::default), r);
            if r.raw("上级字段").is_empty() {
                rows[i].form.push(row);
            }
        });
    }
    if let Some(templates) = &templates {
        attach(templates, &index, &mut problems, |i, row, r| {
            if let Some(field) = read_template_row(r) {
                out[i]
                    .result
                    .template
                    .get_or_insert_with(LicenceTemplate::default)
                    .fields
                    .push(field);
                rows[i].template.push(row);
            }
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

/// A field of an item's form from its row: added to the form's fields, or to the columns of the
/// table named in 上级字段; its rules with it.
fn read_form_row(form: &mut Form, r: &mut RowReader) {
    let code = r.required("字段编码");
    let prefill = r.text("预填来源");
    let field = FormField {
        code: code.clone(),
        label: r.required("字段名称"),
        kind: r.choice("字段类型", FieldKind::Text),
        required: r.flag("必填"),
        help: r.text("填写说明"),
        min: r.opt_number("最小"),
        max: r.opt_number("最大"),
        options: r.lines("选项"),
        multiple: r.flag("多选"),
        columns: vec![],
        prefill: if prefill.is_empty() {
            None
        } else {
            let p = Prefill::parse(&prefill);
            if p.is_none() {
                r.problem(
                    "预填来源",
                    format!("「{prefill}」应为 profile.name、profile.id_number、profile.phone 或 licence.字段编码"),
                );
            }
            p
        },
    };
    let when = r.text("必填条件");
    if !when.is_empty() {
        match when.split_once(['=', '＝']) {
            Some((w, e)) => form.rules.push(FormRule::RequiredWhen {
                field: code.clone(),
                when: w.trim().to_string(),
                equals: e.trim().to_string(),
            }),
            None => r.problem("必填条件", format!("「{when}」应写成 字段编码=选项")),
        }
    }
    let other = r.text("不早于");
    if !other.is_empty() {
        form.rules.push(FormRule::NotBefore { field: code, other });
    }
    let parent = r.text("上级字段");
    if parent.is_empty() {
        form.fields.push(field);
    } else {
        match form.fields.iter_mut().rev().find(|f| f.code == parent) {
            Some(p) => p.columns.push(field),
            None => r.problem(
                "上级字段",
                format!("表单中此行之前没有编码为「{parent}」的字段"),
            ),
        }
    }
}

/// A field of the licence template of an item's result from its row (None, with the problem at its
/// cell, when its source cannot be read).
fn read_template_row(r: &mut RowReader) -> Option<TemplateField> {
    let key = r.required("栏目编码");
    let label = r.required("栏目名称");
    let written = r.required("数据来源");
    let personal = r.flag("个人信息");
    let layout = r.choice("版式", Layout::Half);
    match TemplateSource::try_from(written) {
        Ok(source) => Some(TemplateField {
            key,
            label,
            source,
            personal,
            layout,
        }),
        Err(reason) => {
            r.problem("数据来源", reason);
            None
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
            template: None,
        },
        topics: r.list("主题分类"),
        place: r.required("办理地点"),
        hours: r.required("办理时间"),
        phone: r.required("咨询电话"),
        faq: vec![],
        form: None,
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
