//! Simulation mode (模拟运行; 汉阴 四: 模拟推演、试运行): a jurisdiction — or only some of its items,
//! e.g. one switch-over batch — runs before it goes live with everything working but nothing
//! reaching the outside world as real.
//!
//! This module owns the two rules of the mode:
//! - [`SimulationMode::covers`]: whether a new application is simulated. It is decided once, at
//!   intake, and the case keeps the flag: switching the mode off later never un-simulates a case,
//!   and switching it on never simulates a case received before.
//! - [`Conduct::of`]: what a case may do outside, by its flag alone — the one predicate the
//!   application layer asks before sealing with a real seal, pushing to a supervising department,
//!   notifying or delivering to the applicant, publishing a licence, counting in statistics, or
//!   being monitored (电子监察: no card is issued on its deadlines, which bind no one).
//!   A simulated case does none of these, and since nothing is queued for it, nothing is waiting
//!   to go out when the mode is switched off (switching off never re-emits).

use serde::{Deserialize, Serialize};

use crate::text::{TextKind, check};

/// The visible watermark on every document of a simulated case (page and PDF).
pub const WATERMARK: &str = "模拟";
/// What verification says of a simulated document.
pub const NOT_LEGAL: &str = "模拟文书，不具法律效力";
/// The banner on the staff pages of a simulated jurisdiction and on a simulated case.
pub const BANNER: &str = "模拟运行中";
/// The name of the simulation seal a simulated document is signed with (never a real seal).
pub const SEAL_NAME: &str = "模拟运行专用章（不具法律效力）";
/// The most item codes a restricted simulation may list.
pub const MAX_ITEMS: usize = 500;

/// A jurisdiction's simulation mode as set by its bureau head.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationMode {
    /// Whether new applications are simulated.
    pub enabled: bool,
    /// Only these items are simulated; empty: every item of the jurisdiction.
    #[serde(default)]
    pub items: Vec<String>,
}

impl SimulationMode {
    /// Whether a new application for `item_code` is simulated (decided at intake, kept by the
    /// case).
    pub fn covers(&self, item_code: &str) -> bool {
        self.enabled && (self.items.is_empty() || self.items.iter().any(|c| c == item_code))
    }

    /// A mode as requested: the item codes trimmed, checked and deduplicated; an error in Chinese
    /// naming the field.
    pub fn new(enabled: bool, items: &[String]) -> Result<Self, SimulationError> {
        if items.len() > MAX_ITEMS {
            return Err(SimulationError::field(
                "items",
                format!("模拟运行的事项最多 {MAX_ITEMS} 项"),
            ));
        }
        let mut codes: Vec<String> = Vec::with_capacity(items.len());
        for (i, raw) in items.iter().enumerate() {
            let code = raw.trim();
            check(&format!("items[{i}]"), code, TextKind::Short)
                .map_err(|e| SimulationError::field("items", e.to_string()))?;
            if code.is_empty() {
                return Err(SimulationError::field("items", "事项编码不能为空"));
            }
            if !codes.iter().any(|c| c == code) {
                codes.push(code.to_string());
            }
        }
        codes.sort();
        Ok(SimulationMode {
            enabled,
            items: codes,
        })
    }

    /// The mode in words, for pages and the event log.
    pub fn describe(&self) -> String {
        match (self.enabled, self.items.is_empty()) {
            (false, _) => "正式运行".to_string(),
            (true, true) => "模拟运行（全部事项）".to_string(),
            (true, false) => format!("模拟运行（{}）", self.items.join("、")),
        }
    }
}

/// Why a simulation setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    #[error("{message}")]
    Field {
        field: &'static str,
        message: String,
    },
}

impl SimulationError {
    fn field(field: &'static str, message: impl Into<String>) -> Self {
        SimulationError::Field {
            field,
            message: message.into(),
        }
    }
}

/// What a case may do outside the platform, by whether it is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Conduct {
    /// Sign documents with the agency's real seal (else with the simulation seal, watermarked).
    pub real_seal: bool,
    /// Push decisions and verification tasks to the supervising department.
    pub push: bool,
    /// Notify the applicant (in-site, SMS, e-mail) and deliver documents electronically.
    pub notify_applicant: bool,
    /// Register the licence (public verification, open data, the licence register).
    pub publish_licence: bool,
    /// Count in the statistics and the public figures.
    pub count: bool,
    /// Be monitored (电子监察): the card sweeps issue cards on its deadlines. A simulated case's
    /// deadlines bind no one, and a card on it would count against real staff.
    pub monitor: bool,
}

impl Conduct {
    /// The conduct of a case: everything for a real one, nothing outside for a simulated one.
    pub fn of(simulated: bool) -> Self {
        let real = !simulated;
        Conduct {
            real_seal: real,
            push: real,
            notify_applicant: real,
            publish_licence: real,
            count: real,
            monitor: real,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_every_item_or_only_the_listed_ones() {
        let off = SimulationMode::default();
        assert!(!off.covers("A1"));
        let all = SimulationMode::new(true, &[]).unwrap();
        assert!(all.covers("A1") && all.covers("B2"));
        let some = SimulationMode::new(true, &[" B2 ".into(), "A1".into(), "A1".into()]).unwrap();
        assert_eq!(some.items, vec!["A1".to_string(), "B2".to_string()]);
        assert!(some.covers("A1") && !some.covers("C3"));
        let listed_but_off = SimulationMode::new(false, &["A1".into()]).unwrap();
        assert!(!listed_but_off.covers("A1"));
    }

    #[test]
    fn bad_item_codes_are_refused() {
        assert!(SimulationMode::new(true, &["".into()]).is_err());
        assert!(SimulationMode::new(true, &["A\u{0007}".into()]).is_err());
        let many: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("X{i}")).collect();
        let e = SimulationMode::new(true, &many).unwrap_err();
        assert!(e.to_string().contains("最多"));
    }

    #[test]
    fn a_simulated_case_does_nothing_outside() {
        let sim = Conduct::of(true);
        assert!(
            !sim.real_seal
                && !sim.push
                && !sim.notify_applicant
                && !sim.publish_licence
                && !sim.count
                && !sim.monitor
        );
        let real = Conduct::of(false);
        assert!(
            real.real_seal
                && real.push
                && real.notify_applicant
                && real.publish_licence
                && real.count
                && real.monitor
        );
    }

    #[test]
    fn describes_the_mode() {
        assert_eq!(SimulationMode::default().describe(), "正式运行");
        let some = SimulationMode::new(true, &["A1".into()]).unwrap();
        assert_eq!(some.describe(), "模拟运行（A1）");
    }
}
