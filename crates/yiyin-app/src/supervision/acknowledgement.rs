//! A department's pushes as use cases: acknowledging them (签收) — one, several by id, or several by
//! idempotency key (what a department's system has from the webhook body) — all through one audited
//! act; and the push lists of a desk and of the bureau, page by page (keyset pagination).

use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::supervision::PushStatus;
use yiyin_store::events::NewEvent;
use yiyin_store::pushes::{Push, PushFilter, PushKey};

use super::Desk;
use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The most pushes acknowledged in one request.
const MAX_ACKNOWLEDGED: usize = 500;
/// Pushes per page of a list.
pub const PUSH_PAGE: i64 = 100;

/// What an acknowledgement by idempotency key did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyAcknowledgement {
    /// The pushes named, as they now stand (acknowledged), in the order asked.
    pub pushes: Vec<Push>,
    /// The keys acknowledged by this request; the other pushes were acknowledged before.
    pub acknowledged: Vec<String>,
    /// The keys that name no push of the caller's departments (nothing was done with them).
    pub unknown: Vec<String>,
}

/// Which push list, and which page of it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PushListQuery {
    /// 县区代码 (the user's only desk when omitted).
    #[serde(default)]
    pub jurisdiction: String,
    /// 部门代码 (a department's pushes); omitted: all of the jurisdiction (the bureau).
    #[serde(default)]
    pub department: String,
    /// unacknowledged (default) | all | overdue | dead | unsigned
    #[serde(default)]
    pub list: String,
    /// The page after this one: the `next` of the page before (empty: the first page).
    #[serde(default)]
    pub after: String,
    /// Pushes per page, 1 to 100 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of a push list: unacknowledged first, then newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushListPage {
    pub pushes: Vec<Push>,
    /// How many pushes the list holds (on every page).
    pub count: i64,
    /// Give it as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The lists a desk or the bureau pages through.
const LISTS: [(&str, &str); 5] = [
    ("unacknowledged", "未签收"),
    ("all", "全部"),
    ("overdue", "逾期未签收"),
    ("dead", "投递失败"),
    ("unsigned", "待外部签章"),
];

/// The cursor of a page: the key of the push it ends with.
fn cursor(k: PushKey) -> String {
    format!("{}_{}", i64::from(k.acknowledged), k.id)
}

/// The rows a page of a list asks for: 1 to [`PUSH_PAGE`], that many when not given.
pub(super) fn page_limit(limit: Option<i64>) -> Result<i64> {
    crate::paging::page_limit(limit, PUSH_PAGE)
}

/// A cursor given back, or bad input in its field.
fn parse_cursor(text: &str) -> Result<PushKey> {
    let bad = crate::paging::bad_cursor;
    let (acknowledged, id) = text.split_once('_').ok_or_else(bad)?;
    Ok(PushKey {
        acknowledged: match acknowledged {
            "0" => false,
            "1" => true,
            _ => return Err(bad()),
        },
        id: id.parse().map_err(|_| bad())?,
    })
}

impl App {
    /// The department acknowledges a push (签收); a second acknowledgement changes nothing.
    pub async fn acknowledge(&self, who: &Principal, id: i64) -> Result<Push> {
        let mut pushes = self.acknowledge_all(who, &[id]).await?;
        pushes
            .pop()
            .ok_or_else(|| AppError::Internal("签收结果缺失".into()))
    }

    /// The department acknowledges several pushes at once (批量签收): every push is checked for the
    /// caller's department before any is signed, and all are signed in one transaction, each with
    /// its audited event; pushes already acknowledged change nothing. Returns the pushes as they
    /// now stand, in the order asked.
    #[tracing::instrument(skip_all, fields(account = who.account.id, count = ids.len()))]
    pub async fn acknowledge_all(&self, who: &Principal, ids: &[i64]) -> Result<Vec<Push>> {
        let wanted = distinct(ids, "ids", "请至少选择一条要签收的推送")?;
        let mut pushes = Vec::with_capacity(wanted.len());
        for &id in &wanted {
            let push = self.store.push(id).await?;
            who.require_supervision(&push.jurisdiction, &push.department)?;
            pushes.push(push);
        }
        self.sign_for(who, &pushes).await?;
        let mut out = Vec::with_capacity(wanted.len());
        for id in wanted {
            out.push(self.store.push(id).await?);
        }
        Ok(out)
    }

    /// The department's system acknowledges pushes by the idempotency keys their webhook bodies
    /// carry (签收): the same act as [`App::acknowledge_all`]. A key naming no push of the caller's
    /// departments is reported back and changes nothing; the others are all signed in one
    /// transaction; a push acknowledged before changes nothing.
    #[tracing::instrument(skip_all, fields(account = who.account.id, count = keys.len()))]
    pub async fn acknowledge_keys(
        &self,
        who: &Principal,
        keys: &[String],
    ) -> Result<KeyAcknowledgement> {
        if self.desks(who).is_empty() {
            return Err(AppError::Forbidden(
                "无权签收推送：您的岗位没有监管部门职责".into(),
            ));
        }
        let trimmed: Vec<String> = keys.iter().map(|k| k.trim().to_string()).collect();
        for k in &trimmed {
            yiyin_domain::text::check("keys", k, yiyin_domain::text::TextKind::Short)?;
        }
        let wanted = distinct(&trimmed, "keys", "请至少提供一个要签收的推送幂等键")?;
        // Another department's push is not the caller's to know of: unknown, like a key never sent.
        let found: Vec<Push> = self
            .store
            .pushes_by_keys(&wanted)
            .await?
            .into_iter()
            .filter(|p| {
                who.require_supervision(&p.jurisdiction, &p.department)
                    .is_ok()
            })
            .collect();
        let mut pushes = Vec::with_capacity(found.len());
        let mut unknown = Vec::new();
        for key in &wanted {
            match found.iter().find(|p| &p.idempotency_key == key) {
                Some(p) => pushes.push(p.clone()),
                None => unknown.push(key.clone()),
            }
        }
        let signed = self.sign_for(who, &pushes).await?;
        let acknowledged = pushes
            .iter()
            .filter(|p| signed.contains(&p.id))
            .map(|p| p.idempotency_key.clone())
            .collect();
        let mut out = Vec::with_capacity(pushes.len());
        for p in pushes {
            out.push(self.store.push(p.id).await?);
        }
        Ok(KeyAcknowledgement {
            pushes: out,
            acknowledged,
            unknown,
        })
    }

    /// Signs for pushes of the caller's departments (checked by the caller) in one transaction,
    /// each with its audited event; returns the ids signed now (not those signed before).
    async fn sign_for(&self, who: &Principal, pushes: &[Push]) -> Result<Vec<i64>> {
        let mut signed = Vec::new();
        if pushes.iter().all(|p| p.acknowledged_at.is_some()) {
            return Ok(signed);
        }
        let actor = who.actor(&self.org());
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        for push in pushes.iter().filter(|p| p.acknowledged_at.is_none()) {
            if tx
                .acknowledge_push(push.id, &actor.name, at.timestamp_millis())
                .await?
            {
                tx.append_events(&[NewEvent::new(
                    &actor,
                    at,
                    &push.jurisdiction,
                    push.case_id,
                    "push_acknowledge",
                    format!("{}签收{}推送", push.department, push.kind.label()),
                    json!({"push": push.id, "key": push.idempotency_key}),
                )])
                .await?;
                signed.push(push.id);
            }
        }
        tx.commit().await?;
        Ok(signed)
    }

    /// A page of a push list: a department's (its supervisors, or the bureau), or the whole
    /// jurisdiction's (the bureau), with how many it holds and the cursor of the next page.
    pub async fn push_list(&self, who: &Principal, q: &PushListQuery) -> Result<PushListPage> {
        for (field, value) in [
            ("jurisdiction", &q.jurisdiction),
            ("department", &q.department),
            ("list", &q.list),
            ("after", &q.after),
        ] {
            yiyin_domain::text::check(field, value, yiyin_domain::text::TextKind::Short)?;
        }
        let (jurisdiction, department) =
            self.list_scope(who, &q.jurisdiction, &q.department, "审管推送")?;
        let list = match q.list.trim() {
            "" => "unacknowledged",
            l => l,
        };
        let mut filter = PushFilter {
            jurisdiction,
            department,
            after: match q.after.trim() {
                "" => None,
                a => Some(parse_cursor(a)?),
            },
            limit: page_limit(q.limit)?,
            ..Default::default()
        };
        match list {
            "unacknowledged" => filter.unacknowledged_only = true,
            "all" => {}
            "overdue" => filter.overdue_on = Some(self.today()),
            "dead" => filter.status = Some(PushStatus::Dead),
            "unsigned" => filter.awaiting_signature = true,
            other => {
                let choices: Vec<String> =
                    LISTS.iter().map(|(c, l)| format!("{c}（{l}）")).collect();
                return Err(AppError::field(
                    "list",
                    format!("推送列表「{other}」无效，应为：{}", choices.join("、")),
                ));
            }
        }
        let page = self.store.push_page(&filter).await?;
        Ok(PushListPage {
            pushes: page.pushes,
            count: page.count,
            next: page.next.map(cursor),
        })
    }

    /// Whose pushes or findings (`what` the list holds, as the refusal names it) a list may
    /// show: a department of the caller's desks, or any department (or all) of a jurisdiction
    /// the caller oversees for the bureau.
    pub(super) fn list_scope(
        &self,
        who: &Principal,
        jurisdiction: &str,
        department: &str,
        what: &str,
    ) -> Result<(String, Option<String>)> {
        let (j, d) = (jurisdiction.trim(), department.trim());
        let bureau = !j.is_empty() && self.bureau_jurisdictions(who).iter().any(|b| b == j);
        if bureau {
            return Ok((j.to_string(), (!d.is_empty()).then(|| d.to_string())));
        }
        if d.is_empty() && !j.is_empty() {
            return Err(AppError::Forbidden(format!(
                "无权查看{what}：您的岗位在该县区没有此项职责"
            )));
        }
        let Desk {
            jurisdiction,
            department,
            ..
        } = self.desk(who, j, d)?;
        Ok((jurisdiction, Some(department)))
    }

    /// The first page of a push list for a desk or the overview.
    pub(super) async fn first_page(
        &self,
        who: &Principal,
        jurisdiction: &str,
        department: Option<&str>,
        list: &str,
    ) -> Result<PushListPage> {
        self.push_list(
            who,
            &PushListQuery {
                jurisdiction: jurisdiction.to_string(),
                department: department.unwrap_or_default().to_string(),
                list: list.to_string(),
                ..Default::default()
            },
        )
        .await
    }
}

/// The values asked, each once in the order first asked; refused when none or too many.
fn distinct<T: PartialEq + Clone>(values: &[T], field: &str, none: &str) -> Result<Vec<T>> {
    let mut wanted: Vec<T> = Vec::with_capacity(values.len());
    for v in values {
        if !wanted.contains(v) {
            wanted.push(v.clone());
        }
    }
    if wanted.is_empty() {
        return Err(AppError::field(field, none));
    }
    if wanted.len() > MAX_ACKNOWLEDGED {
        return Err(AppError::field(
            field,
            format!("一次最多签收 {MAX_ACKNOWLEDGED} 条推送，请分批签收"),
        ));
    }
    Ok(wanted)
}
