//! Numbers as people type them (文号、证照编号、办件编号): this module owns the one normalisation
//! every public lookup of a document, a licence or a case goes through (the verification page, the
//! verification API, the QR code's link).
//!
//! A citizen copies a number from paper or a phone and types it loosely: with spaces, with half- or
//! full-width letters and digits (ＨＹ２０２６…), in any case, with the year in any brackets
//! (〔〕 [] () 【】 （） ［］ 〖〗 ｛｝ or none), with or without the closing 号 — or just the bare case
//! number printed on the voucher. [`parse`] turns what was typed into the one [`Reference`] it
//! stands for, spelt exactly as Yiyin stores it:
//!
//! - a document number `{prefix}{word}字〔{year}〕{serial}号` (the serial is the case number, with
//!   `-{n}` for an act on a licence): `汉阴审批许字〔2026〕HY2026000123号`;
//! - an e-licence identifier (GB/T 36904: letters and digits, over 30 of them), upper case;
//! - a case number (办件编号: a few letters, the year and a six-digit serial), upper case.

use crate::text::{self, TextError, TextKind};

/// What a typed number stands for, spelt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A document number (文号), e.g. `汉阴审批许字〔2026〕HY2026000123号`.
    Document(String),
    /// An e-licence identifier (证照编号).
    Licence(String),
    /// A case number (办件编号), e.g. `HY2026000123`.
    Case(String),
}

/// Opening brackets a year may be typed in (after [`fold`], so full-width ［（｛ are already
/// ASCII).
const OPENING: [char; 6] = ['〔', '[', '(', '【', '〖', '{'];
/// Closing brackets, likewise.
const CLOSING: [char; 6] = ['〕', ']', ')', '】', '〗', '}'];

/// The shortest e-licence identifier: type code (at least one character), the issuer's 18-character
/// credit code, the 8-digit serial, the 2-digit version and the check character.
const MIN_LICENCE_CHARS: usize = 30;

/// `text` with full-width ASCII forms (U+FF01–FF5E) and the ideographic space made half-width,
/// dashes of every width made `-`, and ASCII letters upper-cased; other characters as they are.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => '-',
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `text` folded ([`fold`]) without any whitespace or invisible character: the compact form codes
/// (verification codes, query codes, identifiers) are compared in.
pub fn compact(text: &str) -> String {
    fold(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !text::is_zero_width(*c) && !c.is_control())
        .collect()
}

/// Whether `s` is a case number: one to six ASCII letters, then ten digits (year and serial).
fn is_case_number(s: &str) -> bool {
    let letters = s.chars().take_while(char::is_ascii_uppercase).count();
    let rest = &s[letters..];
    (1..=6).contains(&letters) && rest.len() == 10 && rest.chars().all(|c| c.is_ascii_digit())
}

/// Reads what a citizen typed as a document number, licence identifier or case number. Refuses a
/// text no one could type (a control character, bidirectional overrides, over 200 characters) with
/// the reason in Chinese; `Ok(None)` when it is no number of any of the three shapes.
pub fn parse(typed: &str) -> Result<Option<Reference>, TextError> {
    text::check("文号或证照编号", typed, TextKind::Short)?;
    let s = compact(typed);
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(if is_case_number(&s) {
            Some(Reference::Case(s))
        } else if s.len() >= MIN_LICENCE_CHARS {
            Some(Reference::Licence(s))
        } else {
            None
        });
    }
    Ok(document_number(&s).map(Reference::Document))
}

/// A compact, folded document number in its stored spelling: the year put in 〔〕, one 号 at the
/// end. The year is the first four digits in brackets, or, without brackets, the four digits right
/// after 字.
fn document_number(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let is_digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let year_at = |i: usize| (i..i + 4).all(is_digit);
    // (index of the prefix's end, index of the year, index after the year and its bracket)
    let mut found = None;
    for i in 0..chars.len() {
        if OPENING.contains(&chars[i]) && year_at(i + 1) {
            let after = i + 5;
            let close = usize::from(chars.get(after).is_some_and(|c| CLOSING.contains(c)));
            found = Some((i, i + 1, after + close));
            break;
        }
        if chars[i] == '字' && year_at(i + 1) && !is_digit(i + 5) {
            found = Some((i + 1, i + 1, i + 5));
            break;
        }
    }
    let (prefix_end, year, rest) = found?;
    let prefix: String = chars[..prefix_end].iter().collect();
    let year: String = chars[year..year + 4].iter().collect();
    let mut serial: String = chars[rest..].iter().collect();
    while let Some(stripped) = serial.strip_suffix('号') {
        serial = stripped.to_string();
    }
    let serial = serial.trim_matches(|c: char| CLOSING.contains(&c) || OPENING.contains(&c));
    if prefix.is_empty() || serial.is_empty() || prefix.is_ascii() {
        return None;
    }
    Some(format!("{prefix}〔{year}〕{serial}号"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STORED: &str = "汉阴审批许字〔2026〕HY2026000123号";

    fn doc(s: &str) -> Option<Reference> {
        parse(s).unwrap()
    }

    #[test]
    fn every_loose_spelling_of_a_document_number_is_the_stored_one() {
        for typed in [
            STORED,
            "汉阴审批许字〔2026〕HY2026000123",
            "汉阴审批许字[2026]HY2026000123号",
            "汉阴审批许字(2026)hy2026000123号",
            "汉阴审批许字（2026）HY2026000123号",
            "汉阴审批许字【2026】hy2026000123",
            "汉阴审批许字［２０２６］ＨＹ２０２６０００１２３号",
            "汉阴审批许字〖2026〗HY2026000123号",
            "  汉阴审批许字 〔 2026 〕 HY 2026 000 123 号 ",
            "汉阴审批许字\u{3000}〔2026〕\u{3000}hy2026000123号",
            "汉阴审批许字2026HY2026000123号",
            "汉阴审批许字2026hy2026000123",
            "汉阴审批许字〔2026HY2026000123号",
            "汉阴审批许字〔2026〕ｈｙ2026000123号号",
        ] {
            assert_eq!(
                doc(typed),
                Some(Reference::Document(STORED.into())),
                "{typed}"
            );
        }
    }

    #[test]
    fn act_numbers_keep_their_dash_whatever_its_width() {
        let stored = "汉阴审批撤字〔2026〕HY2026000123-2号";
        for typed in [
            stored,
            "汉阴审批撤字[2026]HY2026000123－2",
            "汉阴审批撤字(2026)hy2026000123—2号",
        ] {
            assert_eq!(
                doc(typed),
                Some(Reference::Document(stored.into())),
                "{typed}"
            );
        }
    }

    #[test]
    fn case_numbers_and_licence_identifiers() {
        for typed in [
            "HY2026000123",
            "hy2026000123",
            " ＨＹ２０２６０００１２３ ",
            "hy 2026 000123",
        ] {
            assert_eq!(
                doc(typed),
                Some(Reference::Case("HY2026000123".into())),
                "{typed}"
            );
        }
        let id = "11610921MB1234567X123456780001K";
        assert!(id.len() >= MIN_LICENCE_CHARS);
        for typed in [
            id.to_string(),
            id.to_lowercase(),
            format!(" {} ", &id[..10]) + &id[10..],
        ] {
            assert_eq!(doc(&typed), Some(Reference::Licence(id.into())), "{typed}");
        }
    }

    #[test]
    fn what_is_no_number_is_none_and_controls_are_refused() {
        for typed in [
            "",
            "   ",
            "abc",
            "12345",
            "汉阴审批",
            "〔2026〕",
            "许字〔2026〕号",
            "HY20260001",
        ] {
            assert_eq!(doc(typed), None, "{typed}");
        }
        let e = parse("HY2026000123\u{0}").unwrap_err();
        assert!(e.reason.contains("控制字符"), "{e}");
        assert!(parse(&"号".repeat(201)).is_err());
        assert!(parse("汉阴\u{202E}审批").is_err());
    }

    #[test]
    fn codes_compare_compact() {
        assert_eq!(compact(" ab ｃ１\u{200B}2 "), "ABC12");
    }

    proptest! {
        /// Any mix of spaces, brackets, widths and cases around a stored number reads back as it.
        #[test]
        fn loose_spellings_read_back(
            year in 2000u32..2100,
            serial in 1u32..999_999,
            open in 0usize..OPENING.len(),
            wide in any::<bool>(),
            lower in any::<bool>(),
            hao in any::<bool>(),
            spaces in proptest::collection::vec(0usize..4, 0..4),
        ) {
            let case = format!("ZY{year}{serial:06}");
            let stored = format!("紫阳审批受字〔{year}〕{case}号");
            let mut body = format!("{year}{}{case}", CLOSING[open]);
            if lower { body = body.to_lowercase(); }
            if wide {
                body = body.chars().map(|c| if c.is_ascii_alphanumeric() {
                    char::from_u32(u32::from(c) + 0xFEE0).unwrap()
                } else { c }).collect();
            }
            let mut typed = format!("紫阳审批受字{}{body}{}", OPENING[open], if hao { "号" } else { "" });
            for at in spaces {
                let at = typed.char_indices().nth(at * 3).map_or(typed.len(), |(i, _)| i);
                typed.insert(at, ' ');
            }
            prop_assert_eq!(parse(&typed).unwrap(), Some(Reference::Document(stored)));
            prop_assert_eq!(parse(&case.to_lowercase()).unwrap(), Some(Reference::Case(case)));
        }
    }
}
