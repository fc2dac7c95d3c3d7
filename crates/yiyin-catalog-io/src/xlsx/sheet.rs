//! Reading a sheet: its rows with the column of each header (missing headers reported), the text
//! of a cell, and a reader of one row's cells by header that places each problem at its sheet, row
//! and column.

use std::collections::HashMap;

use calamine::{Data, Reader};
use yiyin_domain::labels::Labelled;

use super::OPTIONAL_HEADERS;
use crate::Problem;

/// One sheet's rows with the column index of each header.
pub(super) struct Sheet {
    pub(super) name: &'static str,
    /// Excel row number of each data row, and its cells.
    pub(super) rows: Vec<(u32, Vec<Data>)>,
    pub(super) columns: HashMap<String, usize>,
}

pub(super) fn load_sheet<R: std::io::Read + std::io::Seek>(
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

pub(super) fn cell_text(cell: &Data) -> String {
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
pub(super) struct RowReader<'a> {
    pub(super) sheet: &'static str,
    pub(super) row: u32,
    pub(super) cells: &'a [Data],
    pub(super) columns: &'a HashMap<String, usize>,
    pub(super) problems: &'a mut Vec<Problem>,
}

impl RowReader<'_> {
    pub(super) fn raw(&self, header: &str) -> String {
        self.columns
            .get(header)
            .and_then(|i| self.cells.get(*i))
            .map(cell_text)
            .unwrap_or_default()
    }

    pub(super) fn problem(&mut self, header: &str, reason: String) {
        self.problems.push(Problem {
            location: format!("工作表「{}」第{}行「{header}」列", self.sheet, self.row),
            reason,
        });
    }

    pub(super) fn text(&mut self, header: &str) -> String {
        self.raw(header)
    }

    pub(super) fn required(&mut self, header: &str) -> String {
        let t = self.raw(header);
        if t.is_empty() {
            self.problem(header, "不能为空".into());
        }
        t
    }

    pub(super) fn number(&mut self, header: &str) -> u32 {
        self.opt_number(header).unwrap_or_else(|| {
            if self.raw(header).is_empty() {
                self.problem(header, "不能为空，应为整数".into());
            }
            0
        })
    }

    pub(super) fn opt_number(&mut self, header: &str) -> Option<u32> {
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

    pub(super) fn flag(&mut self, header: &str) -> bool {
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
    pub(super) fn choice<T: Labelled>(&mut self, header: &str, fallback: T) -> T {
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

    pub(super) fn lines(&mut self, header: &str) -> Vec<String> {
        split(&self.raw(header), &['\n'])
    }

    pub(super) fn list(&mut self, header: &str) -> Vec<String> {
        split(&self.raw(header), &['、', '，', ',', '；', ';', '\n'])
    }
}

fn split(text: &str, seps: &[char]) -> Vec<String> {
    text.split(|c| seps.contains(&c))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
