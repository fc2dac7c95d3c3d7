//! How text becomes terms: jieba words for ranking, Han-character grams for matching.
//!
//! Both the index and the query go through the functions here, so that a query term and an indexed
//! term are spelt the same way (lower case, punctuation and spaces dropped).

use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// jieba with its default dictionary; loaded once per process on first use.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Whether jieba may join characters its dictionary does not know into new words (HMM).
const HMM: bool = true;

/// Name under which [`JiebaTokenizer`] is registered with the index.
pub(crate) const JIEBA_TOKENIZER: &str = "yiyin_jieba";
/// Name under which [`GramTokenizer`] is registered with the index.
pub(crate) const GRAM_TOKENIZER: &str = "yiyin_grams";

/// Whether `c` is a Han character (CJK unified ideographs and their extensions, compatibility
/// ideographs, 〇).
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3007}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{323AF}')
}

/// A jieba token is worth indexing when it has a letter, digit or Han character in it (jieba also
/// returns spaces and punctuation as tokens).
fn is_word(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

/// The words of `text` in jieba's search mode: every word of the sentence plus the two- and
/// three-character dictionary words inside longer ones (建筑工程施工 → 建筑, 工程, 施工, 工程施工),
/// lower-cased, each with its byte range in `text`.
fn search_words(text: &str) -> impl Iterator<Item = (String, usize, usize)> + '_ {
    JIEBA
        .cut_for_search(text, HMM)
        .into_iter()
        .filter(|t| is_word(t.word))
        .map(|t| (t.word.to_lowercase(), t.byte_start, t.byte_end))
}

/// The search-mode words of a query, without repetitions, in order of appearance.
pub(crate) fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (word, _, _) in search_words(query) {
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The words of a query as jieba cuts the sentence (default mode, no overlapping sub-words), lower
/// case, without repetitions: what the user asked for, word by word.
pub(crate) fn query_words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in JIEBA.cut(query, HMM) {
        let word = token.word.to_lowercase();
        if is_word(&word) && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// The grams of `text`: each Han character alone and each pair of adjacent Han characters
/// (食品经营 → 食, 食品, 品, 品经, 经, 经营, 营), and each run of other letters or digits as one
/// lower-case term. A word is in a text when all its grams are, whatever way jieba cut the text
/// around it.
pub(crate) fn grams(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if is_han(c) {
            let end = start + c.len_utf8();
            out.push((c.to_string(), start, end));
            if let Some(&(_, next)) = chars.peek()
                && is_han(next)
            {
                out.push((
                    text[start..end + next.len_utf8()].to_string(),
                    start,
                    end + next.len_utf8(),
                ));
            }
        } else if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if is_han(next) || !next.is_alphanumeric() {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            out.push((text[start..end].to_lowercase(), start, end));
        }
    }
    out
}

/// The tantivy tokenizer of the item texts: jieba search-mode words (see [`search_words`]).
#[derive(Clone, Default)]
pub(crate) struct JiebaTokenizer;

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(search_words(text))
    }
}

/// The tantivy tokenizer of the hidden matching field (see [`grams`]).
#[derive(Clone, Default)]
pub(crate) struct GramTokenizer;

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(grams(text))
    }
}

/// Tokens computed up front (jieba works on the whole sentence), handed out one by one. Positions
/// are ordinal; the index does not record them.
pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    /// One past the current token; 0 before the first `advance`.
    next: usize,
}

impl VecTokenStream {
    fn new(words: impl IntoIterator<Item = (String, usize, usize)>) -> Self {
        let tokens = words
            .into_iter()
            .enumerate()
            .map(|(position, (text, offset_from, offset_to))| Token {
                offset_from,
                offset_to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        Self { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(mut stream: VecTokenStream) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn jieba_tokens_are_search_mode_words_without_punctuation() {
        let words = texts(JiebaTokenizer.token_stream("医疗机构执业登记，（ICP）备案"));
        for w in ["医疗", "机构", "医疗机构", "执业", "登记", "icp", "备案"] {
            assert!(words.contains(&w.to_string()), "{w} in {words:?}");
        }
        assert!(words.iter().all(|w| is_word(w)), "{words:?}");
    }

    #[test]
    fn token_offsets_point_into_the_text() {
        let text = "《食品安全法》第35条 Food";
        let mut stream = JiebaTokenizer.token_stream(text);
        while let Some(t) = stream.next() {
            assert_eq!(text[t.offset_from..t.offset_to].to_lowercase(), t.text);
        }
    }

    #[test]
    fn grams_are_han_unigrams_and_bigrams_and_other_runs() {
        let g: Vec<String> = grams("排水管网A-12号").into_iter().map(|g| g.0).collect();
        assert_eq!(
            g,
            [
                "排", "排水", "水", "水管", "管", "管网", "网", "a", "12", "号"
            ]
        );
    }

    #[test]
    fn query_words_and_terms() {
        assert_eq!(query_words("\"施工:许可\" (*-"), ["施工", "许可"]);
        assert_eq!(query_terms("医疗机构"), ["医疗", "机构", "医疗机构"]);
        assert!(query_words("  ：“”（）*  ").is_empty());
    }
}
