//! Identifiers of applicants: the 18-character citizen ID number (公民身份号码, GB 11643) and the
//! unified social credit code (统一社会信用代码, GB 32100).
//!
//! Parse, don't validate: [`CitizenId::parse`] and [`CreditCode::parse`] turn raw text into a value
//! that cannot be invalid; the rest of Yiyin never checks again. Errors are Chinese and say exactly
//! what is wrong.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what}应为18位，实际为{len}位")]
    Length { what: &'static str, len: usize },
    #[error("{what}第{pos}位「{ch}」不是允许的字符（{allowed}）")]
    BadChar {
        what: &'static str,
        pos: usize,
        ch: char,
        allowed: &'static str,
    },
    #[error("公民身份号码的出生日期「{0}」不是有效日期")]
    BadBirthDate(String),
    #[error("公民身份号码的出生日期「{0}」晚于今天")]
    FutureBirthDate(String),
    #[error(
        "统一社会信用代码第1位「{0}」不是有效的登记管理部门代码（应为1–9、A、N或Y，GB 32100-2015）"
    )]
    BadAuthority(char),
    #[error(
        "统一社会信用代码第2位「{category}」不是登记管理部门「{authority}」下的机构类别代码（应为{allowed}，GB 32100-2015）"
    )]
    BadCategory {
        authority: char,
        category: char,
        allowed: &'static str,
    },
    #[error("公民身份号码的地址码「{0}」不是有效的省级行政区划代码")]
    BadRegion(String),
    #[error("{what}校验码错误：第18位应为「{expected}」，实际为「{actual}」，请核对号码是否抄错")]
    CheckDigit {
        what: &'static str,
        expected: char,
        actual: char,
    },
}

const CITIZEN: &str = "公民身份号码";
const CREDIT: &str = "统一社会信用代码";

/// GB 11643-1999 weights for the first 17 digits.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// GB 11643-1999 check characters indexed by the weighted sum mod 11.
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level codes of GB/T 2260 (first two digits of the address code).
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// The identifier trimmed and upper-cased, with its characters, when it has 18 of them.
fn eighteen_chars(text: &str, what: &'static str) -> Result<(String, Vec<char>), IdError> {
    let t = text.trim().to_ascii_uppercase();
    let chars: Vec<char> = t.chars().collect();
    if chars.len() != 18 {
        return Err(IdError::Length {
            what,
            len: chars.len(),
        });
    }
    Ok((t, chars))
}

/// Every character at `positions` (counted from 0) is one that `ok` accepts.
fn require_chars(
    what: &'static str,
    chars: &[char],
    positions: std::ops::Range<usize>,
    allowed: &'static str,
    ok: impl Fn(char) -> bool,
) -> Result<(), IdError> {
    match positions.into_iter().find(|&i| !ok(chars[i])) {
        Some(i) => Err(IdError::BadChar {
            what,
            pos: i + 1,
            ch: chars[i],
            allowed,
        }),
        None => Ok(()),
    }
}

/// The 18th character is the check character computed from the first 17.
fn require_check_char(what: &'static str, chars: &[char], expected: char) -> Result<(), IdError> {
    if chars[17] == expected {
        Ok(())
    } else {
        Err(IdError::CheckDigit {
            what,
            expected,
            actual: chars[17],
        })
    }
}

/// A valid 18-character citizen ID number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CitizenId(String);

/// Hides the middle of a number, keeping its first `head` and last `tail` characters and its length
/// (`61092119900101123X`, 3, 2 → `610*************3X`); a text too short to keep both ends is hidden
/// whole. The one masking of identifiers and phone numbers: [`CitizenId::masked`] and
/// [`mask_phone`] are it with their ends.
pub fn mask_middle(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    if n <= head + tail {
        return "*".repeat(n);
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

/// A phone number with its middle hidden for those whose duty does not need it: the first three
/// and the last four digits kept (`13812345678` → `138****5678`).
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// A person's name with all but the first character hidden (王芳 → 王*), for public pages.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

impl CitizenId {
    /// Parses and checks a citizen ID number; a final lower-case `x` is accepted as `X`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let (t, chars) = eighteen_chars(text, CITIZEN)?;
        require_chars(CITIZEN, &chars, 0..17, "前17位应为数字", |c| {
            c.is_ascii_digit()
        })?;
        require_chars(CITIZEN, &chars, 17..18, "第18位应为数字或X", |c| {
            c.is_ascii_digit() || c == 'X'
        })?;
        let region = &t[0..2];
        if !PROVINCES.contains(&region) {
            return Err(IdError::BadRegion(t[0..6].to_string()));
        }
        let birth = &t[6..14];
        let date = NaiveDate::parse_from_str(birth, "%Y%m%d")
            .map_err(|_| IdError::BadBirthDate(birth.to_string()))?;
        if date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") {
            return Err(IdError::BadBirthDate(birth.to_string()));
        }
        require_check_char(CITIZEN, &chars, citizen_check_char(&t[..17]))?;
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth encoded in digits 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked at parse")
    }

    /// A person cannot be born after `today` (GB 11643: the birth date is a real date): the number
    /// is refused when its birth date is later. The domain has no clock, so each use case that
    /// takes a number in calls this with its own `today`.
    pub fn check_born_by(&self, today: NaiveDate) -> Result<(), IdError> {
        if self.birth_date() > today {
            return Err(IdError::FutureBirthDate(self.0[6..14].to_string()));
        }
        Ok(())
    }

    /// The number as those whose duty does not need it see it: the first three and the last two
    /// characters kept, the length too (`610*************12`).
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3, 2)
    }
}

/// The GB 11643 check character for the first 17 digits.
pub fn citizen_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// GB 32100-2015 character set (31 characters: no I, O, Z, S, V).
const CREDIT_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100-2015 weights for the first 17 characters.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses and checks a unified social credit code (lower case is accepted).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let (t, chars) = eighteen_chars(text, CREDIT)?;
        require_chars(
            CREDIT,
            &chars,
            0..18,
            "数字或除 I、O、Z、S、V 以外的大写字母",
            |c| CREDIT_CHARSET.contains(c),
        )?;
        let allowed = credit_categories(chars[0]).ok_or(IdError::BadAuthority(chars[0]))?;
        if !allowed.contains(chars[1]) {
            return Err(IdError::BadCategory {
                authority: chars[0],
                category: chars[1],
                allowed: category_list(allowed),
            });
        }
        require_check_char(CREDIT, &chars, credit_check_char(&t[..17]))?;
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The organisation categories (second character) each registration authority (first character)
/// may give, by GB 32100-2015 and its amendment: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政,
/// 6 旅游, 7 宗教, 8 工会, 9 市场监管（工商）, A 中央军委改革和编制办公室, N 农业, Y 其他.
pub fn credit_categories(authority: char) -> Option<&'static str> {
    Some(match authority {
        '1' => "1239",
        '2' => "19",
        '3' => "123459",
        '4' => "19",
        '5' => "1239",
        '6' => "129",
        '7' => "129",
        '8' => "19",
        '9' => "123",
        'A' => "19",
        'N' => "1239",
        'Y' => "1",
        _ => return None,
    })
}

/// The allowed categories as the message shows them (`1、2、3或9`).
fn category_list(allowed: &'static str) -> &'static str {
    match allowed {
        "1239" => "1、2、3或9",
        "19" => "1或9",
        "123459" => "1、2、3、4、5或9",
        "129" => "1、2或9",
        "123" => "1、2或3",
        _ => "1",
    }
}

/// The GB 32100 check character for the first 17 characters (which must be in the charset).
pub fn credit_check_char(first17: &str) -> char {
    let value = |c: char| CREDIT_CHARSET.find(c).expect("charset checked") as u32;
    let sum: u32 = first17
        .chars()
        .zip(CREDIT_WEIGHTS)
        .map(|(c, w)| value(c) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_CHARSET
        .chars()
        .nth(check as usize)
        .expect("index < 31")
}

macro_rules! string_newtype_impls {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_newtype_impls!(CitizenId);
string_newtype_impls!(CreditCode);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_good_numbers() {
        // The standard's own worked example and a well-known published credit code.
        assert!(CitizenId::parse("11010519491231002X").is_ok());
        assert!(CitizenId::parse("11010519491231002x").is_ok());
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        let id = CitizenId::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110*************2X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone(" 0915-5212345 "), "091*****2345");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone(""), "");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = CitizenId::parse("110105194912310021").unwrap_err();
        assert_eq!(
            e.to_string(),
            "公民身份号码校验码错误：第18位应为「X」，实际为「1」，请核对号码是否抄错"
        );
        assert!(matches!(
            CitizenId::parse("1101051949123100"),
            Err(IdError::Length { len: 16, .. })
        ));
        assert!(matches!(
            CitizenId::parse("11010519491331002X"),
            Err(IdError::BadBirthDate(_))
        ));
        assert!(matches!(
            CitizenId::parse("99010519491231002X"),
            Err(IdError::BadRegion(_))
        ));
        assert!(matches!(
            CreditCode::parse("91350100M000100YI3"),
            Err(IdError::BadChar {
                pos: 17,
                ch: 'I',
                ..
            })
        ));
        assert!(matches!(
            CreditCode::parse("91350100M000100Y44"),
            Err(IdError::CheckDigit { expected: '3', .. })
        ));
    }

    fn valid_citizen() -> impl Strategy<Value = String> {
        (
            prop::sample::select(PROVINCES.to_vec()),
            0u32..10000,
            0i64..40000,
            0u32..1000,
        )
            .prop_map(|(p, region, days, seq)| {
                let birth =
                    NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
                let first17 = format!("{p}{region:04}{}{seq:03}", birth.format("%Y%m%d"));
                format!("{first17}{}", citizen_check_char(&first17))
            })
    }

    fn valid_credit() -> impl Strategy<Value = String> {
        let prefixes: Vec<String> = "123456789ANY"
            .chars()
            .flat_map(|a| {
                credit_categories(a)
                    .unwrap()
                    .chars()
                    .map(move |c| format!("{a}{c}"))
            })
            .collect();
        (
            prop::sample::select(prefixes),
            prop::collection::vec(
                prop::sample::select(CREDIT_CHARSET.chars().collect::<Vec<_>>()),
                15,
            ),
        )
            .prop_map(|(prefix, cs)| {
                let first17: String = prefix.chars().chain(cs).collect();
                format!("{first17}{}", credit_check_char(&first17))
            })
    }

    #[test]
    fn a_future_birth_date_is_refused() {
        let first17 = "61092120300101001";
        let id = CitizenId::parse(&format!("{first17}{}", citizen_check_char(first17))).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(
            id.check_born_by(today).unwrap_err().to_string(),
            "公民身份号码的出生日期「20300101」晚于今天"
        );
        let born = CitizenId::parse("11010519491231002X").unwrap();
        born.check_born_by(today).unwrap();
        assert!(
            born.check_born_by(NaiveDate::from_ymd_opt(1949, 12, 30).unwrap())
                .is_err()
        );
    }

    #[test]
    fn a_credit_code_names_a_real_registration_authority_and_category() {
        // The same code with a valid check character, under an impossible authority or category.
        let with_check = |first17: &str| format!("{first17}{}", credit_check_char(first17));
        assert_eq!(
            CreditCode::parse(&with_check("B1350100M000100Y4")),
            Err(IdError::BadAuthority('B'))
        );
        assert_eq!(
            CreditCode::parse(&with_check("01350100M000100Y4")),
            Err(IdError::BadAuthority('0'))
        );
        let e = CreditCode::parse(&with_check("95350100M000100Y4")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "统一社会信用代码第2位「5」不是登记管理部门「9」下的机构类别代码（应为1、2或3，GB 32100-2015）"
        );
        for ok in [
            "91350100M000100Y4",
            "52350100M000100Y4",
            "N2350100M000100Y4",
        ] {
            CreditCode::parse(&with_check(ok)).unwrap();
        }
    }

    proptest! {
        #[test]
        fn generated_citizen_ids_parse(s in valid_citizen()) {
            let parsed = CitizenId::parse(&s).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn any_single_digit_change_is_caught(s in valid_citizen(), pos in 0usize..18, delta in 1u8..10) {
            let mut b = s.clone().into_bytes();
            b[pos] = if b[pos] == b'X' { b'0' + delta } else { b'0' + (b[pos] - b'0' + delta) % 10 };
            let changed = String::from_utf8(b).unwrap();
            prop_assume!(changed != s);
            prop_assert!(CitizenId::parse(&changed).is_err());
        }

        #[test]
        fn generated_credit_codes_parse(s in valid_credit()) {
            prop_assert!(CreditCode::parse(&s).is_ok());
        }

        #[test]
        fn any_single_credit_char_change_is_caught(s in valid_credit(), pos in 0usize..18, delta in 1usize..31) {
            let cs: Vec<char> = s.chars().collect();
            let idx = CREDIT_CHARSET.find(cs[pos]).unwrap();
            let mut changed = cs.clone();
            changed[pos] = CREDIT_CHARSET.chars().nth((idx + delta) % 31).unwrap();
            let changed: String = changed.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }
    }
}
