//! SMS one-time codes (短信验证码) for registration and password recovery: a code is six digits,
//! valid ten minutes, void after five wrong tries, one code per phone and purpose at a time (a new
//! one replaces the old), at most one sent per phone every sixty seconds. Pure rules; the code's
//! randomness, its hash and its row are the application's and the store's.

/// Digits in a code.
pub const DIGITS: usize = 6;
/// How long a code is valid, in milliseconds (10 minutes).
pub const VALID_MS: i64 = 10 * 60 * 1000;
/// Wrong tries after which a code is void.
pub const MAX_TRIES: i64 = 5;
/// The least time between two codes sent to one phone, in milliseconds.
pub const RESEND_MS: i64 = 60 * 1000;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    Recover,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Recover => "recover",
        }
    }
}

/// A code as kept: when it was made, how many wrong tries it had, whether it was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeState {
    pub created_at: i64,
    pub expires_at: i64,
    pub tries: i64,
    pub used: bool,
}

/// Why a code is refused; the message is what the user reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("请输入短信验证码（6位数字）")]
    Malformed,
    #[error("验证码无效或已失效，请重新获取")]
    Missing,
    #[error("验证码已过期（有效期10分钟），请重新获取")]
    Expired,
    #[error("验证码错误次数过多，已作废，请重新获取")]
    Void,
    /// Wrong; this many tries are left.
    #[error("验证码错误，还可尝试{0}次")]
    Wrong(i64),
    #[error("验证码发送过于频繁，请{0}秒后再试")]
    TooSoon(i64),
}

/// Whether a typed code has the form of a code (six ASCII digits).
pub fn well_formed(code: &str) -> bool {
    code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// The state of a code made at `now`.
pub fn issued(now: i64) -> CodeState {
    CodeState {
        created_at: now,
        expires_at: now + VALID_MS,
        tries: 0,
        used: false,
    }
}

/// Whether a new code may be sent to a phone whose last code was made at `last` (any purpose).
pub fn may_send(last: Option<i64>, now: i64) -> Result<(), CodeRefusal> {
    match last {
        Some(at) if now - at < RESEND_MS => {
            let wait = (RESEND_MS - (now - at) + 999) / 1000;
            Err(CodeRefusal::TooSoon(wait.max(1)))
        }
        _ => Ok(()),
    }
}

/// Judges a try of a code at `now`, `matches` telling whether the typed code was right. A wrong
/// try is counted by the caller (its state's `tries` plus one) before it answers.
pub fn judge(state: Option<&CodeState>, matches: bool, now: i64) -> Result<(), CodeRefusal> {
    let Some(s) = state else {
        return Err(CodeRefusal::Missing);
    };
    if s.used {
        return Err(CodeRefusal::Missing);
    }
    if s.tries >= MAX_TRIES {
        return Err(CodeRefusal::Void);
    }
    if now >= s.expires_at {
        return Err(CodeRefusal::Expired);
    }
    if !matches {
        let left = MAX_TRIES - s.tries - 1;
        return Err(if left <= 0 {
            CodeRefusal::Void
        } else {
            CodeRefusal::Wrong(left)
        });
    }
    Ok(())
}

/// The text of the SMS carrying a code.
pub fn message(code: &str) -> String {
    format!("【一印】您的验证码为{code}，10分钟内有效。如非本人操作，请忽略。")
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_700_000_000_000;

    #[test]
    fn a_right_code_in_time_is_accepted() {
        assert_eq!(judge(Some(&issued(T)), true, T + VALID_MS - 1), Ok(()));
    }

    #[test]
    fn an_expired_code_is_refused_even_when_right() {
        assert_eq!(
            judge(Some(&issued(T)), true, T + VALID_MS),
            Err(CodeRefusal::Expired)
        );
    }

    #[test]
    fn five_wrong_tries_void_the_code() {
        let mut s = issued(T);
        for n in 1..MAX_TRIES {
            assert_eq!(
                judge(Some(&s), false, T),
                Err(CodeRefusal::Wrong(MAX_TRIES - n))
            );
            s.tries += 1;
        }
        assert_eq!(judge(Some(&s), false, T), Err(CodeRefusal::Void));
        s.tries += 1;
        assert_eq!(judge(Some(&s), true, T), Err(CodeRefusal::Void));
    }

    #[test]
    fn a_used_or_missing_code_is_refused() {
        let mut s = issued(T);
        s.used = true;
        assert_eq!(judge(Some(&s), true, T), Err(CodeRefusal::Missing));
        assert_eq!(judge(None, true, T), Err(CodeRefusal::Missing));
    }

    #[test]
    fn one_send_per_minute_per_phone() {
        assert_eq!(may_send(None, T), Ok(()));
        assert_eq!(may_send(Some(T), T + 1), Err(CodeRefusal::TooSoon(60)));
        assert_eq!(may_send(Some(T), T + 59_500), Err(CodeRefusal::TooSoon(1)));
        assert_eq!(may_send(Some(T), T + RESEND_MS), Ok(()));
    }

    #[test]
    fn codes_are_six_digits_and_the_text_is_the_bureau_s() {
        assert!(well_formed("012345"));
        assert!(!well_formed("12345"));
        assert!(!well_formed("12345a"));
        assert!(!well_formed("１２３４５６"));
        assert_eq!(
            message("123456"),
            "【一印】您的验证码为123456，10分钟内有效。如非本人操作，请忽略。"
        );
    }
}
