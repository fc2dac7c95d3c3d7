//! What a use case answered, asserted by the kind of its error (the stable code) and what the error
//! says: a refusal naming its rule, bad input naming its field, a denial, a record not found.

use std::fmt::Debug;

use yiyin_app::AppError;
use yiyin_domain::engine::Refusal;

/// The error of a use case that must have failed.
#[track_caller]
pub fn error_of<T: Debug>(r: Result<T, AppError>) -> AppError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// The message of an error of the kind `code`, failing on any other answer.
#[track_caller]
fn message_of<T: Debug>(r: Result<T, AppError>, code: &str) -> String {
    let e = error_of(r);
    assert_eq!(e.code(), code, "expected {code}, got {e:?}");
    e.to_string()
}

/// The refusal of a rule (never bad input, a denial or another error).
#[track_caller]
pub fn refused<T: Debug>(r: Result<T, AppError>) -> Refusal {
    match error_of(r) {
        AppError::Refused(r) => r,
        other => panic!("expected a refusal naming its rule, got {other:?}"),
    }
}

/// The same, its message saying each of `phrases`.
#[track_caller]
pub fn refused_saying<T: Debug>(r: Result<T, AppError>, phrases: &[&str]) -> Refusal {
    let refusal = refused(r);
    for phrase in phrases {
        let message = &refusal.message;
        assert!(message.contains(phrase), "«{phrase}» not in {message}");
    }
    refusal
}

/// The message of bad input.
#[track_caller]
pub fn invalid<T: Debug>(r: Result<T, AppError>) -> String {
    message_of(r, "invalid_input")
}

/// The message of a denial: the account's role or scope does not reach.
#[track_caller]
pub fn forbidden<T: Debug>(r: Result<T, AppError>) -> String {
    message_of(r, "forbidden")
}

#[track_caller]
pub fn not_found<T: Debug>(r: Result<T, AppError>) -> String {
    message_of(r, "not_found")
}

/// Asserts an error of the kind `code` (its stable code) that says `says`.
#[track_caller]
pub fn assert_error<T: Debug>(r: Result<T, AppError>, code: &str, says: &str) {
    let message = message_of(r, code);
    assert!(message.contains(says), "{message}");
}

/// Asserts a denial that says `says`.
#[track_caller]
pub fn assert_forbidden<T: Debug>(r: Result<T, AppError>, says: &str) {
    assert_error(r, "forbidden", says);
}

/// Asserts bad input in `field` that says `says`.
#[track_caller]
pub fn assert_invalid<T: Debug>(r: Result<T, AppError>, field: &str, says: &str) {
    let e = error_of(r);
    let named = (e.code(), e.details());
    assert_eq!(named, ("invalid_input", vec![field.to_string()]), "{e:?}");
    assert!(e.to_string().contains(says), "{e}");
}
