//! Cases: receiving an application ([`intake`], from its typed [`input`]), acting on it and what
//! the passing of time does to it ([`act`]), and what staff, applicants and the public see of it
//! ([`views`]).

pub mod act;
pub mod input;
pub mod intake;
pub mod views;

use yiyin_blobs::{MAX_FILE_BYTES, sniff};
use yiyin_store::attachments::NewAttachment;

pub use act::ActOn;
pub use input::{AgentInput, ApplicantInput, outcome_of, representation_of};
pub use intake::{Receive, ReceiveOptions, Received, item_scope};
pub use views::{
    CaseLine, CasePage, CaseView, DocumentSummary, IntakeQueue, MONITORING_READ, QueueLine,
    QueuePage, TrackStep, TrackView, Worklist,
};

use crate::App;
use crate::error::{AppError, Result};

/// A file of a material, as uploaded or scanned.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The material's code in the item's list.
    pub material: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Checks a file: not empty, at most 10 MB, a PDF, JPG, PNG or OFD; the error names its field
    /// (`file_<material>`).
    pub fn check(&self) -> Result<()> {
        let field = format!("file_{}", self.material);
        if self.bytes.len() > MAX_FILE_BYTES {
            return Err(AppError::field(
                &field,
                format!("文件「{}」超过10MB，请压缩后再上传", self.name),
            ));
        }
        if sniff(&self.bytes).is_none() {
            return Err(AppError::field(
                &field,
                format!("文件「{}」不是PDF、JPG、PNG或OFD文件", self.name),
            ));
        }
        Ok(())
    }

    /// The file name as kept: no control characters or path separators, at most 120 characters.
    pub(crate) fn safe_name(&self) -> String {
        self.name
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(120)
            .collect()
    }
}

impl App {
    /// Keeps the bytes of uploaded files in the blob store (content-addressed: a file stored twice
    /// is kept once, and one kept for an application that is then refused harms nothing) and returns
    /// their attachments, to be written with the case.
    pub(crate) async fn keep_uploads(&self, uploads: &[Upload]) -> Result<Vec<NewAttachment>> {
        let mut out = Vec::with_capacity(uploads.len());
        for u in uploads {
            u.check()?;
            let digest = self.blobs.put(&u.bytes).await?;
            let (content_type, _) = sniff(&u.bytes).expect("checked");
            out.push(NewAttachment {
                material_code: u.material.clone(),
                file_name: u.safe_name(),
                content_type: content_type.into(),
                size: u.bytes.len() as i64,
                digest,
            });
        }
        Ok(out)
    }
}
