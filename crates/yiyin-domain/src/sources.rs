//! Where a fact of the organisation or the catalog comes from (数据来源): the pilot plans of the
//! seed document, a public document (a law, a notice, a government website), or an assumption made
//! for the demo. Every organisation entry and catalog item carries its sources, so that a catalog
//! administrator can tell what is established from what is illustrative.

use serde::{Deserialize, Serialize};

labelled_enum!(
    /// The kind of a source.
    SourceKind {
        /// 安政办发〔2017〕144号 and its four pilot plans; `cite` names the section.
        Seed = ("seed", "试点方案"),
        /// A public document: a law, a regulation, a notice, a government website.
        Document = ("document", "公开文件"),
        /// Made up for the demo where the records are silent; to be replaced before going live.
        Assumed = ("assumed", "演示假定"),
    }
);

/// One source of a fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    pub kind: SourceKind,
    /// The section of the seed, the document's title and number, or what was assumed.
    pub cite: String,
}

impl Source {
    /// 「试点方案：汉阴县方案 三（一）」
    pub fn line(&self) -> String {
        format!("{}：{}", self.kind.label(), self.cite)
    }

    /// Reads a source written on one line as `种类：出处` (the kind's code or label; a half-width
    /// colon also separates).
    pub fn parse_line(line: &str) -> Option<Source> {
        let (kind, cite) = line.split_once(['：', ':'])?;
        let kind = SourceKind::parse(kind)?;
        let cite = cite.trim();
        (!cite.is_empty()).then(|| Source {
            kind,
            cite: cite.to_string(),
        })
    }
}

/// Whether any of `sources` is an assumption made for the demo.
pub fn is_assumed(sources: &[Source]) -> bool {
    sources.iter().any(|s| s.kind == SourceKind::Assumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_reads_back_from_its_line() {
        let s = Source {
            kind: SourceKind::Document,
            cite: "《中华人民共和国土地管理法》（2019年修正）第六十二条".into(),
        };
        assert_eq!(Source::parse_line(&s.line()), Some(s));
        assert_eq!(
            Source::parse_line("assumed: 批次为演示假定").map(|s| s.kind),
            Some(SourceKind::Assumed)
        );
        assert_eq!(Source::parse_line("传说：某处"), None);
        assert_eq!(Source::parse_line("公开文件："), None);
    }
}
