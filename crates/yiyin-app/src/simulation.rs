//! Simulation mode (模拟运行) in the application layer: reading and setting a jurisdiction's mode
//! (the bureau head, `Operation::ManageSimulation`, an audited event), marking a case simulated at
//! intake, and what a simulated case may do (`yiyin_domain::simulation::Conduct`), asked once per
//! concern where the concern is carried out:
//! - documents: [`App::keep_document`] signs with the simulation seal ([`simulation_seal`], a
//!   well-known key: its signature proves nothing) and marks the record `simulated`, so the PDF is
//!   watermarked 模拟 and verification answers 模拟文书，不具法律效力 (`crate::documents`);
//! - pushes, verification tasks, notices and electronic delivery to the applicant, and the licence
//!   register (public verification, open data): [`App::record_case`] does none of them;
//! - statistics and the public list of approvals: the store leaves simulated cases out.
//!
//! Nothing is queued for a simulated case, so switching the mode off has nothing to send.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::OnceLock;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::local_time;
use yiyin_domain::documents::DocumentRecord;
use yiyin_domain::simulation::{self, Conduct, SimulationError, SimulationMode};
use yiyin_domain::text::{TextKind, check};
use yiyin_seal::sealed::SealInfo;
use yiyin_seal::{SealKey, SealedDocument};
use yiyin_store::WriteTx;
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The event of a jurisdiction's mode set.
pub const SET: &str = "simulation_set";
/// The id a simulated document's seal carries (no seal in the register has it).
pub const SEAL_ID: i64 = 0;

impl From<SimulationError> for AppError {
    fn from(e: SimulationError) -> Self {
        match e {
            SimulationError::Field { field, message } => AppError::field(field, message),
        }
    }
}

/// A jurisdiction's simulation mode as shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationView {
    pub jurisdiction: String,
    /// Whether new applications are simulated.
    pub enabled: bool,
    /// Only these items are simulated; empty: every item.
    pub items: Vec<String>,
    /// The mode in words (正式运行 / 模拟运行（…）).
    pub description: String,
    /// The reason given when it was last set.
    pub reason: String,
    /// When it was last set (RFC 3339), if ever.
    pub set_at: Option<String>,
    /// How many cases were received in simulation (they stay simulated).
    pub simulated_cases: i64,
}

/// A mode as requested.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationRequest {
    pub enabled: bool,
    /// Only these item codes (e.g. a switch-over batch's); empty or absent: every item.
    #[serde(default)]
    pub items: Vec<String>,
    /// Why (e.g. 第一批划转事项试运行).
    #[serde(default)]
    pub reason: String,
}

/// The simulation seal's key: derived from a public label, so anyone could sign with it and its
/// signature gives a document no standing; it only keeps the simulated record unchanged.
pub fn simulation_key() -> &'static SealKey {
    static KEY: OnceLock<SealKey> = OnceLock::new();
    KEY.get_or_init(|| SealKey::well_known("yiyin-simulation-seal/1"))
}

/// The seal a simulated document of `agency` is signed with.
pub fn simulation_seal(agency: &str) -> SealInfo {
    SealInfo {
        id: SEAL_ID,
        name: simulation::SEAL_NAME.to_string(),
        holder: agency.to_string(),
        public_key: simulation_key().public_hex(),
        valid_from: "2000-01-01".into(),
        valid_until: "2099-12-31".into(),
    }
}

/// Whether a sealed document is a simulated one: signed with the simulation seal, or marked so.
pub fn is_simulated(sealed: &SealedDocument) -> bool {
    sealed.seal.public_key == simulation_key().public_hex()
        || sealed.document.get("simulated") == Some(&Value::Bool(true))
}

/// A simulated document's sealed form: the record marked `simulated`, signed with the simulation
/// seal.
pub fn seal_simulated(doc: &DocumentRecord, at: DateTime<Utc>) -> Result<String> {
    let mut value = serde_json::to_value(doc).map_err(AppError::internal)?;
    if let Value::Object(map) = &mut value {
        map.insert("simulated".into(), Value::Bool(true));
        map.insert("watermark".into(), json!(simulation::WATERMARK));
    }
    let sealed = SealedDocument::seal(
        value,
        simulation_seal(&doc.agency),
        simulation_key(),
        &local_time(at),
    );
    Ok(sealed.to_json())
}

impl App {
    /// A jurisdiction's simulation mode, for its staff.
    pub async fn simulation(&self, who: &Principal, jurisdiction: &str) -> Result<SimulationView> {
        who.require_staff()?;
        self.jurisdiction(jurisdiction)?;
        if !who
            .account
            .grants
            .iter()
            .any(|g| g.jurisdiction == jurisdiction)
        {
            return Err(AppError::Forbidden(format!(
                "您在「{jurisdiction}」没有岗位，不能查看其模拟运行设置"
            )));
        }
        self.simulation_view(jurisdiction).await
    }

    async fn simulation_view(&self, jurisdiction: &str) -> Result<SimulationView> {
        let row = self.store.simulation(jurisdiction).await?;
        let mode = row.as_ref().map(|r| r.mode()).unwrap_or_default();
        Ok(SimulationView {
            jurisdiction: jurisdiction.to_string(),
            enabled: mode.enabled,
            description: mode.describe(),
            items: mode.items,
            reason: row.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
            set_at: row
                .as_ref()
                .and_then(|r| DateTime::<Utc>::from_timestamp_millis(r.set_at).map(local_time)),
            simulated_cases: self.store.simulated_count(jurisdiction).await?,
        })
    }

    /// The mode a jurisdiction runs in (for banners; the default when never set).
    pub async fn simulation_mode(&self, jurisdiction: &str) -> Result<SimulationMode> {
        Ok(self
            .store
            .simulation(jurisdiction)
            .await?
            .map(|r| r.mode())
            .unwrap_or_default())
    }

    /// The banner lines of the staff pages: each of the account's jurisdictions running in
    /// simulation, in words (empty when none).
    pub async fn simulation_banner(&self, who: &Principal) -> Result<Vec<String>> {
        let mut codes: Vec<&str> = who
            .account
            .grants
            .iter()
            .map(|g| g.jurisdiction.as_str())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let org = self.org();
        let mut out = Vec::new();
        for code in codes {
            let mode = self.simulation_mode(code).await?;
            if mode.enabled {
                let name = org.jurisdiction(code).map_or(code, |j| j.name.as_str());
                // Only some items simulated: say that only theirs are.
                let which = if mode.items.is_empty() {
                    ""
                } else {
                    "上述事项"
                };
                out.push(format!(
                    "{}：{}{}——{which}新收办件为模拟办件，文书不具法律效力，不推送、不通知申请人、不计入统计",
                    simulation::BANNER,
                    name,
                    mode.describe().trim_start_matches("模拟运行")
                ));
            }
        }
        Ok(out)
    }

    /// Whether a case was received in simulation.
    pub async fn case_simulated(&self, case_id: i64) -> Result<bool> {
        Ok(self.store.is_simulated(case_id).await?)
    }

    /// Sets a jurisdiction's simulation mode: the bureau head, with the item codes checked against
    /// the jurisdiction's catalog; recorded as an audited event. Cases already received keep
    /// their flag either way.
    pub async fn set_simulation(
        &self,
        who: &Principal,
        jurisdiction: &str,
        req: &SimulationRequest,
    ) -> Result<SimulationView> {
        who.require_in(Operation::ManageSimulation, jurisdiction)?;
        self.jurisdiction(jurisdiction)?;
        let reason = req.reason.trim();
        check("reason", reason, TextKind::Long)
            .map_err(|e| AppError::field("reason", e.to_string()))?;
        let mode = SimulationMode::new(req.enabled, &req.items)?;
        if !mode.items.is_empty() {
            let known: Vec<String> = self
                .store
                .catalog_as_of(jurisdiction, self.today())
                .await?
                .into_iter()
                .map(|v| v.item.code)
                .collect();
            if let Some(unknown) = mode.items.iter().find(|c| !known.contains(c)) {
                return Err(AppError::field(
                    "items",
                    format!("事项编码「{unknown}」不在本县区现行的事项目录中"),
                ));
            }
        }
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let before = tx.simulation_mode(jurisdiction).await?;
        tx.set_simulation(
            jurisdiction,
            &mode,
            reason,
            who.account.id,
            at.timestamp_millis(),
        )
        .await?;
        let words = if reason.is_empty() {
            format!("{}改为{}", before.describe(), mode.describe())
        } else {
            format!("{}改为{}：{reason}", before.describe(), mode.describe())
        };
        let event = NewEvent::new(
            &who.actor(&self.org()),
            at,
            jurisdiction,
            None,
            SET,
            words,
            json!({
                "enabled": mode.enabled,
                "items": mode.items,
                "was_enabled": before.enabled,
                "was_items": before.items,
            }),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.simulation_view(jurisdiction).await
    }

    /// Puts the items of a batch (e.g. a switch-over batch's, `crate::transition`) into simulation,
    /// keeping the jurisdiction's other simulated items: for the batch's 试运行 before its switch.
    pub async fn simulate_items(
        &self,
        who: &Principal,
        jurisdiction: &str,
        items: &[String],
        reason: &str,
    ) -> Result<SimulationView> {
        let current = self.simulation_mode(jurisdiction).await?;
        if current.enabled && current.items.is_empty() {
            // Every item is simulated already.
            return self.simulation(who, jurisdiction).await;
        }
        let mut all = if current.enabled {
            current.items
        } else {
            vec![]
        };
        all.extend(items.iter().cloned());
        self.set_simulation(
            who,
            jurisdiction,
            &SimulationRequest {
                enabled: true,
                items: all,
                reason: reason.to_string(),
            },
        )
        .await
    }

    /// Marks a case being received as simulated when the jurisdiction's mode covers its item;
    /// returns whether it did. The one place the flag is decided (at intake, never later).
    pub(crate) async fn mark_if_simulated(
        &self,
        tx: &mut WriteTx,
        jurisdiction: &str,
        item_code: &str,
        case_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mode = tx.simulation_mode(jurisdiction).await?;
        if !mode.covers(item_code) {
            return Ok(false);
        }
        tx.mark_simulated(case_id, jurisdiction, at.timestamp_millis())
            .await?;
        Ok(true)
    }

    /// What a case may do outside (see the module documentation).
    pub(crate) async fn conduct_in(&self, tx: &mut WriteTx, case_id: i64) -> Result<Conduct> {
        Ok(Conduct::of(tx.case_simulated(case_id).await?))
    }
}
