//! The refusal every rule of the domain gives when the law (or a policy) forbids an act: the rule's ID
//! and a Chinese message naming the article. The layers above show the message as it is.

use serde::{Deserialize, Serialize};

/// An action the law forbids, with the rule and a Chinese message naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The rule's ID in `legal-rules.md` (e.g. `AL-12`) or the policy it comes from.
    pub rule: String,
    pub message: String,
}

impl Refusal {
    pub fn new(rule: &str, message: impl Into<String>) -> Self {
        Refusal {
            rule: rule.to_string(),
            message: message.into(),
        }
    }
}

/// `Err(Refusal)` for `?` in rule functions.
pub fn refuse<T>(rule: &str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::new(rule, message))
}

/// A reason the law requires is missing.
pub fn require_text(text: &str, rule: &str, message: impl Into<String>) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        refuse(rule, message)
    } else {
        Ok(())
    }
}
