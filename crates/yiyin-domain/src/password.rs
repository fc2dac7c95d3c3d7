//! The password policy (GB/T 22239-2019, level 3, 8.1.4.1 a: identification and authentication
//! with passwords of sufficient complexity, changed when needed).
//!
//! - Staff: at least [`STAFF_MIN_LEN`] characters and at least three of the four character classes
//!   (lower-case letters, upper-case letters, digits, other characters).
//! - Applicants: at least [`APPLICANT_MIN_LEN`] characters and at least two of the classes (the
//!   public log in with their ID number; their passwords guard their own applications only).
//! - Neither may contain the login or the ID number (nor its last eight characters), nor be one
//!   of the common passwords embedded in `data/common-passwords.txt` (compared without case).
//!
//! Applied at registration, staff creation, password change and reset.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Minimum length of a staff password.
pub const STAFF_MIN_LEN: usize = 10;
/// Minimum length of an applicant's password.
pub const APPLICANT_MIN_LEN: usize = 8;

const COMMON: &str = include_str!("../data/common-passwords.txt");

fn common() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// Whose password is checked: staff or an applicant, with what it must not contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder<'a> {
    pub staff: bool,
    /// The login (a staff login name, an applicant's ID number).
    pub login: &'a str,
    /// The citizen ID number or credit code, if any.
    pub id_number: Option<&'a str>,
}

impl<'a> Holder<'a> {
    pub fn staff(login: &'a str) -> Self {
        Holder {
            staff: true,
            login,
            id_number: None,
        }
    }

    pub fn applicant(id_number: &'a str) -> Self {
        Holder {
            staff: false,
            login: id_number,
            id_number: Some(id_number),
        }
    }
}

/// The character classes a password uses (lower, upper, digit, other), counted.
fn classes(password: &str) -> usize {
    let lower = password.chars().any(|c| c.is_lowercase());
    let upper = password.chars().any(|c| c.is_uppercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let other = password
        .chars()
        .any(|c| !c.is_lowercase() && !c.is_uppercase() && !c.is_ascii_digit());
    [lower, upper, digit, other]
        .into_iter()
        .filter(|b| *b)
        .count()
}

/// Checks a new password against the policy; every problem found, in one Chinese message.
pub fn check(password: &str, holder: &Holder<'_>) -> Result<(), String> {
    let (min, min_classes, whose) = if holder.staff {
        (STAFF_MIN_LEN, 3, "工作人员")
    } else {
        (APPLICANT_MIN_LEN, 2, "申请人")
    };
    let mut problems: Vec<String> = Vec::new();
    if password.chars().count() < min {
        problems.push(format!("{whose}密码至少{min}位"));
    }
    if classes(password) < min_classes {
        problems.push(if holder.staff {
            "须包含大写字母、小写字母、数字、符号中的至少三类".to_string()
        } else {
            "须包含字母、数字、符号中的至少两类（大小写字母分别计）".to_string()
        });
    }
    let lower = password.to_lowercase();
    let login = holder.login.trim().to_lowercase();
    if login.chars().count() >= 3 && lower.contains(&login) {
        problems.push("不得包含登录名".to_string());
    }
    if let Some(id) = holder.id_number {
        let id = id.trim().to_lowercase();
        let tail: String = id
            .chars()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if id.len() >= 8 && (lower.contains(&id) || lower.contains(&tail)) {
            problems.push("不得包含证件号码".to_string());
        }
    }
    if common().contains(&lower) {
        problems.push("属于常见弱密码，容易被猜中".to_string());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "密码不符合安全要求（GB/T 22239-2019 身份鉴别）：{}",
            problems.join("；")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_passwords_need_length_classes_and_no_login() {
        let h = Holder::staff("hy.chief");
        assert!(check("Ceshi-Mima25", &h).is_ok());
        let short = check("Ab1-", &h).unwrap_err();
        assert!(short.contains("至少10位"), "{short}");
        let weak = check("shenpi20251", &h).unwrap_err();
        assert!(weak.contains("至少三类"), "{weak}");
        let own = check("Hy.Chief-2025", &h).unwrap_err();
        assert!(own.contains("登录名"), "{own}");
        let common = check("P@ssw0rd123", &h);
        assert!(common.is_ok(), "not on the list");
        let listed = check("Admin@12345", &h).unwrap_err();
        assert!(listed.contains("常见弱密码"), "{listed}");
    }

    #[test]
    fn applicant_passwords_are_shorter_but_keep_the_id_number_out() {
        let h = Holder::applicant("11010519491231002X");
        assert!(check("wangfang123", &h).is_ok());
        assert!(check("abcdefgh", &h).unwrap_err().contains("至少两类"));
        let id = check("x91231002x", &h).unwrap_err();
        assert!(id.contains("证件号码"), "{id}");
        assert!(check("woaini1314", &h).unwrap_err().contains("常见弱密码"));
        assert!(common().len() > 300);
    }
}
