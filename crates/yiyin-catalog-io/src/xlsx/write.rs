//! Writing a catalog as a workbook: the 说明 sheet, then one sheet per list with its header row,
//! the cells of each item, material, step and question in the layout's column order.

use rust_xlsxwriter::{Format as CellFormat, Workbook};
use yiyin_domain::catalog::form::{FormField, FormRule};
use yiyin_domain::catalog::{CatalogFile, Fee, Form, Item, Material, Step};
use yiyin_domain::sources::Source;

use super::layout::{
    FAQ_COLUMNS, FAQS, FORM_COLUMNS, FORM_FIELDS, INFO, ITEM_COLUMNS, ITEMS, MATERIAL_COLUMNS,
    MATERIALS, STEP_COLUMNS, STEPS, TEMPLATE_COLUMNS, TEMPLATE_FIELDS,
};
use crate::ExportError;

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
    sheet(
        FORM_FIELDS,
        FORM_COLUMNS,
        file.items
            .iter()
            .flat_map(|i| i.form.iter().flat_map(move |f| form_rows(i, f)))
            .collect(),
    )?;
    sheet(
        TEMPLATE_FIELDS,
        TEMPLATE_COLUMNS,
        file.items
            .iter()
            .flat_map(|i| {
                i.result.template.iter().flat_map(move |t| {
                    t.fields.iter().map(move |f| {
                        vec![
                            text(&i.code),
                            text(&f.key),
                            text(&f.label),
                            text(&f.source.code()),
                            yes(f.personal),
                            text(f.layout.label()),
                        ]
                    })
                })
            })
            .collect(),
    )?;
    wb.save_to_buffer().map_err(err)
}

/// The rows of an item's form: each field, then the columns of a table or group.
fn form_rows(item: &Item, form: &Form) -> Vec<Vec<Cell>> {
    let row = |f: &FormField, parent: &str| {
        let required_when = form.rules.iter().find_map(|r| match r {
            FormRule::RequiredWhen {
                field,
                when,
                equals,
            } if field == &f.code && parent.is_empty() => Some(format!("{when}={equals}")),
            _ => None,
        });
        let not_before = form.rules.iter().find_map(|r| match r {
            FormRule::NotBefore { field, other } if field == &f.code && parent.is_empty() => {
                Some(other.clone())
            }
            _ => None,
        });
        vec![
            text(&item.code),
            text(&f.code),
            text(parent),
            text(&f.label),
            text(f.kind.label()),
            yes(f.required),
            text(&f.help),
            f.min.map_or(Cell::Empty, Cell::Number),
            f.max.map_or(Cell::Empty, Cell::Number),
            text(&f.options.join("\n")),
            yes(f.multiple),
            text(&f.prefill.as_ref().map(|p| p.code()).unwrap_or_default()),
            text(&required_when.unwrap_or_default()),
            text(&not_before.unwrap_or_default()),
        ]
    };
    form.fields
        .iter()
        .flat_map(|f| std::iter::once(row(f, "")).chain(f.columns.iter().map(|c| row(c, &f.code))))
        .collect()
}
