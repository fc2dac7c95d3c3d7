//! Partner applications of the requests centre (the Open311 GeoReport v2 interface): the keys the
//! centre's manager issues to a partner application (shown once, kept as their SM3), lists and
//! revokes, the check of
//! a key when a partner files a request, and what partners read — the categories as services, the
//! tickets of the jurisdiction as the public sees them, by number or by token.
//!
//! A token is the ticket's number and its query code joined by `-`
//! (`HY-12345-2026-000001-ABCDEF`): it is given to the partner that filed the ticket and follows
//! the ticket as the query code does on the public page.

use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::text::{TextKind, check};
use yiyin_store::events::NewEvent;
use yiyin_store::open311::PartnerKey;
use yiyin_store::tickets::TicketFilter;

use super::{PublicTicket, Registered, TicketInput, required};
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// A partner key just issued: the key itself is shown this once.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedKey {
    pub id: i64,
    pub jurisdiction: String,
    /// The partner application's name.
    pub name: String,
    /// The key (`api_key` of Open311): shown once, only its SM3 is kept.
    pub key: String,
}

/// A category of the catalog as partners see it (an Open311 service).
#[derive(Debug, Clone, Serialize)]
pub struct PartnerService {
    pub code: String,
    pub name: String,
    pub department_name: String,
}

/// A ticket a partner filed: the public view and its token.
#[derive(Debug, Clone)]
pub struct PartnerFiled {
    pub ticket: PublicTicket,
    pub token: String,
}

fn key_hash(key: &str) -> String {
    yiyin_seal::sm3_hex(key.trim().as_bytes())
}

impl App {
    /// Issues a key to a partner application of a jurisdiction, by the centre's manager. The key
    /// is returned once.
    pub async fn issue_partner_key(
        &self,
        who: &Principal,
        jurisdiction: &str,
        name: &str,
    ) -> Result<IssuedKey> {
        check("jurisdiction", jurisdiction, TextKind::Short)?;
        let jurisdiction = jurisdiction.trim();
        who.require_in(Operation::ManageTickets, jurisdiction)?;
        let j = self.jurisdiction(jurisdiction)?;
        if !j.has_catalog() {
            return Err(AppError::field(
                "jurisdiction",
                format!("{}不受理诉求工单", j.name),
            ));
        }
        let name = required("name", name, TextKind::Name, "请填写合作应用名称")?;
        let key = crate::accounts::random_token();
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let id = tx
            .insert_partner_key(
                jurisdiction,
                &name,
                &key_hash(&key),
                &actor.name,
                at.timestamp_millis(),
            )
            .await?;
        let event = NewEvent::new(
            &actor,
            at,
            jurisdiction,
            None,
            "partner_key",
            format!("为合作应用「{name}」签发 Open311 接口密钥"),
            json!({"partner_key": id, "name": name}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        Ok(IssuedKey {
            id,
            jurisdiction: jurisdiction.to_string(),
            name,
            key,
        })
    }

    /// A jurisdiction's partner keys (never the keys themselves), for the centre's manager.
    pub async fn partner_keys(
        &self,
        who: &Principal,
        jurisdiction: &str,
    ) -> Result<Vec<PartnerKey>> {
        check("jurisdiction", jurisdiction, TextKind::Short)?;
        who.require_in(Operation::ManageTickets, jurisdiction.trim())?;
        Ok(self.store.partner_keys(jurisdiction.trim()).await?)
    }

    /// Revokes a partner key, by the centre's manager of its jurisdiction: the partner's requests
    /// are refused from then on.
    pub async fn revoke_partner_key(&self, who: &Principal, id: i64) -> Result<PartnerKey> {
        let not_found = || AppError::NotFound(format!("没有编号为{id}的合作应用密钥"));
        let found = self
            .store
            .partner_key_by_id(id)
            .await?
            .ok_or_else(not_found)?;
        who.require_in(Operation::ManageTickets, &found.jurisdiction)?;
        if found.revoked {
            return Err(AppError::Conflict(format!(
                "合作应用「{}」的密钥已停用",
                found.name
            )));
        }
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        tx.revoke_partner_key(id).await?;
        let event = NewEvent::new(
            &actor,
            at,
            &found.jurisdiction,
            None,
            "partner_key_revoked",
            format!("停用合作应用「{}」的 Open311 接口密钥", found.name),
            json!({"partner_key": id, "name": found.name}),
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.store
            .partner_key_by_id(id)
            .await?
            .ok_or_else(not_found)
    }

    /// The partner holding `key`, if the key is valid for `jurisdiction`.
    pub async fn check_partner_key(&self, jurisdiction: &str, key: &str) -> Result<PartnerKey> {
        check("api_key", key, TextKind::Short)?;
        let refused = || AppError::Forbidden("api_key 无效或已停用".into());
        if key.trim().is_empty() {
            return Err(AppError::Forbidden("须提供 api_key".into()));
        }
        let found = self
            .store
            .partner_key(&key_hash(key))
            .await?
            .ok_or_else(refused)?;
        if found.revoked || found.jurisdiction != jurisdiction.trim() {
            return Err(refused());
        }
        Ok(found)
    }

    /// Files a ticket for the partner holding `key` (its jurisdiction is the key's).
    pub async fn file_partner_ticket(
        &self,
        key: &str,
        input: &TicketInput,
    ) -> Result<PartnerFiled> {
        let partner = self.check_partner_key(&input.jurisdiction, key).await?;
        let Registered { ticket, query_code } =
            self.register_partner_ticket(&partner.name, input).await?;
        let rec = self.ticket_record(ticket.id).await?;
        Ok(PartnerFiled {
            token: format!("{}-{query_code}", rec.number),
            ticket: self.public_ticket(&rec).await?,
        })
    }

    /// The current categories of a jurisdiction with their departments, as partners see them.
    pub async fn partner_services(&self, jurisdiction: &str) -> Result<Vec<PartnerService>> {
        let j = self.jurisdiction(jurisdiction)?;
        if !j.has_catalog() {
            return Err(AppError::NotFound(format!("{}不受理诉求工单", j.name)));
        }
        Ok(self
            .ticket_categories(jurisdiction)
            .await?
            .into_iter()
            .filter(|c| c.active)
            .map(|c| PartnerService {
                department_name: j.department_name(&c.department),
                code: c.code,
                name: c.name,
            })
            .collect())
    }

    /// The tickets of a jurisdiction with these numbers, as the public sees them (unknown
    /// numbers are left out).
    pub async fn partner_tickets_by_number(
        &self,
        jurisdiction: &str,
        numbers: &[&str],
    ) -> Result<Vec<PublicTicket>> {
        let mut out = Vec::new();
        for number in numbers {
            check("service_request_id", number, TextKind::Short)?;
            if let Some(rec) = self.store.ticket_by_number(number.trim()).await?
                && rec.jurisdiction == jurisdiction
                && !out.iter().any(|t: &PublicTicket| t.id == rec.id)
            {
                out.push(self.public_ticket(&rec).await?);
            }
        }
        Ok(out)
    }

    /// The tickets of a jurisdiction by filter (the jurisdiction set here), as the public sees
    /// them.
    pub async fn partner_tickets(
        &self,
        jurisdiction: &str,
        filter: &TicketFilter,
    ) -> Result<Vec<PublicTicket>> {
        let j = self.jurisdiction(jurisdiction)?;
        if !j.has_catalog() {
            return Err(AppError::NotFound(format!("{}不受理诉求工单", j.name)));
        }
        let mut filter = filter.clone();
        filter.jurisdiction = Some(jurisdiction.to_string());
        self.public_tickets(&filter).await
    }

    /// The ticket a token follows (its number and query code joined by `-`).
    pub async fn partner_ticket_by_token(
        &self,
        jurisdiction: &str,
        token: &str,
    ) -> Result<PublicTicket> {
        check("token", token, TextKind::Short)?;
        let not_found = || AppError::NotFound("没有与该 token 对应的工单".into());
        let (number, code) = token.trim().rsplit_once('-').ok_or_else(not_found)?;
        let t = self.track_ticket(number, code).await.map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            e => e,
        })?;
        if t.jurisdiction != jurisdiction {
            return Err(not_found());
        }
        Ok(t)
    }
}
