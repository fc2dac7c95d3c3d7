//! Files attached to a ticket (附件): photos and PDFs given at intake (by the hotline agent, the
//! applicant on the portal or anyone on the public form) and the department's evidence of handling
//! given with its reply. The files are checked as case materials are ([`Upload::check`]: not empty,
//! within the upload size limit, a PDF, JPG, PNG or OFD), at most [`FILES_PER_STAGE`] per ticket and
//! stage; a refused file refuses the whole act and nothing is written. The bytes go to the blob
//! store, the rows are written in the act's transaction with a history entry and a chained event.
//!
//! Only the ticket's readers ([`App::ticket_view`]'s rule: the centre of the jurisdiction, the
//! department holding the ticket, the applicant who filed it) list and download them; the public
//! and partner applications learn only how many there are.

use serde::Serialize;
use serde_json::json;
use yiyin_blobs::sniff;
use yiyin_domain::party::Actor;
use yiyin_domain::tickets::TicketState;
use yiyin_store::events::NewEvent;
use yiyin_store::ticket_attachments::{NewTicketAttachment, TicketAttachment};
use yiyin_store::tickets::NewTicketEvent;

use super::{Access, minute};
use crate::App;
use crate::cases::Upload;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The most files a ticket holds at one stage.
pub const FILES_PER_STAGE: usize = 5;

/// When a file was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStage {
    /// With the ticket, at intake (or added later by the centre or the applicant).
    Intake,
    /// By the department, as evidence of handling, with or before its reply.
    Reply,
}

impl FileStage {
    pub fn code(self) -> &'static str {
        match self {
            FileStage::Intake => "intake",
            FileStage::Reply => "reply",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileStage::Intake => "诉求附件",
            FileStage::Reply => "办理佐证材料",
        }
    }

    fn of(code: &str) -> FileStage {
        if code == "reply" {
            FileStage::Reply
        } else {
            FileStage::Intake
        }
    }
}

/// A file of a ticket as its readers see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketFile {
    pub id: i64,
    /// `intake` or `reply`.
    pub stage: String,
    /// 诉求附件 or 办理佐证材料.
    pub stage_label: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// YYYY-MM-DD HH:MM (China Standard Time).
    pub uploaded_at: String,
    /// Who gave it (staff readers only).
    pub uploaded_by: Option<String>,
}

/// Files checked and kept in the blob store, to be written with an act.
#[derive(Debug, Clone, Default)]
pub(super) struct KeptFiles {
    pub(super) files: Vec<NewTicketAttachment>,
}

impl KeptFiles {
    pub(super) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Refuses more files than a stage holds.
fn check_count(stage: FileStage, already: usize, adding: usize) -> Result<()> {
    if already + adding > FILES_PER_STAGE {
        let left = FILES_PER_STAGE.saturating_sub(already);
        return Err(AppError::field(
            "files",
            format!(
                "每个工单的{}最多{FILES_PER_STAGE}个文件，已有{already}个，还可上传{left}个",
                stage.label()
            ),
        ));
    }
    Ok(())
}

impl App {
    /// Checks every file first (count, with those the ticket, if any, holds at the stage; size;
    /// kind), then keeps their bytes in the blob store (content-addressed: a file kept for an act
    /// that then fails harms nothing).
    pub(super) async fn keep_ticket_files(
        &self,
        stage: FileStage,
        ticket: Option<i64>,
        uploads: &[Upload],
    ) -> Result<KeptFiles> {
        let already = match ticket {
            Some(id) => self
                .store
                .ticket_attachments(id)
                .await?
                .iter()
                .filter(|a| a.stage == stage.code())
                .count(),
            None => 0,
        };
        check_count(stage, already, uploads.len())?;
        for u in uploads {
            u.check()?;
        }
        let mut files = Vec::with_capacity(uploads.len());
        for u in uploads {
            let digest = self.blobs.put(&u.bytes).await?;
            let (content_type, _) = sniff(&u.bytes).expect("checked");
            let mut file_name = u.safe_name();
            if file_name.trim().is_empty() {
                file_name = format!("附件{}", files.len() + 1);
            }
            files.push(NewTicketAttachment {
                file_name,
                content_type: content_type.into(),
                size: u.bytes.len() as i64,
                digest,
            });
        }
        Ok(KeptFiles { files })
    }

    /// The files of a ticket, for a reader already allowed to see it.
    pub(super) async fn ticket_files_of(
        &self,
        ticket_id: i64,
        staff: bool,
    ) -> Result<Vec<TicketFile>> {
        Ok(self
            .store
            .ticket_attachments(ticket_id)
            .await?
            .into_iter()
            .map(|a| file_view(a, staff))
            .collect())
    }

    /// The files of a ticket, for those who may read the ticket.
    pub async fn ticket_files(&self, who: &Principal, ticket_id: i64) -> Result<Vec<TicketFile>> {
        let rec = self.ticket_record(ticket_id).await?;
        self.ticket_access(who, &rec)?;
        self.ticket_files_of(rec.id, who.is_staff()).await
    }

    /// One file of a ticket with its bytes (checked against their digest), for those who may read
    /// the ticket: the centre of its jurisdiction, the department holding it, the applicant who
    /// filed it.
    pub async fn ticket_attachment(
        &self,
        who: &Principal,
        ticket_id: i64,
        attachment_id: i64,
    ) -> Result<(TicketFile, Vec<u8>)> {
        let rec = self.ticket_record(ticket_id).await?;
        self.ticket_access(who, &rec)?;
        let a = self
            .store
            .ticket_attachment(rec.id, attachment_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("工单{}没有该附件", rec.number)))?;
        let bytes = self.blobs.get(&a.digest).await?;
        Ok((file_view(a, who.is_staff()), bytes))
    }

    /// Adds files to a ticket after its intake: the centre or the applicant who filed it add to
    /// the ticket's own files, the department holding it adds evidence of its handling. Not on a
    /// closed or merged ticket.
    pub async fn add_ticket_files(
        &self,
        who: &Principal,
        ticket_id: i64,
        uploads: &[Upload],
    ) -> Result<Vec<TicketFile>> {
        let rec = self.ticket_record(ticket_id).await?;
        let access = self.ticket_access(who, &rec)?;
        if matches!(rec.state, TicketState::Closed | TicketState::Merged) {
            return Err(AppError::Conflict(format!(
                "工单{}已{}，不能再添加附件",
                rec.number,
                rec.state.label()
            )));
        }
        if uploads.is_empty() {
            return Err(AppError::field("files", "请选择要上传的文件"));
        }
        let stage = match access {
            Access::Handler => FileStage::Reply,
            Access::Centre | Access::Applicant => FileStage::Intake,
        };
        let kept = self.keep_ticket_files(stage, Some(rec.id), uploads).await?;
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let head = (rec.id, rec.number.as_str(), rec.jurisdiction.as_str());
        attach_in(
            &mut tx,
            head,
            &actor,
            at,
            stage,
            rec.department.as_deref(),
            &kept,
        )
        .await?;
        tx.commit().await?;
        self.ticket_files_of(rec.id, who.is_staff()).await
    }
}

fn file_view(a: TicketAttachment, staff: bool) -> TicketFile {
    let stage = FileStage::of(&a.stage);
    TicketFile {
        id: a.id,
        stage: stage.code().into(),
        stage_label: stage.label().into(),
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        uploaded_at: minute(a.uploaded_at),
        uploaded_by: staff.then_some(a.uploaded_by),
    }
}

/// Writes kept files to a ticket in the write `tx` (the stage's limit checked again inside it, so
/// that two uploads at once cannot pass it together), with the ticket's history entry (the count
/// only: the history is shown to the public) and the chained event naming each file.
pub(super) async fn attach_in(
    tx: &mut yiyin_store::WriteTx,
    (id, number, jurisdiction): (i64, &str, &str),
    actor: &Actor,
    at: chrono::DateTime<chrono::Utc>,
    stage: FileStage,
    department: Option<&str>,
    kept: &KeptFiles,
) -> Result<()> {
    if kept.is_empty() {
        return Ok(());
    }
    let already = tx.ticket_attachment_count(id, stage.code()).await?;
    check_count(
        stage,
        usize::try_from(already).unwrap_or(usize::MAX),
        kept.files.len(),
    )?;
    let at_ms = at.timestamp_millis();
    let ids = tx
        .attach_to_ticket(id, stage.code(), &kept.files, &actor.name, at_ms)
        .await?;
    let note = format!("{}{}个", stage.label(), kept.files.len());
    let files: Vec<_> = ids
        .iter()
        .zip(&kept.files)
        .map(|(aid, f)| {
            json!({"id": aid, "name": f.file_name, "content_type": f.content_type,
                "size": f.size, "digest": f.digest})
        })
        .collect();
    tx.add_ticket_event(&NewTicketEvent {
        ticket_id: id,
        at: at_ms,
        actor: &actor.name,
        actor_account: actor.account,
        action: "attach",
        department,
        note: &note,
        data: json!({"stage": stage.code(), "files": ids}).to_string(),
    })
    .await?;
    let event = NewEvent::new(
        actor,
        at,
        jurisdiction,
        None,
        "ticket_attach",
        format!("工单{number}：上传{note}"),
        json!({"ticket": id, "number": number, "stage": stage.code(),
            "department": department, "files": files}),
    );
    tx.append_events(&[event]).await?;
    Ok(())
}
