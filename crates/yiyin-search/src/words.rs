//! The words people use instead of the catalog's: synonyms (口语 → 事项用语, kept as data in
//! `data/synonyms.toml`) and pinyin (全拼 and 首字母) of the item names.

use std::sync::LazyLock;

use pinyin::ToPinyin;
use serde::Deserialize;

/// The synonym list shipped with the crate (see the file's own comments for its rules).
pub const SYNONYMS_TOML: &str = include_str!("../data/synonyms.toml");

/// One entry of the synonym list: what people say, and the catalog's words for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonym {
    pub words: Vec<String>,
    pub means: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymFile {
    synonym: Vec<Synonym>,
}

/// The synonym list, parsed once. The file is checked by the crate's tests, so a broken list
/// cannot ship; should it ever fail to parse, search goes on without synonyms.
pub fn synonyms() -> &'static [Synonym] {
    static LIST: LazyLock<Vec<Synonym>> = LazyLock::new(|| {
        toml::from_str::<SynonymFile>(SYNONYMS_TOML)
            .map(|f| f.synonym)
            .unwrap_or_default()
    });
    &LIST
}

/// The queries to search instead of `query` when it holds a word of the synonym list: the longest
/// such word (case-insensitive) replaced by each of its `means`, other words kept. Empty when the
/// query holds none.
pub fn rewrite(query: &str) -> Vec<String> {
    let lower = query.to_lowercase();
    let best = synonyms()
        .iter()
        .flat_map(|s| s.words.iter().map(move |w| (w.to_lowercase(), s)))
        .filter(|(w, _)| !w.is_empty() && lower.contains(w.as_str()))
        .max_by_key(|(w, _)| w.chars().count());
    let Some((word, synonym)) = best else {
        return Vec::new();
    };
    synonym
        .means
        .iter()
        .map(|m| lower.replacen(&word, m, 1))
        .collect()
}

/// The pinyin of `text`: every Han character's plain reading (no tones) run together, and their
/// first letters; other letters and digits kept (lower case), anything else dropped.
/// 食品经营许可 → ("shipinjingyingxuke", "spjyxk").
pub fn pinyin(text: &str) -> (String, String) {
    let (mut full, mut initials) = (String::new(), String::new());
    for (c, p) in text.chars().zip(text.to_pinyin()) {
        match p {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_ascii_alphanumeric() => {
                full.push(c.to_ascii_lowercase());
                initials.push(c.to_ascii_lowercase());
            }
            None => {}
        }
    }
    (full, initials)
}

/// A query typed in pinyin: only ASCII letters (spaces and apostrophes allowed between syllables),
/// at least two letters; lower case, without the separators.
pub fn pinyin_query(query: &str) -> Option<String> {
    let letters: String = query
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    (letters.len() >= 2 && letters.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| letters.to_ascii_lowercase())
}

/// How well a pinyin query matches a name's pinyin (`full`, `initials`): 4 when the full pinyin
/// starts with it, 3 when the initials do, 2 when the full pinyin holds it at a syllable's start
/// (`jingying` in `shipinjingyingxuke`), 1 when the initials hold it, 0 when nothing matches.
pub fn pinyin_match(query: &str, full: &str, initials: &str, syllables: &[usize]) -> u8 {
    if full.starts_with(query) {
        4
    } else if initials.starts_with(query) {
        3
    } else if full
        .match_indices(query)
        .any(|(at, _)| syllables.contains(&at))
    {
        2
    } else if initials.contains(query) {
        1
    } else {
        0
    }
}

/// Where each syllable of `text`'s full pinyin starts (byte offsets into [`pinyin`]'s first value).
pub fn syllable_starts(text: &str) -> Vec<usize> {
    let mut at = 0;
    let mut out = Vec::new();
    for (c, p) in text.chars().zip(text.to_pinyin()) {
        match p {
            Some(p) => {
                out.push(at);
                at += p.plain().len();
            }
            None if c.is_ascii_alphanumeric() => {
                out.push(at);
                at += 1;
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_synonym_list_parses_and_has_no_empty_entries() {
        let list: SynonymFile = toml::from_str(SYNONYMS_TOML).expect("synonyms.toml parses");
        assert!(list.synonym.len() >= 10);
        for s in &list.synonym {
            assert!(!s.words.is_empty() && !s.means.is_empty(), "{s:?}");
            assert!(s.words.iter().chain(&s.means).all(|w| !w.trim().is_empty()));
        }
        assert_eq!(synonyms().len(), list.synonym.len());
    }

    #[test]
    fn colloquial_words_become_the_catalogs() {
        for q in ["餐饮", "开饭店", "开餐馆", "小吃店"] {
            assert_eq!(rewrite(q), ["食品经营许可"], "{q}");
        }
        assert_eq!(rewrite("我想开饭店"), ["我想食品经营许可"]);
        assert_eq!(rewrite("开药店"), ["药品经营许可", "药品零售"]);
        assert_eq!(rewrite("开公司"), ["公司设立登记", "个体工商户登记"]);
        assert_eq!(rewrite("办营业执照"), ["公司设立登记", "个体工商户登记"]);
        assert_eq!(rewrite("ktv"), ["娱乐场所经营许可"]);
        assert!(rewrite("施工许可").is_empty());
    }

    #[test]
    fn pinyin_and_initials() {
        assert_eq!(
            pinyin("食品经营许可"),
            ("shipinjingyingxuke".into(), "spjyxk".into())
        );
        assert_eq!(pinyin("ICP备案"), ("icpbeian".into(), "icpba".into()));
        let (full, ini) = pinyin("食品经营许可");
        let syl = syllable_starts("食品经营许可");
        assert_eq!(syl, [0, 3, 6, 10, 14, 16]);
        assert_eq!(pinyin_match("shipin", &full, &ini, &syl), 4);
        assert_eq!(pinyin_match("spjy", &full, &ini, &syl), 3);
        assert_eq!(pinyin_match("jingying", &full, &ini, &syl), 2);
        assert_eq!(pinyin_match("jyxk", &full, &ini, &syl), 1);
        assert_eq!(pinyin_match("ngjing", &full, &ini, &syl), 0);
        assert_eq!(pinyin_match("yaopin", &full, &ini, &syl), 0);
    }

    #[test]
    fn pinyin_queries_are_letters_only() {
        assert_eq!(pinyin_query("Shi Pin"), Some("shipin".into()));
        assert_eq!(pinyin_query("xi'an"), Some("xian".into()));
        assert_eq!(pinyin_query("spjy"), Some("spjy".into()));
        for q in ["s", "食品", "sp1", "", "  "] {
            assert_eq!(pinyin_query(q), None, "{q}");
        }
    }

    proptest! {
        /// Any name's full pinyin starts with the pinyin of any of its prefixes, and its initials
        /// with theirs: what a citizen types while typing the name always matches.
        #[test]
        fn typing_a_name_in_pinyin_matches_it(name in "[食品经营许可药零售公司设立登记]{1,8}", cut in 1usize..8) {
            let (full, ini) = pinyin(&name);
            let syl = syllable_starts(&name);
            let prefix: String = name.chars().take(cut).collect();
            let (pf, pi) = pinyin(&prefix);
            if pf.len() >= 2 {
                prop_assert_eq!(pinyin_match(&pf, &full, &ini, &syl), 4);
            }
            if pi.len() >= 2 {
                prop_assert!(pinyin_match(&pi, &full, &ini, &syl) >= 3);
            }
        }
    }
}
