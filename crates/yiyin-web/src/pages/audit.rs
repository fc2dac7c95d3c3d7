//! The audit page, `/audit`: a jurisdiction's event log newest first, filtered by the kind of event
//! and paged by sequence number, for those who audit it (the bureau head, the discipline supervisor,
//! the system administrator); the check of the whole hash chain on request, and the check of a chain
//! head someone kept (`SEQ:HASH`, as `yiyin audit verify --head` takes it). Nothing here changes
//! anything; who may read what is the application layer's (`yiyin_app::audit`).

use askama::Template;
use serde::Deserialize;
use yiyin_app::audit::{ChainReport, LogPage, check_head, parse_head};
use yiyin_domain::authz::Operation;
use yiyin_domain::event_names::event_label;
use yiyin_store::events::Event;

use crate::auth::gate;
use crate::error::AppError;
use crate::pages::work::timeline;
use crate::pages::{Chrome, Page, PageFor, PageResult, Query, render};

/// The page's GET form (empty: not given).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    pub jurisdiction: String,
    pub action: String,
    pub before: String,
    /// `1`: check the whole chain now.
    pub check: String,
    /// A kept chain head, `SEQ:HASH`.
    pub head: String,
}

/// One event as the log shows it.
struct Row {
    seq: i64,
    case_id: Option<i64>,
    time: String,
    what: String,
    actor: String,
    channel: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPageView {
    chrome: Chrome,
    jurisdictions: Vec<(String, String)>,
    jurisdiction: String,
    q: LogQuery,
    rows: Vec<Row>,
    older: Option<i64>,
    error: String,
    chain: Option<ChainReport>,
    /// The kept head's check: `Some(None)` holds, `Some(Some(why))` was rewritten.
    head: Option<Option<String>>,
    head_error: String,
}

/// What an event is, in Chinese.
fn what(e: &Event) -> String {
    event_label(&e.action)
}

/// The log.
pub async fn log(page: PageFor<gate::Audit>, Query(q): Query<LogQuery>) -> PageResult {
    let mine = page.jurisdictions_for(Operation::Audit);
    let jurisdiction = Page::pick_jurisdiction(
        &mine,
        &q.jurisdiction,
        "无权查看审计日志：您的岗位没有此项职责",
    )?;
    let who = page.who();
    let mut error = String::new();
    let before = match q.before.trim() {
        "" => None,
        b => match b.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                error = "事件序号应为正整数".into();
                None
            }
        },
    };
    let LogPage { events, older } = if error.is_empty() {
        match page
            .app
            .audit_log(who, &jurisdiction, before, Some(&q.action))
            .await
        {
            Ok(p) => p,
            Err(e @ AppError::Invalid { .. }) => {
                error = e.to_string();
                LogPage {
                    events: Vec::new(),
                    older: None,
                }
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        LogPage {
            events: Vec::new(),
            older: None,
        }
    };
    let shown = timeline(&events);
    let rows = events
        .iter()
        .zip(shown)
        .map(|(e, t)| Row {
            seq: e.seq,
            case_id: e.case_id,
            time: t.time,
            what: what(e),
            actor: t.actor,
            channel: t.channel,
            reason: t.reason,
        })
        .collect();
    let chain = if q.check == "1" {
        Some(page.app.audit_chain(who).await?)
    } else {
        None
    };
    let (head, head_error) = match q.head.trim() {
        "" => (None, String::new()),
        kept => match parse_head(kept) {
            Ok((seq, hash)) => (
                Some(check_head(&page.app.store, seq, &hash).await?),
                String::new(),
            ),
            Err(e) => (None, e.to_string()),
        },
    };
    render(&LogPageView {
        chrome: page.chrome(""),
        jurisdictions: mine.clone(),
        jurisdiction,
        q,
        rows,
        older,
        error,
        chain,
        head,
        head_error,
    })
}
