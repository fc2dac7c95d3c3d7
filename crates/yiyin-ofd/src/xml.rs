//! Writing and reading back the little XML the package needs: text escaped for XML (characters XML
//! cannot carry dropped), numbers in millimetres, and the values of elements and attributes Yiyin
//! itself wrote (for verification; the signature, not the parse, is what is trusted).

/// Text escaped for element content and attribute values; characters XML 1.0 forbids (C0 controls
/// other than tab, newline, carriage return; U+FFFE/U+FFFF) are dropped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The reverse of [`esc`] for the five entities.
pub fn unesc(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A number with at most three decimals, without trailing zeros.
pub fn num(v: f32) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The text of every `<tag …>text</tag>` in `xml`, in order.
pub fn texts<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        // Not a longer name with the same start.
        if !after.starts_with(['>', ' ', '/']) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// The value of attribute `name` in the first `<tag …>` of `xml`.
pub fn attr<'a>(xml: &'a str, tag: &str, name: &str) -> Option<&'a str> {
    let open = format!("<{tag} ");
    let at = xml.find(&open)?;
    let head = &xml[at..at + xml[at..].find('>')?];
    let key = format!(" {name}=\"");
    let v = &head[head.find(&key)? + key.len()..];
    Some(&v[..v.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(esc("a<b&\"c\u{1}"), "a&lt;b&amp;&quot;c");
        assert_eq!(unesc(&esc("<&'\">")), "<&'\">");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.35277), "0.353");
        assert_eq!(num(-0.0001), "0");
        let x = r#"<a:R F="1"><a:V>x</a:V></a:R><a:Vx>n</a:Vx><a:V A="2">y</a:V>"#;
        assert_eq!(texts(x, "a:V"), ["x", "y"]);
        assert_eq!(attr(x, "a:R", "F"), Some("1"));
    }
}
