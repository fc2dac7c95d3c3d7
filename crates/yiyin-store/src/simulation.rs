//! Simulation mode (模拟运行): each jurisdiction's setting as its bureau head last set it, and the
//! cases received under it (the flag is fixed at intake: switching the mode off deletes nothing
//! here). The rules are `yiyin_domain::simulation`'s.

use yiyin_domain::simulation::SimulationMode;

use crate::rows::{record, select, sql};
use crate::{Result, Store, StoreError, WriteTx};

record! {
    /// A jurisdiction's simulation setting as stored.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SimulationRow {
        pub jurisdiction: String,
        pub enabled: bool,
        /// JSON array of item codes ("[]": every item).
        pub items: String,
        pub reason: String,
        pub set_by: i64,
        pub set_at: i64,
    }
}

impl SimulationRow {
    /// The mode it stores.
    pub fn mode(&self) -> SimulationMode {
        SimulationMode {
            enabled: self.enabled,
            items: serde_json::from_str(&self.items).unwrap_or_default(),
        }
    }
}

fn items_json(mode: &SimulationMode) -> Result<String> {
    serde_json::to_string(&mode.items).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// A jurisdiction's simulation setting (None: never set, it runs for real).
    pub async fn simulation(&self, jurisdiction: &str) -> Result<Option<SimulationRow>> {
        sql!(select::<SimulationRow>("simulation_settings WHERE jurisdiction = $1"); jurisdiction)
            .optional(self.reader())
            .await
    }

    /// Whether a case was received in simulation.
    pub async fn is_simulated(&self, case_id: i64) -> Result<bool> {
        let found: Option<i64> =
            sql!("SELECT case_id FROM simulated_cases WHERE case_id = $1"; case_id)
                .optional_scalar(self.reader())
                .await?;
        Ok(found.is_some())
    }

    /// How many cases of a jurisdiction were received in simulation.
    pub async fn simulated_count(&self, jurisdiction: &str) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM simulated_cases WHERE jurisdiction = $1"; jurisdiction)
            .scalar(self.reader())
            .await
    }
}

impl WriteTx {
    /// A jurisdiction's simulation mode, read in the transaction (the default when never set).
    pub async fn simulation_mode(&mut self, jurisdiction: &str) -> Result<SimulationMode> {
        let row: Option<SimulationRow> = sql!(
            select::<SimulationRow>("simulation_settings WHERE jurisdiction = $1"); jurisdiction)
        .optional(&mut **self)
        .await?;
        Ok(row.map(|r| r.mode()).unwrap_or_default())
    }

    /// Sets a jurisdiction's simulation mode (replacing the previous setting).
    pub async fn set_simulation(
        &mut self,
        jurisdiction: &str,
        mode: &SimulationMode,
        reason: &str,
        set_by: i64,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO simulation_settings (jurisdiction, enabled, items, reason, set_by, set_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (jurisdiction) DO UPDATE SET enabled = excluded.enabled,
             items = excluded.items, reason = excluded.reason, set_by = excluded.set_by,
             set_at = excluded.set_at";
            jurisdiction, i64::from(mode.enabled), items_json(mode)?, reason, set_by, at_ms)
        .run(&mut **self)
        .await
    }

    /// Marks a case as received in simulation (once; a second mark changes nothing).
    pub async fn mark_simulated(
        &mut self,
        case_id: i64,
        jurisdiction: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO simulated_cases (case_id, jurisdiction, marked_at) VALUES ($1, $2, $3)
             ON CONFLICT (case_id) DO NOTHING";
            case_id, jurisdiction, at_ms)
        .run(&mut **self)
        .await?;
        self.simulated.insert(case_id, true);
        Ok(())
    }

    /// Whether a case was received in simulation, read in the transaction (once a write).
    pub async fn case_simulated(&mut self, case_id: i64) -> Result<bool> {
        if let Some(known) = self.simulated.get(&case_id) {
            return Ok(*known);
        }
        let found: Option<i64> =
            sql!("SELECT case_id FROM simulated_cases WHERE case_id = $1"; case_id)
                .optional_scalar(&mut **self)
                .await?;
        self.simulated.insert(case_id, found.is_some());
        Ok(found.is_some())
    }
}
