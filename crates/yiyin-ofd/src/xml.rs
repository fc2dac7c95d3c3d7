//! Writing and reading back the little XML the package needs: text escaped for XML (characters XML
//! cannot carry dropped), numbers in millimetres, and — with `quick-xml` — the elements, attributes
//! and texts of what Yiyin itself wrote (for verification; the signature, not the parse, is what is
//! trusted).

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

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

/// A number with at most three decimals, without trailing zeros.
pub fn num(v: f32) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// An element read back: its qualified name, its attributes and its text (the character data
/// directly inside it), with entities and character references resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    /// The index (in [`elements`]'s list) of the element it is in.
    pub parent: Option<usize>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn element(start: &BytesStart, parent: Option<usize>) -> Option<Element> {
    let mut attrs = Vec::new();
    for a in start.attributes() {
        let a = a.ok()?;
        let value = a.normalized_value(XmlVersion::Implicit1_0).ok()?;
        attrs.push((a.key.into_inner().to_string(), value.into_owned()));
    }
    Some(Element {
        name: start.name().into_inner().to_string(),
        attrs,
        text: String::new(),
        parent,
    })
}

/// Every element of `xml` in document order, or `None` if `xml` is not well-formed.
pub fn elements(xml: &str) -> Option<Vec<Element>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                out.push(element(&e, open.last().copied())?);
                open.push(out.len() - 1);
            }
            Event::Empty(e) => out.push(element(&e, open.last().copied())?),
            Event::End(_) => {
                open.pop()?;
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().ok()? {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&r.xml10_content())?.to_string(),
                };
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    open.is_empty().then_some(out)
}

/// The texts of every `<tag>` in `elements`, in order.
pub fn texts<'a>(elements: &'a [Element], tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    elements
        .iter()
        .filter(move |e| e.name == tag)
        .map(|e| e.text.as_str())
}

/// The value of attribute `name` of the first `<tag>` in `elements`.
pub fn attr<'a>(elements: &'a [Element], tag: &str, name: &str) -> Option<&'a str> {
    elements.iter().find(|e| e.name == tag)?.attr(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(esc("a<b&\"c\u{1}"), "a&lt;b&amp;&quot;c");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.35277), "0.353");
        assert_eq!(num(-0.0001), "0");
        let x = r#"<a:R F="1"><a:V>x</a:V></a:R><a:Vx>n</a:Vx><a:V A="2">y</a:V>"#;
        let e = elements(x).expect("well-formed");
        assert_eq!(texts(&e, "a:V").collect::<Vec<_>>(), ["x", "y"]);
        assert_eq!(attr(&e, "a:R", "F"), Some("1"));
        assert_eq!(e[1].parent, Some(0));
    }

    #[test]
    fn reading_back_resolves_what_esc_wrote() {
        let s = "<&'\">汉\u{1}";
        let x = format!(r#"<r A="{}">{}<![CDATA[<c>]]>&#x6C49;</r>"#, esc(s), esc(s));
        let e = elements(&x).expect("well-formed");
        assert_eq!(e[0].attr("A"), Some("<&'\">汉"));
        assert_eq!(e[0].text, "<&'\">汉<c>汉");
    }

    #[test]
    fn what_is_not_well_formed_is_not_read() {
        assert!(elements("<a><b></a>").is_none());
        assert!(elements("<a>").is_none());
        assert!(elements("<a>&nope;</a>").is_none());
        assert!(elements(r#"<a b="1" b="2"/>"#).is_none());
    }
}
