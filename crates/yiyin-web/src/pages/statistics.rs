//! The statistics pages (政务服务统计): `/statistics`, the bureau's table of a jurisdiction and
//! period by item, department, window or staff member with its charts and its downloads (the
//! `.xlsx` and CSV of the API), and `/j/{code}/statistics`, the public figures of a jurisdiction
//! (by item, department or window; never by staff member). Who sees which figures is the
//! application layer's (`yiyin_app::statistics`).
//!
//! The charts are drawn here as SVG inside the page (no outside asset, no script): horizontal
//! bars with Chinese labels, every coloured part also written out as text beside its bar.

use askama::Template;
use serde::Deserialize;
use yiyin_app::statistics::{StatisticsQuery, groupings};
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::fmt_date;
use yiyin_domain::statistics::{Cell, Counts, Row, Table};

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::{Chrome, PageFor, PageResult, Path, Query, Visitor, encode, render};

/// The form of a statistics page, as the GET form sends it (empty: the default).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct StatsForm {
    pub jurisdiction: String,
    pub from: String,
    pub to: String,
    pub by: String,
}

impl StatsForm {
    fn query(&self, jurisdiction: &str) -> StatisticsQuery {
        let some = |s: &str| Some(s.to_string());
        StatisticsQuery {
            jurisdiction: jurisdiction.to_string(),
            from: some(&self.from),
            to: some(&self.to),
            by: some(&self.by),
        }
    }
}

/// A chart drawn as SVG markup, with its heading.
pub struct Chart {
    pub title: String,
    pub svg: String,
}

/// What both pages show of a table.
pub struct Shown {
    pub title: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub charts: Vec<Chart>,
    /// The query string of the downloads (empty when there is no table).
    pub download: String,
    pub from: String,
    pub to: String,
    pub by: String,
}

impl Shown {
    fn of(table: &Table, jurisdiction: &str, staff: bool) -> Shown {
        let p = table.period;
        let (from, to, by) = (fmt_date(p.from), fmt_date(p.to), table.grouping.code());
        let rows = table
            .body()
            .iter()
            .map(|r| r.iter().map(Cell::text).collect())
            .collect();
        let mut headings = table.headings();
        if !staff {
            // The public page: the group's code says nothing to a reader.
            headings.remove(0);
        }
        Shown {
            title: table.title(),
            headings,
            rows: if staff {
                rows
            } else {
                rows.into_iter()
                    .map(|mut r: Vec<String>| {
                        r.remove(0);
                        r
                    })
                    .collect()
            },
            charts: charts(table),
            download: format!(
                "jurisdiction={}&from={from}&to={to}&by={by}",
                encode(jurisdiction)
            ),
            from,
            to,
            by: by.to_string(),
        }
    }

    fn empty(q: &StatsForm) -> Shown {
        Shown {
            title: String::new(),
            headings: Vec::new(),
            rows: Vec::new(),
            charts: Vec::new(),
            download: String::new(),
            from: q.from.clone(),
            to: q.to.clone(),
            by: q.by.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "statistics/desk.html")]
struct DeskPage {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    jurisdiction_name: String,
    groupings: Vec<(&'static str, &'static str)>,
    shown: Shown,
    /// Why the form was refused.
    error: String,
    /// The observer's note: only its departments are counted.
    limited: bool,
}

/// The bureau's statistics.
pub async fn desk(page: PageFor<gate::ViewStatistics>, Query(q): Query<StatsForm>) -> PageResult {
    page.require_staff()?;
    let mine = page.jurisdictions_for(Operation::ViewStatistics);
    let Some(first) = mine.first() else {
        return Err(
            AppError::Forbidden("无权查看政务服务统计：您的岗位没有此项职责".into()).into(),
        );
    };
    let jurisdiction = if mine.iter().any(|j| j.0 == q.jurisdiction) {
        q.jurisdiction.clone()
    } else {
        first.0.clone()
    };
    let name = crate::pages::label_of(&mine, &jurisdiction);
    let (shown, error, limited) = match page
        .app
        .statistics(page.who(), &q.query(&jurisdiction))
        .await
    {
        Ok(s) => (
            Shown::of(&s.table, &jurisdiction, true),
            String::new(),
            !s.departments.is_empty(),
        ),
        Err(e @ AppError::Invalid { .. }) => (Shown::empty(&q), e.to_string(), false),
        Err(e) => return Err(e.into()),
    };
    render(&DeskPage {
        chrome: page.chrome(""),
        jurisdictions: mine.clone(),
        jurisdiction,
        jurisdiction_name: name,
        groupings: groupings(false),
        shown,
        error,
        limited,
    })
}

#[derive(Template)]
#[template(path = "statistics/public.html")]
struct PublicPage {
    chrome: Chrome,
    code: String,
    name: String,
    groupings: Vec<(&'static str, &'static str)>,
    shown: Shown,
    error: String,
}

/// The public figures of a jurisdiction.
pub async fn public(
    page: Visitor,
    Path(code): Path<String>,
    Query(q): Query<StatsForm>,
) -> PageResult {
    let (shown, error, name) = match page.app.public_statistics(&q.query(&code)).await {
        Ok(s) => (
            Shown::of(&s.table, &code, false),
            String::new(),
            s.jurisdiction_name,
        ),
        Err(e @ AppError::Invalid { .. }) => {
            let name = page
                .app
                .org()
                .jurisdiction(&code)
                .map(|j| j.name.clone())
                .ok_or_else(|| AppError::NotFound(format!("没有代码为 {code} 的县区")))?;
            (Shown::empty(&q), e.to_string(), name)
        }
        Err(e) => return Err(e.into()),
    };
    render(&PublicPage {
        chrome: page.chrome(""),
        code,
        name,
        groupings: groupings(true),
        shown,
        error,
    })
}

/// The most rows a chart draws (the rows with the most decided cases; the table has them all).
const CHART_ROWS: usize = 30;

/// The colours of the efficiency classes, with the words that say the same.
const CLASSES: [(&str, &str); 4] = [
    ("即办", "#1b7837"),
    ("提前", "#5aae61"),
    ("按时", "#a6dba0"),
    ("超期", "#c2410c"),
];

/// Escapes text for SVG.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The rows a chart draws: the busiest first.
fn chart_rows(table: &Table) -> Vec<&Row> {
    let mut rows: Vec<&Row> = table.rows.iter().collect();
    rows.sort_by(|a, b| {
        b.counts
            .decided
            .cmp(&a.counts.decided)
            .then(b.counts.received.cmp(&a.counts.received))
            .then(a.key.code.cmp(&b.key.code))
    });
    rows.truncate(CHART_ROWS);
    rows
}

const LABEL_W: u64 = 220;
const BAR_W: u64 = 360;
const TEXT_W: u64 = 300;
const ROW_H: u64 = 28;
const TOP: u64 = 36;

/// The frame of a horizontal bar chart of `n` rows: the opening tag with its title, and the
/// legend line. The text style is given as presentation attributes (the pages' Content-Security-
/// Policy admits no inline style).
fn frame(id: &str, title: &str, desc: &str, n: usize, legend: &str) -> String {
    let h = TOP + ROW_H * n.max(1) as u64 + 8;
    let w = LABEL_W + BAR_W + TEXT_W;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" width="100%" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc><g font-size="13" font-family="sans-serif" fill="#1f2937">{legend}"##,
        xml(title),
        xml(desc)
    )
}

/// The legend line: a swatch and its word for each colour.
fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut x = LABEL_W;
    for (word, colour) in items {
        out.push_str(&format!(
            r#"<rect x="{x}" y="8" width="14" height="14" fill="{colour}"/><text x="{}" y="20">{}</text>"#,
            x + 18,
            xml(word)
        ));
        x += 80;
    }
    out
}

/// A row's label on the left, cut to fit.
fn row_label(y: u64, name: &str) -> String {
    let shown: String = if name.chars().count() > 15 {
        name.chars().take(14).chain(std::iter::once('…')).collect()
    } else {
        name.to_string()
    };
    format!(
        r#"<text x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>"#,
        LABEL_W - 8,
        y + 18,
        xml(name),
        xml(&shown)
    )
}

/// A chart of one bar a row: the frame with its title, description and legend, each row's label,
/// the bar `bar` draws for the row at height `y` and the text it gives written beside it, and a
/// line saying so when there is no row.
fn bar_chart(
    (id, title, desc): (&str, &str, &str),
    legend: &str,
    rows: &[&Row],
    bar: impl Fn(&Row, u64) -> (String, String),
) -> String {
    let mut out = frame(id, title, desc, rows.len(), legend);
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as u64;
        out.push_str(&row_label(y, &r.key.name));
        let (shapes, text) = bar(r, y);
        out.push_str(&shapes);
        out.push_str(&format!(
            r#"<text x="{}" y="{}">{}</text>"#,
            LABEL_W + BAR_W + 8,
            y + 18,
            xml(&text)
        ));
    }
    if rows.is_empty() {
        out.push_str(&empty_line());
    }
    out.push_str("</g></svg>");
    out
}

/// The decided cases of each row, one bar cut into the four efficiency classes, the counts
/// written beside it.
fn classes_chart(table: &Table, rows: &[&Row]) -> String {
    let max = rows
        .iter()
        .map(|r| r.counts.decided)
        .max()
        .unwrap_or(0)
        .max(1);
    let title = format!("办结件效率分类（按{}）", table.grouping.label());
    let desc = "每行一条横条，长度为办结件数，按即办、提前、按时、超期分段；各段件数写在横条右侧。";
    bar_chart(
        ("classes", &title, desc),
        &legend(&CLASSES),
        rows,
        |r, y| {
            let c: &Counts = &r.counts;
            let (mut shapes, mut x) = (String::new(), LABEL_W);
            for ((word, colour), n) in CLASSES.iter().zip([c.instant, c.early, c.on_time, c.late]) {
                let w = BAR_W * n / max;
                if w > 0 {
                    shapes.push_str(&format!(
                    r#"<rect x="{x}" y="{}" width="{w}" height="18" fill="{colour}"><title>{}</title></rect>"#,
                    y + 5,
                    xml(&format!("{}：{word} {n} 件", r.key.name))
                ));
                }
                x += w;
            }
            let text = format!(
                "办结 {}：即办 {} · 提前 {} · 按时 {} · 超期 {}",
                c.decided, c.instant, c.early, c.on_time, c.late
            );
            (shapes, text)
        },
    )
}

/// 按时办结率 of each row as a bar out of 100%, the rate written beside it.
fn rate_chart(table: &Table, rows: &[&Row]) -> String {
    let title = format!("按时办结率（按{}）", table.grouping.label());
    let desc = "每行一条横条，长度为按时办结率（即办、提前、按时件数占办结件数的比例，满格为 100%）；比率写在横条右侧，没有办结件的写作「—」。";
    let items = [("按时办结率", "#1d4ed8"), ("未达部分", "#e5e7eb")];
    bar_chart(("rates", &title, desc), &legend(&items), rows, |r, y| {
        let rate = r.counts.on_time_rate();
        let mut shapes = format!(
            r##"<rect x="{LABEL_W}" y="{}" width="{BAR_W}" height="18" fill="#e5e7eb"/>"##,
            y + 5
        );
        if let Some(pm) = rate.per_mille() {
            let w = BAR_W * pm.min(1000) / 1000;
            shapes.push_str(&format!(
                r##"<rect x="{LABEL_W}" y="{}" width="{w}" height="18" fill="#1d4ed8"><title>{}</title></rect>"##,
                y + 5,
                xml(&format!("{}：按时办结率 {}", r.key.name, rate.percent()))
            ));
        }
        let text = if rate.denominator == 0 {
            "—（无办结件）".to_string()
        } else {
            format!(
                "{}（{}/{}）",
                rate.percent(),
                rate.numerator,
                rate.denominator
            )
        };
        (shapes, text)
    })
}

fn empty_line() -> String {
    format!(
        r#"<text x="{LABEL_W}" y="{}">本期间没有办件。</text>"#,
        TOP + 18
    )
}

/// The charts of a table.
pub fn charts(table: &Table) -> Vec<Chart> {
    let rows = chart_rows(table);
    let cut = if table.rows.len() > rows.len() {
        format!("（图中列出办结件最多的 {} 个，完整数据见下表）", rows.len())
    } else {
        String::new()
    };
    vec![
        Chart {
            title: format!("办结件效率分类{cut}"),
            svg: classes_chart(table, &rows),
        },
        Chart {
            title: format!("按时办结率{cut}"),
            svg: rate_chart(table, &rows),
        },
    ]
}
