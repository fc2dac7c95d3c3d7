//! Tests of the workbook both ways: problems placed at their cells, round trips of every column,
//! and workbooks written by earlier versions.

use std::io::Cursor;

use calamine::{Reader, open_workbook_auto_from_rs};
use rust_xlsxwriter::Workbook;
use yiyin_domain::catalog::{CatalogFile, LimitUnit, NationalRef};
use yiyin_domain::org::Organisation;
use yiyin_domain::sources::{Source, SourceKind};

use super::sheet::cell_text;
use super::*;
use crate::{Format, Parsed, check, export, parse};

fn sample() -> CatalogFile {
    toml::from_str(include_str!("../../tests/sample.toml")).unwrap()
}

/// The sample's workbook copied cell by cell, each cell's text passed through `keep` with its sheet,
/// 0-based row and 0-based column: `None` drops the cell (the cells after it move left).
fn rewritten(keep: impl Fn(&str, u32, usize, String) -> Option<String>) -> Vec<u8> {
    let bytes = export(&sample(), Format::Xlsx).unwrap();
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    let mut out = Workbook::new();
    for name in [INFO, ITEMS, MATERIALS, STEPS, FAQS] {
        let range = wb.worksheet_range(name).unwrap();
        let ws = out.add_worksheet().set_name(name).unwrap();
        for (r, cells) in range.rows().enumerate() {
            let kept = cells
                .iter()
                .enumerate()
                .filter_map(|(c, cell)| keep(name, r as u32, c, cell_text(cell)));
            for (c, t) in kept.enumerate() {
                ws.write_string(r as u32, c as u16, t).unwrap();
            }
        }
    }
    out.save_to_buffer().unwrap()
}

/// A workbook written from the sample, with one cell (1-based row and column) changed.
fn edited(sheet: &str, row: u32, col: u16, value: &str) -> Vec<u8> {
    rewritten(|name, r, c, t| {
        Some(
            if name == sheet && r + 1 == row && c + 1 == usize::from(col) {
                value.to_string()
            } else {
                t
            },
        )
    })
}

/// Writes `file` as a workbook, checks that it reads back the same, and returns the workbook.
fn round_trip(file: &CatalogFile) -> Vec<u8> {
    let bytes = export(file, Format::Xlsx).unwrap();
    let parsed = parse(&bytes, Format::Xlsx, None).unwrap();
    assert_eq!(&parsed.file, file);
    bytes
}

/// The text of the first item's cell under `header` in the 事项 sheet of a workbook.
fn item_cell(bytes: &[u8], header: &str) -> String {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(ITEMS).unwrap();
    cell_text(&range.rows().nth(1).unwrap()[item_column(header) as usize - 1])
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
    let bytes = round_trip(&file);
    // Written as the platform reads them: one source per line as 种类：出处.
    let cell = |header: &str| item_cell(&bytes, header);
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
    let bytes = round_trip(&file);
    let cell = |header: &str| item_cell(&bytes, header);
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
    let bytes = rewritten(|name, _, c, t| {
        (name != ITEMS || !OPTIONAL_HEADERS.contains(&ITEM_COLUMNS[c].0)).then_some(t)
    });
    let parsed = parse(&bytes, Format::Xlsx, None).unwrap();
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

/// A form with every kind of column the 表单字段 sheet writes: a table, a multiple choice, limits,
/// help, prefill and both rules.
fn with_form() -> CatalogFile {
    let mut file = sample();
    file.items[0].form = Some(
        toml::from_str(
            r#"
[[fields]]
code = "operator_name"
label = "经营者名称"
kind = "text"
required = true
max = 100
help = "与营业执照一致"
prefill = "profile.name"
[[fields]]
code = "business_type"
label = "主体业态"
kind = "choice"
required = true
options = ["食品销售经营者", "单位食堂"]
[[fields]]
code = "canteen_unit"
label = "食堂所属单位"
kind = "text"
[[fields]]
code = "channels"
label = "经营方式"
kind = "choice"
multiple = true
options = ["网络经营", "实体门店"]
[[fields]]
code = "opening"
label = "开业日期"
kind = "date"
[[fields]]
code = "lease_end"
label = "租赁截止日期"
kind = "date"
[[fields]]
code = "scope"
label = "经营项目"
kind = "table"
required = true
min = 1
max = 20
[[fields.columns]]
code = "item"
label = "项目"
kind = "choice"
required = true
options = ["热食类食品制售", "冷食类食品制售"]
[[fields.columns]]
code = "note"
label = "备注"
kind = "text"
[[rules]]
kind = "required_when"
field = "canteen_unit"
when = "business_type"
equals = "单位食堂"
[[rules]]
kind = "not_before"
field = "lease_end"
other = "opening"
"#,
        )
        .unwrap(),
    );
    file
}

#[test]
fn a_form_round_trips_through_its_sheet() {
    let file = with_form();
    let bytes = round_trip(&file);
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range(FORM_FIELDS).unwrap();
    let header: Vec<String> = range.rows().next().unwrap().iter().map(cell_text).collect();
    assert_eq!(
        header[..4],
        ["事项编码", "字段编码", "上级字段", "字段名称"]
    );
    // Seven fields and the table's two columns.
    assert_eq!(range.rows().count(), 1 + 9);
}

#[test]
fn a_form_row_under_an_unknown_table_is_placed_at_its_cell() {
    let bytes = export(&with_form(), Format::Xlsx).unwrap();
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    let mut out = Workbook::new();
    for name in [INFO, ITEMS, MATERIALS, STEPS, FAQS, FORM_FIELDS] {
        let range = wb.worksheet_range(name).unwrap();
        let ws = out.add_worksheet().set_name(name).unwrap();
        for (r, cells) in range.rows().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let mut t = cell_text(cell);
                // The first column of the table (row 9 in Excel) under a table that is not there.
                if name == FORM_FIELDS && r == 8 && c == 2 {
                    t = "nowhere".into();
                }
                ws.write_string(r as u32, c as u16, t).unwrap();
            }
        }
    }
    let problems = parse(&out.save_to_buffer().unwrap(), Format::Xlsx, None).unwrap_err();
    assert!(
        problems.iter().any(|p| p.location.contains("表单字段")
            && p.location.contains("第9行")
            && p.reason.contains("nowhere")),
        "{problems:?}"
    );
}

#[test]
fn a_licence_template_round_trips_through_its_sheet() {
    let mut file = with_form();
    file.items[0].result.template = Some(
        toml::from_str(
            r#"
[[fields]]
key = "operator"
label = "经营者名称"
source = "form:operator_name"
[[fields]]
key = "scope"
label = "经营项目"
source = "form:scope.item"
layout = "wide"
[[fields]]
key = "holder_id"
label = "身份证号码"
source = "applicant.id_number"
personal = true
[[fields]]
key = "complaints"
label = "投诉举报电话"
source = "text:12315"
"#,
        )
        .unwrap(),
    );
    let bytes = round_trip(&file);
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.clone())).unwrap();
    let range = wb.worksheet_range(TEMPLATE_FIELDS).unwrap();
    assert_eq!(range.rows().count(), 1 + 4);
    let row: Vec<String> = range.rows().nth(2).unwrap().iter().map(cell_text).collect();
    assert_eq!(row[3..], ["form:scope.item", "否", "通栏"]);

    // A source that cannot be read is named at its cell, nothing imported.
    let mut out = Workbook::new();
    for name in [
        INFO,
        ITEMS,
        MATERIALS,
        STEPS,
        FAQS,
        FORM_FIELDS,
        TEMPLATE_FIELDS,
    ] {
        let range = wb.worksheet_range(name).unwrap();
        let ws = out.add_worksheet().set_name(name).unwrap();
        for (r, cells) in range.rows().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let mut t = cell_text(cell);
                if name == TEMPLATE_FIELDS && r == 3 && c == 3 {
                    t = "somewhere".into();
                }
                ws.write_string(r as u32, c as u16, t).unwrap();
            }
        }
    }
    let problems = parse(&out.save_to_buffer().unwrap(), Format::Xlsx, None).unwrap_err();
    assert!(
        problems.iter().any(|p| p.location.contains("证照模板")
            && p.location.contains("第4行")
            && p.reason.contains("数据来源「somewhere」无效")),
        "{problems:?}"
    );
}
