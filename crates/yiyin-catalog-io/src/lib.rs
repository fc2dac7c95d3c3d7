//! Catalog import and export.
//!
//! Three formats carry the same [`CatalogFile`]: the documented text format in TOML or JSON
//! (`docs/catalog-format.md`) and an Excel workbook with one sheet per list (事项, 申请材料, 办理环节,
//! 常见问题), which is how counties keep their item lists. [`parse`] reads a file and reports every
//! problem with its place (sheet, row and column for workbooks; line and column or item for text);
//! [`check`] validates every item against the organisation and reports in the same way; [`export`]
//! writes any of the formats. The column layout of the workbook is defined once, in [`xlsx`], and used
//! both ways.

pub mod xlsx;

use std::fmt;

use yiyin_domain::catalog::{CatalogFile, FieldError, field_label};
use yiyin_domain::org::Organisation;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
    Xlsx,
}

impl Format {
    /// The format of a file by its extension.
    pub fn of_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn parse_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "xlsx" | "excel" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
        }
    }
}

/// One problem in an imported file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 「工作表「申请材料」第5行「份数」列」, 「第12行第3列」 or 「第3个事项（HY-SC-001 食品经营许可）」.
    pub location: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.location, self.reason)
    }
}

/// Where each item and its rows came from, so that validation errors can be placed.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// For a workbook: per item, its row in 事项 and the rows of its materials, steps and FAQ.
    pub rows: Vec<xlsx::ItemRows>,
}

/// A parsed file and where its parts came from.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: CatalogFile,
    pub map: SourceMap,
}

/// Parses a catalog file. Every problem found is reported; nothing is returned unless there is none.
/// `jurisdiction` (from the command line) overrides or supplies the file's jurisdiction.
pub fn parse(
    bytes: &[u8],
    format: Format,
    jurisdiction: Option<&str>,
) -> Result<Parsed, Vec<Problem>> {
    let mut parsed = match format {
        Format::Toml => {
            let text = utf8(bytes)?;
            let file: CatalogFile = toml::from_str(text).map_err(|e| {
                let location = match e.span() {
                    Some(span) => line_col(text, span.start),
                    None => "文件".to_string(),
                };
                vec![Problem {
                    location,
                    reason: format!("TOML 格式错误：{}", e.message()),
                }]
            })?;
            Parsed {
                file,
                map: SourceMap::default(),
            }
        }
        Format::Json => {
            let text = utf8(bytes)?;
            let file: CatalogFile = serde_json::from_str(text).map_err(|e| {
                vec![Problem {
                    location: format!("第{}行第{}列", e.line(), e.column()),
                    reason: format!("JSON 格式错误：{e}"),
                }]
            })?;
            Parsed {
                file,
                map: SourceMap::default(),
            }
        }
        Format::Xlsx => xlsx::read(bytes)?,
    };
    if let Some(j) = jurisdiction {
        parsed.file.jurisdiction = j.to_string();
    }
    if parsed.file.jurisdiction.trim().is_empty() {
        return Err(vec![Problem {
            location: "文件".into(),
            reason: "没有写明县区代码（文本格式的 jurisdiction 字段，或工作表「说明」的「县区代码」；也可用 --jurisdiction 指定）".into(),
        }]);
    }
    Ok(parsed)
}

fn utf8(bytes: &[u8]) -> Result<&str, Vec<Problem>> {
    std::str::from_utf8(bytes).map_err(|_| {
        vec![Problem {
            location: "文件".into(),
            reason: "不是 UTF-8 编码的文本文件".into(),
        }]
    })
}

fn line_col(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("第{line}行第{col}列")
}

/// Checks every item against the organisation: the jurisdiction exists and has a catalog, codes are
/// unique, department names are resolved to codes, and each item passes its validation. Calls
/// `progress(done, total)` as it goes.
pub fn check(
    parsed: &mut Parsed,
    org: &Organisation,
    mut progress: impl FnMut(usize, usize),
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let code = parsed.file.jurisdiction.clone();
    let Some(j) = org.jurisdiction(&code) else {
        return vec![Problem {
            location: "文件".into(),
            reason: format!(
                "没有代码为「{code}」的县区（可用：{}）",
                org.jurisdictions
                    .iter()
                    .filter(|j| j.has_catalog())
                    .map(|j| format!("{} {}", j.code, j.name))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        }];
    };
    if !j.has_catalog() {
        return vec![Problem {
            location: "文件".into(),
            reason: format!("{}没有行政审批服务局，不设本级事项目录", j.name),
        }];
    }
    if parsed.file.items.is_empty() {
        problems.push(Problem {
            location: "文件".into(),
            reason: "没有任何事项".into(),
        });
    }
    let total = parsed.file.items.len();
    let mut seen = std::collections::HashMap::new();
    for i in 0..total {
        let item = &mut parsed.file.items[i];
        for field in [&mut item.department, &mut item.supervising_department]
            .into_iter()
            .chain(item.joint_departments.iter_mut())
        {
            if let Some(d) = j.departments.iter().find(|d| d.name == field.trim()) {
                *field = d.code.clone();
            }
        }
        for t in &mut item.delegated_to {
            if let Some(c) = j
                .townships
                .iter()
                .find(|c| c.town == t.trim() || c.name() == t.trim())
            {
                *t = c.code.clone();
            }
        }
        let item = &parsed.file.items[i];
        if let Some(first) = seen.insert(item.code.clone(), i) {
            problems.push(Problem {
                location: locate(parsed, i, "code"),
                reason: format!("事项编码「{}」与第{}个事项重复", item.code, first + 1),
            });
        }
        for FieldError { field, message } in item.validate(j) {
            problems.push(Problem {
                location: locate(parsed, i, &field),
                reason: format!("{}：{message}", field_label(&field)),
            });
        }
        if (i + 1) % 50 == 0 || i + 1 == total {
            progress(i + 1, total);
        }
    }
    problems
}

/// Where a field of item `index` is, in the file's own terms.
fn locate(parsed: &Parsed, index: usize, field: &str) -> String {
    match parsed.map.rows.get(index) {
        Some(rows) => xlsx::locate(rows, field),
        None => {
            let item = &parsed.file.items[index];
            format!("第{}个事项（{} {}）", index + 1, item.code, item.name)
        }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[error("导出失败：{0}")]
pub struct ExportError(pub String);

/// Writes a catalog file in a format.
pub fn export(file: &CatalogFile, format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Toml => toml::to_string_pretty(file)
            .map(String::into_bytes)
            .map_err(|e| ExportError(e.to_string())),
        Format::Json => serde_json::to_vec_pretty(file).map_err(|e| ExportError(e.to_string())),
        Format::Xlsx => xlsx::write(file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../tests/sample.toml");

    #[test]
    fn toml_round_trips_through_every_format() {
        let org = Organisation::builtin();
        let mut parsed = parse(SAMPLE.as_bytes(), Format::Toml, None).unwrap();
        // The sample's second item counts calendar days under its own law; make the first a
        // joint item with another department, so every limit field is carried.
        assert!(!parsed.file.items[1].limit_unit.is_working());
        parsed.file.items[0].joint = true;
        parsed.file.items[0].joint_departments = vec!["zhujian".into()];
        assert!(check(&mut parsed, &org, |_, _| {}).is_empty());
        for format in [Format::Toml, Format::Json, Format::Xlsx] {
            let bytes = export(&parsed.file, format).unwrap();
            let mut again =
                parse(&bytes, format, None).unwrap_or_else(|p| panic!("{format:?}: {p:?}"));
            assert!(check(&mut again, &org, |_, _| {}).is_empty(), "{format:?}");
            assert_eq!(again.file, parsed.file, "{format:?}");
        }
    }

    #[test]
    fn text_errors_have_lines() {
        let broken = SAMPLE.replacen("statutory_days = 20", "statutory_days = \"二十\"", 1);
        let problems = parse(broken.as_bytes(), Format::Toml, None).unwrap_err();
        assert!(problems[0].location.starts_with('第'), "{problems:?}");
        assert!(problems[0].location.contains("行"), "{problems:?}");
    }

    #[test]
    fn validation_problems_name_the_item() {
        let org = Organisation::builtin();
        let broken = SAMPLE.replacen("promised_days = 10", "promised_days = 30", 1);
        let mut parsed = parse(broken.as_bytes(), Format::Toml, None).unwrap();
        let problems = check(&mut parsed, &org, |_, _| {});
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .to_string()
                .contains("第1个事项（HY-SC-001 食品经营许可）")
        );
        assert!(problems[0].to_string().contains("承诺时限"));
    }

    #[test]
    fn unknown_jurisdiction_is_reported() {
        let org = Organisation::builtin();
        let mut parsed = parse(SAMPLE.as_bytes(), Format::Toml, Some("nowhere")).unwrap();
        let problems = check(&mut parsed, &org, |_, _| {});
        assert!(problems[0].reason.contains("hanyin 汉阴县"), "{problems:?}");
    }
}
