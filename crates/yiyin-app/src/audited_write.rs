//! An audited write of the application layer: one store transaction with who writes and when,
//! finished by recording its event and committing (shared by the use cases that write this way).

use chrono::{DateTime, Utc};
use serde_json::Value;
use yiyin_domain::party::Actor;
use yiyin_store::WriteTx;
use yiyin_store::events::NewEvent;

use crate::App;
use crate::error::Result;
use crate::principal::Principal;

/// A write: its transaction, who writes and when.
pub(crate) struct AuditedWrite {
    pub(crate) tx: WriteTx,
    pub(crate) actor: Actor,
    pub(crate) at: DateTime<Utc>,
}

impl App {
    /// Opens a write for the caller, now.
    pub(crate) async fn audited_write(&self, who: &Principal) -> Result<AuditedWrite> {
        Ok(AuditedWrite {
            actor: who.actor(&self.org()),
            at: self.now(),
            tx: self.store.begin_write().await?,
        })
    }
}

impl AuditedWrite {
    /// The event of this write in a jurisdiction, of a case or of none.
    pub(crate) fn event(
        &self,
        jurisdiction: &str,
        case: Option<i64>,
        action: &str,
        reason: String,
        data: Value,
    ) -> NewEvent {
        NewEvent::new(
            &self.actor,
            self.at,
            jurisdiction,
            case,
            action,
            reason,
            data,
        )
    }

    /// Records the write's event and commits.
    pub(crate) async fn finish(mut self, event: NewEvent) -> Result<()> {
        self.tx.append_events(&[event]).await?;
        self.tx.commit().await?;
        Ok(())
    }
}
