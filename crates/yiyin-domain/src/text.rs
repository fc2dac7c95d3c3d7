//! The characters and lengths Yiyin accepts in text from outside: every string of every request
//! (JSON, forms, query, path) passes [`check`] once before it reaches the application, and fields
//! whose type knows more (a name, a code, a free-text statement) pass the stricter [`TextKind`].
//!
//! The general rule ([`TextKind::Any`]): no C0 control character except tab, newline and carriage
//! return (a NUL cannot be stored in PostgreSQL and must never be sealed into a document), no
//! bidirectional override or isolate (which make a displayed name read differently from what is
//! stored), and at most [`MAX_CHARS`] characters. Names and short texts further refuse line
//! breaks, tabs and zero-width characters (invisible differences between two names that look the
//! same) and are bounded so that an indexed column never exceeds the database's index-row limit.

/// The most characters any single value may have.
pub const MAX_CHARS: usize = 20_000;

/// What kind of text a field holds, and so which characters and how many it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Any value of a request: the general rule.
    Any,
    /// A name of a person, organisation or thing: one line, no invisible characters, ≤ 100.
    Name,
    /// A short one-line text (a code, an identifier, a title): ≤ 200, indexable.
    Short,
    /// Free text (a statement, reasons, a summary): lines and tabs allowed, ≤ 5,000.
    Long,
}

impl TextKind {
    /// The most characters a value of this kind may have.
    pub fn max_chars(self) -> usize {
        match self {
            TextKind::Any => MAX_CHARS,
            TextKind::Name => 100,
            TextKind::Short => 200,
            TextKind::Long => 5_000,
        }
    }

    fn one_line(self) -> bool {
        matches!(self, TextKind::Name | TextKind::Short)
    }
}

/// Why a text was refused: the field and the reason, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{field}」{reason}")]
pub struct TextError {
    /// The field at fault (`applicant.name`, `number`, `路径`).
    pub field: String,
    /// What is wrong with it, in Chinese.
    pub reason: String,
}

/// Whether `c` is a bidirectional formatting character (U+202A–202E embeddings and overrides,
/// U+2066–2069 isolates, U+200E/U+200F marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Whether `c` is a zero-width character (U+200B–200D, U+2060 word joiner, U+FEFF byte-order mark).
pub fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The code point as `U+XXXX`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// The most entries a listed text (defects to fix, one a line) may have.
pub const MAX_LINES: usize = 200;

/// A list entered one item a line (defects to fix): each trimmed, blank ones dropped, each one
/// line of at most 1,000 characters under the general rule, at most [`MAX_LINES`] of them.
pub fn listed_lines(field: &str, lines: &[String]) -> Result<Vec<String>, TextError> {
    let kept: Vec<String> = lines
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if kept.len() > MAX_LINES {
        return Err(TextError {
            field: field.to_string(),
            reason: format!("最多列 {MAX_LINES} 条，现有 {} 条", kept.len()),
        });
    }
    for (i, l) in kept.iter().enumerate() {
        let at = format!("{field}[{}]", i + 1);
        check(&at, l, TextKind::Long)?;
        if l.contains(['\n', '\r']) || l.chars().count() > 1_000 {
            return Err(TextError {
                field: at,
                reason: "每条应为一行，不超过 1000 个字".to_string(),
            });
        }
    }
    Ok(kept)
}

/// Checks `value` of `field` against the rules of `kind`.
pub fn check(field: &str, value: &str, kind: TextKind) -> Result<(), TextError> {
    let refuse = |reason: String| TextError {
        field: field.to_string(),
        reason,
    };
    let max = kind.max_chars();
    // Count lazily: a value far over the bound is refused without walking all of it twice.
    if value.len() > max && value.chars().count() > max {
        return Err(refuse(format!("过长：最多{max}个字符")));
    }
    for c in value.chars() {
        if c.is_control() && u32::from(c) < 0x20 {
            let allowed = !kind.one_line() && matches!(c, '\t' | '\n' | '\r');
            if !allowed {
                return Err(refuse(if matches!(c, '\t' | '\n' | '\r') {
                    "不能包含换行或制表符".to_string()
                } else {
                    format!("含有不允许的控制字符（{}）", code_point(c))
                }));
            }
        } else if c == '\u{7F}' {
            return Err(refuse(format!("含有不允许的控制字符（{}）", code_point(c))));
        } else if is_bidi_control(c) {
            return Err(refuse(format!(
                "含有不允许的文字方向控制字符（{}）",
                code_point(c)
            )));
        } else if kind.one_line() && is_zero_width(c) {
            return Err(refuse(format!("含有不允许的零宽字符（{}）", code_point(c))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_general_rule_refuses_nul_controls_and_bidi_overrides() {
        for bad in [
            "a\0b",
            "\u{1}",
            "x\u{1B}[31m",
            "\u{7F}",
            "abc\u{202E}def",
            "\u{2066}x",
        ] {
            let e = check("name", bad, TextKind::Any).unwrap_err();
            assert_eq!(e.field, "name");
            assert!(e.to_string().starts_with("「name」含有不允许的"), "{e}");
        }
        for good in ["张三", "第一行\n第二行\r\n\t缩进", "a\u{200B}b", ""] {
            check("f", good, TextKind::Any).unwrap();
        }
    }

    #[test]
    fn names_are_one_visible_line_of_at_most_a_hundred_characters() {
        for bad in [
            "张\u{200B}三",
            "\u{FEFF}张三",
            "张三\n",
            "张\t三",
            "a\u{2060}b",
        ] {
            assert!(
                check("applicant.name", bad, TextKind::Name).is_err(),
                "{bad:?}"
            );
        }
        check("applicant.name", &"张".repeat(100), TextKind::Name).unwrap();
        let e = check("applicant.name", &"张".repeat(101), TextKind::Name).unwrap_err();
        assert_eq!(e.to_string(), "「applicant.name」过长：最多100个字符");
    }

    #[test]
    fn free_text_keeps_its_lines_within_its_bound() {
        check("summary", "一、现场检查\n二、整改\t完成", TextKind::Long).unwrap();
        assert!(check("summary", &"字".repeat(5_001), TextKind::Long).is_err());
        assert!(check("summary", "a\0", TextKind::Long).is_err());
        assert!(check("x", &"a".repeat(MAX_CHARS + 1), TextKind::Any).is_err());
        check("x", &"a".repeat(MAX_CHARS), TextKind::Any).unwrap();
    }

    #[test]
    fn listed_lines_are_trimmed_checked_and_bounded() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            listed_lines("defects", &lines(&[" 一 ", "", "  ", "二"])).unwrap(),
            ["一", "二"]
        );
        let e = listed_lines("defects", &lines(&["好", "坏\u{7}"])).unwrap_err();
        assert_eq!(e.field, "defects[2]");
        assert!(listed_lines("defects", &lines(&["一\n二"])).is_err());
        assert!(listed_lines("defects", &lines(&[&"长".repeat(1_001)])).is_err());
        assert!(listed_lines("defects", &vec!["问题".to_string(); MAX_LINES + 1]).is_err());
        assert_eq!(
            listed_lines("defects", &vec!["问题".to_string(); MAX_LINES])
                .unwrap()
                .len(),
            MAX_LINES
        );
    }
}
