//! Phone tables keep their labels: on a narrow screen the header row of a data table is hidden and
//! each cell shows its column's name from its `data-label` (`static/yiyin.css`). This scans every
//! template: each `<td>` of a table with a `<thead>` carries a `data-label` naming one of the
//! table's columns (its heading or the heading's first words) (「操作」 for a column without a heading), unless it spans columns (a "none yet"
//! row) or the table is marked as a layout exception (`data-layout`). A new table that forgets its
//! labels fails here.

use std::path::{Path, PathBuf};

fn templates(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the templates") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            templates(&path, found);
        } else if path.extension().is_some_and(|e| e == "html") {
            found.push(path);
        }
    }
}

/// The text of a piece of template, without tags and template instructions.
fn text_of(s: &str) -> String {
    const MARKS: [(&str, &str); 4] = [("<", ">"), ("{%", "%}"), ("{{", "}}"), ("{#", "#}")];
    let mut out = String::new();
    let mut rest = s;
    while let Some((i, open, close)) = MARKS
        .iter()
        .filter_map(|(o, c)| rest.find(o).map(|i| (i, *o, *c)))
        .min_by_key(|m| m.0)
    {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        rest = after.find(close).map_or("", |j| &after[j + close.len()..]);
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// The opening tags `<name …>` in `s`, each as its text between `<` and `>`.
fn tags<'a>(s: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        if after.starts_with([' ', '>', '\n']) {
            let end = after.find('>').expect("a closed tag");
            found.push(&after[..end]);
        }
        rest = after;
    }
    found
}

/// The headings of a table's `<thead>`, by their text.
fn headings(thead: &str) -> Vec<String> {
    thead
        .split("<th")
        .skip(1)
        .filter_map(|cell| {
            let body = &cell[cell.find('>')? + 1..];
            Some(text_of(&body[..body.find("</th>")?]))
        })
        .map(|h| {
            if h.is_empty() {
                "操作".to_string()
            } else {
                h
            }
        })
        .collect()
}

/// What is wrong with the tables of one template.
fn unlabelled(name: &str, template: &str) -> Vec<String> {
    let mut faults = Vec::new();
    for (n, table) in template.split("<table").skip(1).enumerate() {
        let table = &table[..table.find("</table>").unwrap_or(table.len())];
        let opening = &table[..table.find('>').unwrap_or(0)];
        let (Some(head_start), Some(head_end)) = (table.find("<thead"), table.find("</thead>"))
        else {
            continue;
        };
        if opening.contains("data-layout") {
            continue;
        }
        let columns = headings(&table[head_start..head_end]);
        for td in tags(&table[head_end..], "td") {
            if td.contains("colspan=") {
                continue;
            }
            let label = td
                .split("data-label=\"")
                .nth(1)
                .and_then(|l| l.split('"').next());
            match label {
                // A long heading may be shortened to its first words.
                Some(l) if !l.is_empty() && columns.iter().any(|c| c.starts_with(l)) => {}
                // Columns made by the template (a form's table): each cell names its column the
                // same way, from the data.
                Some(l) if l.starts_with("{{") && table[head_start..head_end].contains("{{") => {}
                Some(l) => faults.push(format!(
                    "{name} table {}: <td{td}> labelled 「{l}」, not one of {columns:?}",
                    n + 1
                )),
                None => faults.push(format!(
                    "{name} table {}: <td{td}> has no data-label",
                    n + 1
                )),
            }
        }
    }
    faults
}

#[test]
fn every_data_table_cell_is_labelled_for_phones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let css = std::fs::read_to_string(root.join("static/yiyin.css")).expect("the CSS");
    assert!(
        css.contains("td[data-label]::before") && css.contains("attr(data-label)"),
        "the phone CSS shows the labels"
    );
    let mut files = Vec::new();
    templates(&root.join("templates"), &mut files);
    files.sort();
    let mut faults = Vec::new();
    let mut tables = 0;
    for path in &files {
        let template = std::fs::read_to_string(path).expect("a template");
        tables += template.matches("<thead").count();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        faults.extend(unlabelled(&name, &template));
    }
    assert!(tables >= 30, "the scan found the data tables ({tables})");
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn the_scan_finds_a_forgotten_label() {
    let table = r#"<table class="list"><thead><tr><th scope="col">名称</th><th scope="col"></th></tr></thead>
        <tbody>{% for x in xs %}<tr><td data-label="名称">{{ x }}</td><td>删除</td></tr>{% else %}<tr><td colspan="2">暂无。</td></tr>{% endfor %}</tbody></table>"#;
    let faults = unlabelled("t.html", table);
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(faults[0].contains("no data-label"));
    let wrong = table.replace("<td>删除", r#"<td data-label="名字">删除"#);
    assert!(unlabelled("t.html", &wrong)[0].contains("not one of"));
    let fixed = table.replace("<td>删除", r#"<td data-label="操作">删除"#);
    assert!(unlabelled("t.html", &fixed).is_empty());
    let layout = table.replace(
        r#"<table class="list">"#,
        r#"<table class="list" data-layout>"#,
    );
    assert!(unlabelled("t.html", &layout).is_empty());
}
