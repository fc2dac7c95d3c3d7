//! Registering a ticket: a hotline call by a centre agent, a request by a logged-in applicant on
//! the portal, the anonymous public form and a partner application (Open311), all filed the same
//! way.

use chrono::Datelike;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{cst, local_date};
use yiyin_domain::party::{Actor, Channel};
use yiyin_domain::text::{TextKind, check};
use yiyin_domain::tickets::{Ticket, TicketAction, TicketType, Urgency};
use yiyin_store::tickets::{NewTicket, TicketChange};

use super::attachments::attach_in;
use super::{
    Access, FileStage, Registered, Source, TicketInput, given, phone, record, required,
    source_label, ticket_error,
};
use crate::App;
use crate::cases::Upload;
use crate::error::{AppError, Result};
use crate::principal::Principal;

impl App {
    /// Registers a ticket: a hotline call by a centre agent (the callback phone required; the
    /// agent may answer directly), or a request by a logged-in applicant on the portal.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn register_ticket(
        &self,
        who: &Principal,
        input: &TicketInput,
    ) -> Result<Registered> {
        self.register_ticket_with_files(who, input, &[]).await
    }

    /// [`App::register_ticket`] with files given at intake (photos, PDFs; at most
    /// [`super::FILES_PER_STAGE`]): the ticket and its files are kept together, or not at all.
    pub async fn register_ticket_with_files(
        &self,
        who: &Principal,
        input: &TicketInput,
        files: &[Upload],
    ) -> Result<Registered> {
        check("jurisdiction", &input.jurisdiction, TextKind::Short)?;
        if who.is_staff() {
            who.require_in(Operation::TakeTickets, input.jurisdiction.trim())?;
            if given(input.caller_phone.as_deref()).is_none() {
                return Err(AppError::field("caller_phone", "热线登记须填写回电号码"));
            }
            let actor = who.actor(&self.org());
            self.file_ticket(Source::Hotline, None, None, input, actor, true, files)
                .await
        } else {
            let mut input = input.clone();
            input
                .caller_name
                .get_or_insert_with(|| who.account.name.clone());
            let actor = who.actor(&self.org());
            self.file_ticket(
                Source::Portal,
                None,
                Some(who.account.id),
                &input,
                actor,
                false,
                files,
            )
            .await
        }
    }

    /// Registers a ticket from the public form, anonymously (name and phone optional).
    pub async fn register_public_ticket(&self, input: &TicketInput) -> Result<Registered> {
        self.register_public_ticket_with_files(input, &[]).await
    }

    /// [`App::register_public_ticket`] with files given at intake, kept with the ticket or not at
    /// all.
    pub async fn register_public_ticket_with_files(
        &self,
        input: &TicketInput,
        files: &[Upload],
    ) -> Result<Registered> {
        let actor = Actor {
            name: "公众（诉求表单）".into(),
            account: None,
            channel: Channel::Online,
        };
        self.file_ticket(Source::Public, None, None, input, actor, false, files)
            .await
    }

    /// Registers a ticket sent by a partner application (Open311), named by the caller of this
    /// function once it has checked the partner's key.
    pub async fn register_partner_ticket(
        &self,
        partner: &str,
        input: &TicketInput,
    ) -> Result<Registered> {
        check("partner", partner, TextKind::Name)?;
        let actor = Actor {
            name: format!("合作应用 {}", partner.trim()),
            account: None,
            channel: Channel::Online,
        };
        self.file_ticket(
            Source::Partner,
            Some(partner.trim()),
            None,
            input,
            actor,
            false,
            &[],
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn file_ticket(
        &self,
        source: Source,
        partner: Option<&str>,
        applicant: Option<i64>,
        input: &TicketInput,
        actor: Actor,
        may_answer: bool,
        files: &[Upload],
    ) -> Result<Registered> {
        let jurisdiction = input.jurisdiction.trim();
        let j = self.jurisdiction(jurisdiction)?;
        if !j.has_catalog() {
            return Err(AppError::field(
                "jurisdiction",
                format!("{}不受理诉求工单", j.name),
            ));
        }
        let ticket_type = AppError::choice::<TicketType>("type", &input.ticket_type, |w| {
            format!("诉求类型应为以下之一：{w}")
        })?;
        let urgency = match given(input.urgency.as_deref()) {
            None => Urgency::Normal,
            Some(u) => {
                AppError::choice::<Urgency>("urgency", u, |w| format!("紧急程度应为以下之一：{w}"))?
            }
        };
        check("category", &input.category, TextKind::Short)?;
        let category = self
            .store
            .ticket_category(jurisdiction, &input.category)
            .await?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::field("category", "请选择有效的诉求分类"))?;
        let content = required("content", &input.content, TextKind::Long, "请填写诉求内容")?;
        check("location", &input.location, TextKind::Short)?;
        let location = input.location.trim().to_string();
        let (latitude, longitude) = match (input.latitude, input.longitude) {
            (None, None) => (None, None),
            (Some(la), Some(lo))
                if la.is_finite()
                    && lo.is_finite()
                    && (-90.0..=90.0).contains(&la)
                    && (-180.0..=180.0).contains(&lo) =>
            {
                (Some(la), Some(lo))
            }
            _ => {
                return Err(AppError::field(
                    "latitude",
                    "坐标须同时给出纬度（-90至90）和经度（-180至180）",
                ));
            }
        };
        check(
            "caller_name",
            input.caller_name.as_deref().unwrap_or(""),
            TextKind::Name,
        )?;
        let caller_name = given(input.caller_name.as_deref()).map(str::to_string);
        let caller_phone = phone("caller_phone", input.caller_phone.as_deref())?;
        check(
            "direct_reply",
            input.direct_reply.as_deref().unwrap_or(""),
            TextKind::Long,
        )?;
        let direct = given(input.direct_reply.as_deref());
        if direct.is_some() && !may_answer {
            return Err(AppError::Forbidden(
                "无权直接答复：直接答复由诉求服务中心话务员在登记时作出".into(),
            ));
        }
        let matrix = self.ticket_matrix(jurisdiction).await?;
        let at = self.now();
        let today = local_date(at);
        let calendar = self.calendar();
        // The exact local time: an urgent ticket's hour limits count from it.
        let moment = at.with_timezone(&cst()).naive_local();
        let created = Ticket::create_at(
            ticket_type,
            urgency,
            matrix.deadlines(ticket_type, urgency),
            moment,
            &calendar,
        )?;
        let ticket = match direct {
            Some(_) => created
                .apply_at(&TicketAction::DirectReply {}, moment, &calendar)
                .map_err(ticket_error)?,
            None => created.clone(),
        };
        let kept = self
            .keep_ticket_files(FileStage::Intake, None, files)
            .await?;
        let query_code = crate::accounts::random_code(6);
        let mut tx = self.store.begin_write().await?;
        let serial = tx.next_ticket_number(jurisdiction, today.year()).await?;
        let number = format!("{}-12345-{}-{serial:06}", j.number_prefix(), today.year());
        let id = tx
            .insert_ticket(&NewTicket {
                number: &number,
                query_code: &query_code,
                jurisdiction,
                source: source.code(),
                partner,
                category: &category,
                content: &content,
                location: &location,
                latitude,
                longitude,
                caller_name: caller_name.as_deref(),
                caller_phone: caller_phone.as_deref(),
                applicant_account: applicant,
                ticket: &ticket,
                at_ms: at.timestamp_millis(),
            })
            .await?;
        let head = (id, number.as_str(), jurisdiction);
        let data = json!({"source": source.code(), "type": ticket_type.code(),
            "urgency": urgency.code(), "category": category.code, "category_version": category.version});
        let summary = format!("{}，{}", source_label(source.code()), category.name);
        record(
            &mut tx,
            head,
            &actor,
            at,
            &TicketAction::Create {},
            None,
            &summary,
            data,
        )
        .await?;
        attach_in(&mut tx, head, &actor, at, FileStage::Intake, None, &kept).await?;
        if let Some(text) = direct {
            tx.update_ticket(
                id,
                1,
                &TicketChange {
                    ticket: &ticket,
                    master_id: None,
                    reply: Some(text),
                    satisfaction: None,
                    at_ms: at.timestamp_millis(),
                },
            )
            .await?;
            let action = TicketAction::DirectReply {};
            record(&mut tx, head, &actor, at, &action, None, text, json!({})).await?;
        }
        tx.commit().await?;
        let rec = self.ticket_record(id).await?;
        Ok(Registered {
            ticket: self.ticket_as_seen(&rec, Access::Centre, true).await?,
            query_code,
        })
    }
}
