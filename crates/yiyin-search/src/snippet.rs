//! Plain-text excerpts with the matched words in 【】.

use std::ops::Range;

use tantivy::Score;

/// Longest snippet, in characters, counting the 【】 markers and the ellipses.
pub(crate) const SNIPPET_CHARS: usize = 80;

/// Characters of text shown before the first highlighted word when the text is cut.
const CONTEXT_CHARS: usize = 10;

const OPEN: char = '【';
const CLOSE: char = '】';
const ELLIPSIS: char = '…';

/// The excerpt (see [`excerpt`]) of the text that matches best: the one with the most different
/// `terms` (lower case), then the most highlighted characters times the text's weight; `None` if no
/// text has any of the terms.
pub(crate) fn best<'a>(
    texts: impl IntoIterator<Item = (&'a str, Score)>,
    terms: &[String],
) -> Option<String> {
    let mut best: Option<Candidate<'a>> = None;
    for (text, weight) in texts {
        let ranges = find_terms(text, terms);
        if ranges.is_empty() {
            continue;
        }
        let lower = text.to_lowercase();
        let words = terms.iter().filter(|t| lower.contains(*t)).count();
        let chars: usize = ranges.iter().map(ExactSizeIterator::len).sum();
        let rank = (words, weight * chars as Score);
        if best.as_ref().is_none_or(|b| rank > b.rank) {
            best = Some(Candidate { rank, text, ranges });
        }
    }
    best.map(|b| excerpt(b.text, &b.ranges))
}

/// A text that matches, with how well.
struct Candidate<'a> {
    /// Different terms found, weighted highlighted characters.
    rank: (usize, Score),
    text: &'a str,
    ranges: Vec<Range<usize>>,
}

/// Where the `terms` (lower case) occur in `text`, as sorted, merged character ranges: overlapping or
/// touching occurrences become one range (施工 + 许可 → 【施工许可】).
pub(crate) fn find_terms(text: &str, terms: &[String]) -> Vec<Range<usize>> {
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    // to_lowercase may turn one character into several; then matching on the original is safer.
    let chars = if chars.len() == text.chars().count() {
        chars
    } else {
        text.chars().collect()
    };
    let mut found: Vec<Range<usize>> = Vec::new();
    for term in terms {
        let term: Vec<char> = term.chars().collect();
        if term.is_empty() || term.len() > chars.len() {
            continue;
        }
        for start in 0..=chars.len() - term.len() {
            if chars[start..start + term.len()] == term[..] {
                found.push(start..start + term.len());
            }
        }
    }
    found.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in found {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// An excerpt of `text` of at most [`SNIPPET_CHARS`] characters around the highlighted character
/// `ranges` (sorted, disjoint), each wrapped in 【】; `…` marks where the text was cut. Line breaks
/// and other white space show as one space each.
pub(crate) fn excerpt(text: &str, ranges: &[Range<usize>]) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let n = chars.len();
    let rendered = |from: usize| {
        (n - from) + 2 * ranges.iter().filter(|r| r.start >= from).count() + usize::from(from > 0)
    };
    let start = if rendered(0) <= SNIPPET_CHARS {
        0
    } else {
        let first = ranges.first().map_or(0, |r| r.start);
        let start = first.saturating_sub(CONTEXT_CHARS);
        if rendered(start) < SNIPPET_CHARS {
            // Near the end: show more of what comes before instead of leaving room unused.
            (start + rendered(start)).saturating_sub(SNIPPET_CHARS)
        } else {
            start
        }
    };
    let mut out = String::new();
    let mut used = 0;
    if start > 0 {
        out.push(ELLIPSIS);
        used += 1;
    }
    let mut pending = ranges.iter().filter(|r| r.start >= start).peekable();
    let mut i = start;
    while i < n {
        // Room is always kept for a closing ellipsis while text remains after what is shown.
        if let Some(r) = pending.peek().filter(|r| r.start == i) {
            let width = r.len() + 2 + usize::from(r.end < n);
            if used + width > SNIPPET_CHARS {
                break;
            }
            out.push(OPEN);
            out.extend(&chars[r.start..r.end]);
            out.push(CLOSE);
            used += r.len() + 2;
            i = r.end;
            pending.next();
        } else {
            if used + 1 + usize::from(i + 1 < n) > SNIPPET_CHARS {
                break;
            }
            out.push(chars[i]);
            used += 1;
            i += 1;
        }
    }
    if i < n {
        out.push(ELLIPSIS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_text_is_shown_whole() {
        let text = "建筑工程施工许可证核发";
        let r = find_terms(text, &terms(&["施工", "许可", "工程"]));
        assert_eq!(r, vec![2..8]);
        assert_eq!(excerpt(text, &r), "建筑【工程施工许可】证核发");
    }

    #[test]
    fn the_text_with_most_words_wins_then_the_weightier() {
        let t = terms(&["施工", "许可"]);
        let texts = [
            ("商品房预售许可", 8.0),
            ("施工许可证", 1.0),
            ("施工图", 2.0),
        ];
        assert_eq!(best(texts, &t).as_deref(), Some("【施工许可】证"));
        let texts = [("施工图", 1.0), ("预售许可", 2.0)];
        assert_eq!(best(texts, &t).as_deref(), Some("预售【许可】"));
        assert_eq!(best([("无关", 1.0)], &t), None);
    }

    #[test]
    fn matching_ignores_ascii_case() {
        let r = find_terms("ICP备案", &terms(&["icp"]));
        assert_eq!(excerpt("ICP备案", &r), "【ICP】备案");
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{}餐馆{}", "甲".repeat(100), "乙".repeat(100));
        let r = find_terms(&text, &terms(&["餐馆"]));
        let s = excerpt(&text, &r);
        assert!(s.chars().count() <= SNIPPET_CHARS, "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("甲【餐馆】乙"), "{s}");
    }

    #[test]
    fn a_match_at_the_end_fills_the_room_before_it() {
        let text = format!("{}餐馆", "甲".repeat(100));
        let s = excerpt(&text, &find_terms(&text, &terms(&["餐馆"])));
        assert_eq!(s.chars().count(), SNIPPET_CHARS, "{s}");
        assert!(s.ends_with("【餐馆】"), "{s}");
    }

    #[test]
    fn never_longer_than_the_limit() {
        for len in 70..90 {
            let text = "餐馆".repeat(len / 2) + &"甲".repeat(len % 2);
            let s = excerpt(&text, &find_terms(&text, &terms(&["餐"])));
            assert!(s.chars().count() <= SNIPPET_CHARS, "{len}: {s}");
            assert!(s.contains("【餐】"), "{s}");
        }
    }
}
