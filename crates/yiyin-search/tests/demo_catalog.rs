//! The search over the four pilots' demo catalogs (the same files `yiyin demo` loads).

use std::sync::LazyLock;
use std::time::Instant;

use chrono::NaiveDate;
use yiyin_domain::catalog::{CatalogFile, ChangeKind, ItemVersion};
use yiyin_search::{Hit, SearchIndex};

const CATALOGS: [&str; 4] = [
    include_str!("../../yiyin-demo/data/catalog/hanyin.toml"),
    include_str!("../../yiyin-demo/data/catalog/ziyang.toml"),
    include_str!("../../yiyin-demo/data/catalog/xunyang.toml"),
    include_str!("../../yiyin-demo/data/catalog/gaoxin.toml"),
];

/// Every demo item as its first published version.
fn demo_versions() -> Vec<ItemVersion> {
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    CATALOGS
        .iter()
        .flat_map(|text| {
            let file: CatalogFile = toml::from_str(text).expect("demo catalog parses");
            let jurisdiction = file.jurisdiction;
            file.items.into_iter().map(move |item| ItemVersion {
                jurisdiction: jurisdiction.clone(),
                code: item.code.clone(),
                version: 1,
                change: ChangeKind::Added,
                effective_on: day,
                item,
                note: String::new(),
                published_on: day,
                published_by: "catalog".into(),
            })
        })
        .collect()
}

static VERSIONS: LazyLock<Vec<ItemVersion>> = LazyLock::new(demo_versions);
static INDEX: LazyLock<SearchIndex> =
    LazyLock::new(|| SearchIndex::build(&VERSIONS).expect("index builds"));

fn search(jurisdiction: Option<&str>, query: &str) -> Vec<Hit> {
    INDEX
        .search(jurisdiction, query, 100)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn names(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.name.as_str()).collect()
}

#[test]
fn the_demo_catalogs_index_quickly() {
    assert!(VERSIONS.len() >= 80, "{} demo items", VERSIONS.len());
    let started = Instant::now();
    let index = SearchIndex::build(&VERSIONS).expect("index builds");
    // Not asserted (machines differ); `cargo test -- --nocapture` shows it.
    println!(
        "indexed {} demo items in {:?}",
        VERSIONS.len(),
        started.elapsed()
    );
    let all = index.search(None, "许可", 1000).expect("search");
    assert!(all.len() > 20, "{}", all.len());
}

#[test]
fn chinese_queries_find_the_items_by_name() {
    for (query, jurisdiction, name) in [
        ("食品", "hanyin", "食品经营许可"),
        ("施工许可", "hanyin", "建筑工程施工许可证核发"),
        ("医疗", "ziyang", "医疗机构执业登记"),
        ("医疗机构", "ziyang", "医疗机构执业登记"),
        ("建筑工程", "hanyin", "建筑工程施工许可证核发"),
        ("排水管网", "gaoxin", "城镇污水排入排水管网许可"),
        ("结婚", "ziyang", "内地居民结婚登记"),
    ] {
        let hits = search(Some(jurisdiction), query);
        assert_eq!(
            hits.first().map(|h| h.name.as_str()),
            Some(name),
            "{query}: {:?}",
            names(&hits)
        );
        assert_eq!(hits[0].jurisdiction, jurisdiction);
        assert!(!hits[0].code.is_empty());
    }
}

#[test]
fn a_topic_finds_the_item() {
    // 食品经营许可 belongs to the topic 开办餐馆; 餐馆 is in none of its other texts' names.
    let hits = search(Some("hanyin"), "餐馆");
    assert!(names(&hits).contains(&"食品经营许可"), "{:?}", names(&hits));
    let hit = hits.iter().find(|h| h.name == "食品经营许可").unwrap();
    assert!(hit.snippet.contains("【餐馆】"), "{}", hit.snippet);
    // Several words, with or without a space, must all be there.
    for q in ["开办餐馆", "餐馆 食品", "食品餐馆"] {
        let hits = search(Some("hanyin"), q);
        assert_eq!(names(&hits), ["食品经营许可"], "{q}");
    }
}

#[test]
fn name_matches_rank_before_other_matches() {
    for query in ["食品", "许可", "登记", "医疗", "施工", "营业执照", "不动产"] {
        let hits = search(None, query);
        assert!(!hits.is_empty(), "{query}");
        let in_name: Vec<bool> = hits.iter().map(|h| h.name.contains(query)).collect();
        let first_other = in_name.iter().position(|m| !m).unwrap_or(in_name.len());
        assert!(
            in_name[first_other..].iter().all(|m| !m),
            "{query}: {:?}",
            names(&hits)
        );
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn material_and_faq_matches_find_items_below_name_matches() {
    // 营业执照 is the name of 个体工商户登记's result and a material of many items.
    let hits = search(Some("hanyin"), "营业执照");
    assert!(hits.len() > 3, "{:?}", names(&hits));
    let material_hit = hits
        .iter()
        .find(|h| h.name == "食品经营许可")
        .expect("a material match");
    assert!(material_hit.snippet.contains("【营业执照】"));

    // A word only in one item's FAQ answers.
    let (faq_word, owner) = faq_only_word();
    let hits = search(None, &faq_word);
    assert!(
        hits.iter()
            .any(|h| h.code == owner.code && h.jurisdiction == owner.jurisdiction),
        "{faq_word}: {:?}",
        names(&hits)
    );
    let hit = hits.iter().find(|h| h.code == owner.code).unwrap();
    assert!(hit.snippet.contains('【'), "{}", hit.snippet);

    // A name match outranks a material match of the same word.
    let hits = search(Some("ziyang"), "医疗机构");
    assert_eq!(hits[0].name, "医疗机构执业登记");
}

/// A word of two Han characters that occurs in some FAQ text but in no item's name, and an item
/// whose FAQ has it.
fn faq_only_word() -> (String, &'static ItemVersion) {
    for v in VERSIONS.iter() {
        for faq in &v.item.faq {
            let chars: Vec<char> = faq.answer.chars().collect();
            for pair in chars.windows(4) {
                let word: String = pair.iter().collect();
                if word.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
                    && !VERSIONS.iter().any(|o| o.item.name.contains(&word))
                {
                    return (word, v);
                }
            }
        }
    }
    panic!("the demo catalog has FAQ answers")
}

#[test]
fn jurisdiction_filter_is_exact() {
    let everywhere = search(None, "食品经营许可");
    assert!(everywhere.iter().any(|h| h.jurisdiction == "hanyin"));
    assert!(everywhere.iter().any(|h| h.jurisdiction == "gaoxin"));
    for j in ["hanyin", "ziyang", "xunyang", "gaoxin"] {
        let hits = search(Some(j), "许可");
        assert!(!hits.is_empty(), "{j}");
        assert!(hits.iter().all(|h| h.jurisdiction == j), "{j}");
    }
    assert!(search(Some("hanyi"), "许可").is_empty());
    assert!(search(Some("ankang"), "食品").is_empty());
    assert!(search(Some(""), "食品").is_empty());
}

#[test]
fn empty_and_odd_queries_do_not_fail() {
    for q in [
        "",
        "   ",
        "\t\n",
        "：“”（）",
        "*",
        "\"",
        "-",
        "()",
        "AND",
        "!!!",
    ] {
        let hits = INDEX
            .search(None, q, 10)
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        if q.trim().is_empty() {
            assert!(hits.is_empty(), "{q:?}");
        }
    }
    for q in [
        "\"食品",
        "name:食品",
        "(食品 OR 餐馆",
        "食品*",
        "-食品",
        "食品^2",
        "[a TO b]",
        "食品\\",
        "~食品~",
        "食品 && || !",
        "'; DROP TABLE items; --",
        "<script>alert(1)</script>",
    ] {
        let hits = INDEX
            .search(Some("hanyin"), q, 10)
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        if q.contains("食品") {
            assert_eq!(
                hits.first().map(|h| h.name.as_str()),
                Some("食品经营许可"),
                "{q}"
            );
        }
    }
    let long = "食品".repeat(10_000);
    assert!(!INDEX.search(None, &long, 10).unwrap().is_empty());
    assert!(INDEX.search(None, "食品", 0).unwrap().is_empty());
    assert!(!INDEX.search(None, "食品", usize::MAX).unwrap().is_empty());
    assert!(search(None, "火箭发射").is_empty());
}

#[test]
fn snippets_mark_the_matched_words() {
    for query in [
        "施工许可",
        "食品",
        "餐馆",
        "营业执照",
        "医疗 机构",
        "建设工程规划",
        "临时救助",
    ] {
        let hits = search(None, query);
        assert!(!hits.is_empty(), "{query}");
        for hit in hits {
            assert!(hit.snippet.chars().count() <= 80, "{hit:?}");
            assert!(
                hit.snippet.contains('【') && hit.snippet.contains('】'),
                "{query}: {hit:?}"
            );
            assert!(!hit.snippet.contains("【】"), "{hit:?}");
        }
    }
    // Only the words of the query are marked, each whole.
    for hit in search(None, "餐馆") {
        assert!(hit.snippet.contains("【餐馆】"), "{hit:?}");
    }
    let hits = search(Some("hanyin"), "施工许可");
    assert_eq!(hits[0].snippet, "建筑工程【施工许可】证核发");
}

#[test]
fn an_empty_index_finds_nothing() {
    let index = SearchIndex::build(&[]).expect("empty index");
    assert!(index.search(None, "食品", 10).unwrap().is_empty());
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<SearchIndex>();
    std::thread::scope(|s| {
        for q in ["食品", "医疗", "施工"] {
            s.spawn(move || assert!(!search(None, q).is_empty()));
        }
    });
}

#[test]
fn a_question_finds_items_with_some_of_its_words() {
    // 什么 is in no item: items with the other words come back, the one about 餐馆 first.
    let hits = search(Some("hanyin"), "开办餐馆需要什么材料？");
    assert_eq!(
        hits.first().map(|h| h.name.as_str()),
        Some("食品经营许可"),
        "{:?}",
        names(&hits)
    );
}

/// The first hit's name, searching `query` in `jurisdiction`.
fn first(jurisdiction: &str, query: &str) -> String {
    search(Some(jurisdiction), query)
        .first()
        .map(|h| h.name.clone())
        .unwrap_or_else(|| panic!("{query} finds nothing in {jurisdiction}"))
}

#[test]
fn the_words_people_use_find_the_catalogs_items() {
    for (query, jurisdiction, name) in [
        ("餐饮", "hanyin", "食品经营许可"),
        ("开饭店", "hanyin", "食品经营许可"),
        ("开餐馆", "hanyin", "食品经营许可"),
        ("小吃店", "hanyin", "食品经营许可"),
        ("我想开饭店", "hanyin", "食品经营许可"),
        ("shipin", "hanyin", "食品经营许可"),
        ("Shi Pin Jing Ying", "hanyin", "食品经营许可"),
        ("spjy", "hanyin", "食品经营许可"),
        ("SPJYXK", "hanyin", "食品经营许可"),
    ] {
        assert_eq!(first(jurisdiction, query), name, "{query}");
    }
    let drugs = names(&search(None, "开药店")).join("、");
    assert!(drugs.contains("药品零售企业许可"), "{drugs}");
    let company = search(None, "开公司");
    let company: Vec<&str> = names(&company).into_iter().take(6).collect();
    assert!(
        company.contains(&"公司设立登记") && company.contains(&"个体工商户登记"),
        "{company:?}"
    );
    assert!(search(None, "zzzzqx").is_empty());
}

#[test]
fn every_synonym_finds_an_item() {
    for s in yiyin_search::words::synonyms() {
        for m in &s.means {
            assert!(!search(None, m).is_empty(), "{m} finds nothing");
        }
    }
}

#[test]
fn popularity_in_the_county_ranks_among_matches() {
    let query = "许可";
    let plain = search(Some("hanyin"), query);
    assert!(plain.len() > 5);
    // The lowest item within a fourth of the best's relevance, applied for often, comes first (a
    // million cases lift ×4.45); elsewhere its popularity counts not.
    let last = plain
        .iter()
        .rev()
        .find(|h| h.score * 4.0 > plain[0].score)
        .expect("hits")
        .clone();
    assert_ne!(last.code, plain[0].code, "{plain:?}");
    let mut popularity = yiyin_search::Popularity::new();
    popularity.insert((last.jurisdiction.clone(), last.code.clone()), 1_000_000);
    popularity.insert(("ziyang".into(), last.code.clone()), 0);
    let ranked = INDEX
        .search_ranked(Some("hanyin"), query, 100, &popularity)
        .expect("search");
    assert_eq!(ranked.first().map(|h| &h.code), Some(&last.code));
    assert_eq!(ranked.len(), plain.len());
    // Only the lifted item moved: the others keep their order.
    let others = |hits: &[Hit]| -> Vec<String> {
        hits.iter()
            .filter(|h| h.code != last.code)
            .map(|h| h.code.clone())
            .collect()
    };
    assert_eq!(others(&ranked), others(&plain));
    // A limit keeps the best after ranking.
    let top = INDEX
        .search_ranked(Some("hanyin"), query, 1, &popularity)
        .expect("search");
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].code, last.code);
}
