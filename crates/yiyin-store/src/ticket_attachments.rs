//! The files attached to a requests-centre ticket (12345 工单): photos and PDFs given at intake and
//! the department's evidence given with its reply. Their metadata lives here, their bytes in the
//! blob store under their digest. Who may read them is the application's to decide.

use crate::rows::{insert, record, select, sql};
use crate::{Result, Store, WriteTx};

record! {
    /// A file attached to a ticket.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    pub struct TicketAttachment {
        pub id: i64,
        pub ticket_id: i64,
        /// `intake` (given with the ticket) or `reply` (the department's evidence).
        pub stage: String,
        pub file_name: String,
        pub content_type: String,
        pub size: i64,
        /// The SM3 digest of the bytes: their key in the blob store.
        pub digest: String,
        pub uploaded_by: String,
        pub uploaded_at: i64,
    }
}

/// A file to attach to a ticket (its bytes already in the blob store).
#[derive(Debug, Clone)]
pub struct NewTicketAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
}

impl WriteTx {
    /// Attaches files to a ticket at a stage, in the write transaction; returns their ids.
    pub async fn attach_to_ticket(
        &mut self,
        ticket_id: i64,
        stage: &str,
        files: &[NewTicketAttachment],
        by: &str,
        at_ms: i64,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(files.len());
        for f in files {
            let id: i64 = insert!("ticket_attachments";
                ticket_id, stage, file_name = &f.file_name, content_type = &f.content_type,
                size = f.size, digest = &f.digest, uploaded_by = by, uploaded_at = at_ms;
                "RETURNING id")
            .scalar(&mut **self)
            .await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// How many files a ticket holds at a stage, read in the write transaction (so that two
    /// uploads at once cannot pass the limit together).
    pub async fn ticket_attachment_count(&mut self, ticket_id: i64, stage: &str) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM ticket_attachments WHERE ticket_id = $1 AND stage = $2";
            ticket_id, stage)
        .scalar(&mut **self)
        .await
    }
}

impl Store {
    /// The files of a ticket, intake first, in the order they were given.
    pub async fn ticket_attachments(&self, ticket_id: i64) -> Result<Vec<TicketAttachment>> {
        let from = "ticket_attachments WHERE ticket_id = $1 ORDER BY stage, id";
        sql!(select::<TicketAttachment>(from); ticket_id)
            .all(self.reader())
            .await
    }

    /// One file of a ticket (None when the ticket has no such file).
    pub async fn ticket_attachment(
        &self,
        ticket_id: i64,
        id: i64,
    ) -> Result<Option<TicketAttachment>> {
        let from = "ticket_attachments WHERE ticket_id = $1 AND id = $2";
        sql!(select::<TicketAttachment>(from); ticket_id, id)
            .optional(self.reader())
            .await
    }

    /// How many files a ticket holds (what the public may know of them).
    pub async fn ticket_attachment_total(&self, ticket_id: i64) -> Result<i64> {
        sql!("SELECT COUNT(*) FROM ticket_attachments WHERE ticket_id = $1"; ticket_id)
            .scalar(self.reader())
            .await
    }
}
