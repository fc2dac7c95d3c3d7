//! Full-text search of the catalog (事项搜索) for the public portal.
//!
//! This crate owns the search index of catalog items and nothing else: [`SearchIndex::build`] indexes
//! the item versions it is given in memory, [`SearchIndex::search`] answers a Chinese query with the
//! best items, each with a short excerpt in which the matched words stand in 【】. It keeps no state
//! on disk; rebuild the index when the catalog changes (the 85 demo items index in about a tenth of
//! a second, 3 400 items in about two, in a debug build).
//!
//! Text is cut into words by jieba (结巴分词) in search mode, so that 医疗机构执业登记 is found by
//! 医疗, 机构 and 医疗机构. The words rank the results (BM25, a match in the item's name weighing
//! most, then its topics, result, FAQ questions, materials, legal basis, conditions, FAQ answers).
//! Whether an item matches at all is decided on Han characters and character pairs instead, so that
//! a word is found wherever its characters stand, however jieba cut the sentence around it: every
//! query word of two or more characters must be in the item; if no item has them all, items with
//! any of them are returned. Queries are plain words; operators and punctuation are ignored.
//!
//! Citizens' own words find the items too ([`words`]): a query holding a word of the synonym list
//! (`data/synonyms.toml`: 开饭店 → 食品经营许可, 开药店 → 药品经营许可 …) is searched in the catalog's
//! words instead, and a query of letters is read as pinyin, whole (`shipin`) or first letters
//! (`spjy`), against the item names. [`SearchIndex::search_ranked`] then ranks what is found by how
//! often each item is applied for in its county ([`Popularity`], passed in by the caller).

mod analysis;
mod snippet;
pub mod words;

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};
use yiyin_domain::catalog::{Item, ItemVersion};

use analysis::{GRAM_TOKENIZER, GramTokenizer, JIEBA_TOKENIZER, JiebaTokenizer};

/// The searchable texts of an item with their weights, most important first.
const TEXT_FIELDS: [(&str, Score); 8] = [
    ("name", 8.0),
    ("topics", 4.0),
    ("result", 3.0),
    ("faq_question", 2.0),
    ("materials", 1.5),
    ("legal_basis", 1.2),
    ("conditions", 1.0),
    ("faq_answer", 0.8),
];

/// The texts of `item` in the order of [`TEXT_FIELDS`].
fn item_texts(item: &Item) -> [Vec<&str>; 8] {
    [
        vec![item.name.as_str()],
        item.topics.iter().map(String::as_str).collect(),
        vec![item.result.name.as_str()],
        item.faq.iter().map(|f| f.question.as_str()).collect(),
        item.materials.iter().map(|m| m.name.as_str()).collect(),
        item.legal_basis.iter().map(String::as_str).collect(),
        item.conditions.iter().map(String::as_str).collect(),
        item.faq.iter().map(|f| f.answer.as_str()).collect(),
    ]
}

/// In a field that is not the best match, a match still adds this share of its score.
const TIE_BREAKER: Score = 0.1;

/// Weight of the character-gram matching field in the score: just enough to order items that match
/// only by characters.
const GRAM_BOOST: Score = 0.1;

/// Longer queries are cut to this many characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Memory for the index writer: tantivy's minimum, ample for a catalog of thousands of items.
const WRITER_MEMORY: usize = 15_000_000;

/// A search failure. Searching itself only fails if tantivy does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    #[error("建立事项搜索索引失败：{0}")]
    Build(#[source] tantivy::TantivyError),
    #[error("事项搜索失败：{0}")]
    Search(#[source] tantivy::TantivyError),
}

/// One item found.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub jurisdiction: String,
    /// 事项编码
    pub code: String,
    /// 事项名称
    pub name: String,
    /// Relevance (higher is better); comparable only within one search.
    pub score: f32,
    /// A plain-text excerpt of at most 80 characters from the item's best-matching text (its name,
    /// a topic, a material, an FAQ …) with the matched words in 【】, e.g. 「建筑工程【施工许可】证核发」.
    /// Plain text: escape it for HTML.
    pub snippet: String,
}

/// The schema's fields.
#[derive(Clone, Copy)]
struct Fields {
    jurisdiction: Field,
    code: Field,
    /// In the order of [`TEXT_FIELDS`].
    texts: [Field; 8],
    /// Every text again, cut into Han characters and character pairs; not stored.
    grams: Field,
}

/// How often each item is applied for: cases received per (jurisdiction code, item code). Items
/// absent count 0.
pub type Popularity = HashMap<(String, String), u64>;

/// How much popularity lifts a score: an item received `n` times scores `1 + POPULARITY_WEIGHT ·
/// ln(1 + n)` times its relevance (×1.6 at 10 cases, ×2.2 at 100), so that among items about as
/// relevant the county's common ones come first, while a far better match stays ahead.
pub const POPULARITY_WEIGHT: f32 = 0.25;

/// How many items each search considers before ranking by popularity and keeping `limit`.
const CANDIDATES: usize = 200;

/// The score of a pinyin match per level of [`words::pinyin_match`] (4 for a full-pinyin prefix).
const PINYIN_SCORE: Score = 5.0;

/// An item name's pinyin, for queries typed in pinyin.
struct NamePinyin {
    jurisdiction: String,
    code: String,
    name: String,
    full: String,
    initials: String,
    syllables: Vec<usize>,
}

/// An in-memory full-text index of catalog items. Cheap to search from many threads at once.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    pinyin: Vec<NamePinyin>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("items", &self.reader.searcher().num_docs())
            .finish()
    }
}

impl SearchIndex {
    /// Indexes every given version as it is: pass the catalog to be found, normally the versions in
    /// force today (`yiyin_domain::catalog::as_of`), one per item, without retirements.
    pub fn build(items: &[ItemVersion]) -> Result<Self, SearchError> {
        let mut schema = Schema::builder();
        let words = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(JIEBA_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
            .set_stored();
        let grams = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(GRAM_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            jurisdiction: schema.add_text_field("jurisdiction", STRING | STORED),
            code: schema.add_text_field("code", STORED),
            texts: TEXT_FIELDS.map(|(name, _)| schema.add_text_field(name, words.clone())),
            grams: schema.add_text_field("grams", grams),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(JIEBA_TOKENIZER, JiebaTokenizer);
        index.tokenizers().register(GRAM_TOKENIZER, GramTokenizer);

        let pinyin = items
            .iter()
            .map(|v| {
                let (full, initials) = words::pinyin(&v.item.name);
                NamePinyin {
                    jurisdiction: v.jurisdiction.clone(),
                    code: v.code.clone(),
                    name: v.item.name.clone(),
                    full,
                    initials,
                    syllables: words::syllable_starts(&v.item.name),
                }
            })
            .collect();
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(SearchError::Build)?;
        for v in items {
            let mut doc = TantivyDocument::new();
            doc.add_text(fields.jurisdiction, &v.jurisdiction);
            doc.add_text(fields.code, &v.code);
            for (field, values) in fields.texts.iter().zip(item_texts(&v.item)) {
                for value in values.into_iter().filter(|s| !s.trim().is_empty()) {
                    doc.add_text(*field, value);
                    doc.add_text(fields.grams, value);
                }
            }
            writer.add_document(doc).map_err(SearchError::Build)?;
        }
        writer.commit().map_err(SearchError::Build)?;
        writer.wait_merging_threads().map_err(SearchError::Build)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(SearchError::Build)?;
        Ok(Self {
            reader,
            fields,
            pinyin,
        })
    }

    /// The items that match `query` best, at most `limit`, best first; only those of `jurisdiction`
    /// (its code, e.g. `hanyin`) when given.
    ///
    /// The query is what a citizen types: words, with or without spaces (施工许可, 开办 餐馆), the
    /// words of the synonym list (开饭店), or pinyin (shipin, spjy). Quotes, colons, brackets and
    /// other punctuation are ignored, never an error; only the first [`MAX_QUERY_CHARS`]
    /// characters count. A query without words, or a `limit` of 0, finds nothing.
    pub fn search(
        &self,
        jurisdiction: Option<&str>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        self.search_ranked(jurisdiction, query, limit, &Popularity::new())
    }

    /// [`SearchIndex::search`], with the items found ranked also by `popularity` (see
    /// [`POPULARITY_WEIGHT`]): the score of each hit is its relevance lifted by its popularity.
    pub fn search_ranked(
        &self,
        jurisdiction: Option<&str>,
        query: &str,
        limit: usize,
        popularity: &Popularity,
    ) -> Result<Vec<Hit>, SearchError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let candidates = limit.max(CANDIDATES);
        // As typed first: an item found so keeps the excerpt of what was typed.
        let mut hits = self.search_words(jurisdiction, &query, candidates)?;
        for rewritten in words::rewrite(&query) {
            merge(
                &mut hits,
                self.search_words(jurisdiction, &rewritten, candidates)?,
            );
        }
        if let Some(letters) = words::pinyin_query(&query) {
            merge(&mut hits, self.search_pinyin(jurisdiction, &letters));
        }
        for h in &mut hits {
            let n = popularity
                .get(&(h.jurisdiction.clone(), h.code.clone()))
                .copied()
                .unwrap_or(0);
            #[allow(clippy::cast_precision_loss)]
            let lift = 1.0 + POPULARITY_WEIGHT * (1.0 + n as f32).ln();
            h.score *= lift;
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.jurisdiction.cmp(&b.jurisdiction))
                .then_with(|| a.code.cmp(&b.code))
        });
        hits.truncate(limit);
        Ok(hits)
    }

    /// The items whose name matches `letters` read as pinyin, scored by how (see
    /// [`words::pinyin_match`]).
    fn search_pinyin(&self, jurisdiction: Option<&str>, letters: &str) -> Vec<Hit> {
        self.pinyin
            .iter()
            .filter(|p| jurisdiction.is_none_or(|j| p.jurisdiction == j))
            .filter_map(|p| {
                let level = words::pinyin_match(letters, &p.full, &p.initials, &p.syllables);
                (level > 0).then(|| Hit {
                    jurisdiction: p.jurisdiction.clone(),
                    code: p.code.clone(),
                    name: p.name.clone(),
                    score: PINYIN_SCORE * Score::from(level),
                    snippet: snippet::excerpt(
                        &p.name,
                        std::slice::from_ref(&(0..p.name.chars().count())),
                    ),
                })
            })
            .collect()
    }

    /// The items whose texts hold the words of `query` (tantivy), at most `limit`.
    fn search_words(
        &self,
        jurisdiction: Option<&str>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let words = analysis::query_words(query);
        let searcher = self.reader.searcher();
        let limit = limit.min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let terms = analysis::query_terms(query);
        let long_words = words.iter().filter(|w| w.chars().count() >= 2).count();
        let collector = TopDocs::with_limit(limit).order_by_score();
        let mut found = Vec::new();
        for every_word in [true, false] {
            let q = self.query(jurisdiction, &words, &terms, every_word);
            found = searcher
                .search(&q, &collector)
                .map_err(SearchError::Search)?;
            if !found.is_empty() || long_words < 2 {
                break;
            }
        }
        let highlight = highlight_terms(&words, &terms);
        found
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address).map_err(SearchError::Search)?;
                Ok(self.hit(&doc, score, &highlight))
            })
            .collect()
    }

    /// The tantivy query: items that have every query word of two or more characters (or, unless
    /// `every_word`, any of them; with only one-character words, any of those), ranked by the jieba
    /// search-mode `terms` over the weighted fields.
    fn query(
        &self,
        jurisdiction: Option<&str>,
        words: &[String],
        terms: &[String],
        every_word: bool,
    ) -> Box<dyn Query> {
        let f = self.fields;
        let term_query = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 2).collect();
        let (occur, matched) = match long.is_empty() {
            false if every_word => (Occur::Must, long),
            false => (Occur::Should, long),
            true => (Occur::Should, words.iter().collect()),
        };
        // A word matches when all its characters and character pairs are in the item.
        let word_clauses = matched
            .iter()
            .map(|w| {
                let grams = analysis::grams(w)
                    .into_iter()
                    .map(|(g, _, _)| -> (Occur, Box<dyn Query>) {
                        (
                            Occur::Must,
                            Box::new(BoostQuery::new(term_query(f.grams, &g), GRAM_BOOST)),
                        )
                    })
                    .collect();
                (occur, Box::new(BooleanQuery::new(grams)) as Box<dyn Query>)
            })
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(word_clauses)))];
        for t in terms {
            let per_field = f
                .texts
                .iter()
                .zip(TEXT_FIELDS)
                .map(|(field, (_, boost))| -> Box<dyn Query> {
                    Box::new(BoostQuery::new(term_query(*field, t), boost))
                })
                .collect();
            clauses.push((
                Occur::Should,
                Box::new(DisjunctionMaxQuery::with_tie_breaker(
                    per_field,
                    TIE_BREAKER,
                )),
            ));
        }
        if let Some(j) = jurisdiction {
            let filter = TermQuery::new(
                Term::from_field_text(f.jurisdiction, j),
                IndexRecordOption::Basic,
            );
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(filter), 0.0)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn hit(&self, doc: &TantivyDocument, score: Score, highlight: &[String]) -> Hit {
        let first = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let name = first(self.fields.texts[0]);
        let texts = self
            .fields
            .texts
            .iter()
            .zip(TEXT_FIELDS)
            .flat_map(|(field, (_, boost))| {
                doc.get_all(*field)
                    .filter_map(|v| v.as_str())
                    .map(move |text| (text, boost))
            });
        let snippet =
            snippet::best(texts, highlight).unwrap_or_else(|| snippet::excerpt(&name, &[]));
        Hit {
            jurisdiction: first(self.fields.jurisdiction),
            code: first(self.fields.code),
            name,
            score,
            snippet,
        }
    }
}

/// Adds `found` to `hits`; an item already there keeps its snippet, with the better score.
fn merge(hits: &mut Vec<Hit>, found: Vec<Hit>) {
    for f in found {
        match hits
            .iter_mut()
            .find(|h| h.jurisdiction == f.jurisdiction && h.code == f.code)
        {
            Some(h) => h.score = h.score.max(f.score),
            None => hits.push(f),
        }
    }
}

/// The words to mark in snippets: the query's words and search-mode terms, once each; one-character terms only when the
/// query has no longer word (else every 的 and 证 would light up).
fn highlight_terms(words: &[String], terms: &[String]) -> Vec<String> {
    let has_long = words.iter().any(|w| w.chars().count() >= 2);
    let mut out: Vec<String> = Vec::new();
    for t in words.iter().chain(terms) {
        if (!has_long || t.chars().count() >= 2) && !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}
