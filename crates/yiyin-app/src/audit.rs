//! The audit of the event log: every link of the SM3 hash chain recomputed from the genesis, the
//! first broken one named; the rows of every case and its licences checked against the state digest
//! its last event carries (a row changed behind Yiyin's back is named); a published chain head
//! checked against the chain (what a holder of an old head can prove was not rewritten).

use serde::Serialize;
use yiyin_domain::authz::Operation;
use yiyin_store::Store;
use yiyin_store::events::{Event, GENESIS};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainReport {
    pub events: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first broken link (its sequence number) and what is wrong, in Chinese; when the chain
    /// holds but a case's rows do not match it, the first such case (its last event's number).
    pub broken: Option<(i64, String)>,
    /// Every case whose rows (the case, its licences) differ from what its last event recorded, in
    /// Chinese, naming the case.
    pub altered: Vec<String>,
}

/// Recomputes every link of the chain, page by page.
pub async fn verify_chain(store: &Store) -> Result<ChainReport> {
    let (head_seq, head_hash) = store.chain_head().await?;
    let mut prev = GENESIS.to_string();
    let mut expected = 1;
    let mut count = 0;
    let mut broken = None;
    let mut newest_version = 1;
    'pages: loop {
        let page = store.events_from(expected, 5000).await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            count += 1;
            if e.seq != expected {
                broken = Some((
                    expected,
                    format!("第{expected}号事件缺失（已被删除），下一条为第{}号", e.seq),
                ));
                break 'pages;
            }
            if e.prev_hash != prev {
                broken = Some((
                    e.seq,
                    format!(
                        "第{}号事件记录的前一哈希与第{}号事件的哈希不一致（其前的事件被删除或改动）",
                        e.seq,
                        e.seq - 1
                    ),
                ));
                break 'pages;
            }
            if e.hash_version < newest_version {
                broken = Some((
                    e.seq,
                    format!(
                        "第{}号事件使用旧的哈希编码，却在新编码的事件之后（事件被伪造）",
                        e.seq
                    ),
                ));
                break 'pages;
            }
            newest_version = e.hash_version;
            if e.expected_hash(&prev) != e.hash {
                broken = Some((
                    e.seq,
                    format!("第{}号事件的内容与其哈希不符（事件被改动）", e.seq),
                ));
                break 'pages;
            }
            prev = e.hash;
            expected += 1;
        }
    }
    if broken.is_none() {
        if expected - 1 != head_seq {
            broken = Some((
                expected,
                format!(
                    "链头记录共有{head_seq}条事件，实际只有{}条（末尾的事件被删除）",
                    expected - 1
                ),
            ));
        } else if prev != head_hash {
            broken = Some((head_seq, "链头哈希与最后一条事件的哈希不一致".to_string()));
        }
    }
    let altered = if broken.is_none() {
        altered_cases(store).await?
    } else {
        vec![]
    };
    if broken.is_none()
        && let Some((seq, why)) = altered.first()
    {
        broken = Some((*seq, why.clone()));
    }
    Ok(ChainReport {
        events: count,
        head_seq,
        head_hash,
        broken,
        altered: altered.into_iter().map(|(_, why)| why).collect(),
    })
}

/// The cases whose rows differ from the state digest of their last event: (that event's number,
/// what is wrong). Cases whose last event predates state digests (hash version 1) are not checked.
async fn altered_cases(store: &Store) -> Result<Vec<(i64, String)>> {
    let mut out = Vec::new();
    for (id, number, seq, version, recorded) in store.case_heads().await? {
        let Some(seq) = seq else {
            out.push((
                0,
                format!("办件{number}（内部编号{id}）没有任何事件记录：该办件在事件链之外被写入"),
            ));
            continue;
        };
        if version.unwrap_or(1) < 2 {
            continue;
        }
        if store.case_state_digest(id).await? != recorded {
            out.push((
                seq,
                format!(
                    "办件{number}（内部编号{id}）的当前数据（办件或其证照）与其最后一条事件（第{seq}号）记录的状态摘要不一致：数据在事件链之外被改动"
                ),
            ));
        }
    }
    Ok(out)
}

/// Parses a kept chain head, `SEQ:HASH` (as the portal publishes it), for the CLI and the audit page.
pub fn parse_head(text: &str) -> Result<(i64, String)> {
    let bad = || {
        AppError::field(
            "head",
            format!("链头「{text}」格式有误，应为 序号:哈希，例如 1024:9f86d0…（64位十六进制）"),
        )
    };
    let (seq, hash) = text.split_once(':').ok_or_else(bad)?;
    let seq: i64 = seq.trim().parse().map_err(|_| bad())?;
    let hash = hash.trim().to_ascii_lowercase();
    if seq < 1 || hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash))
}

/// Whether a published head still holds: None when the chain still has that event with that hash,
/// else what was rewritten.
pub async fn check_head(store: &Store, seq: i64, hash: &str) -> Result<Option<String>> {
    Ok(match store.event_hash(seq).await? {
        None => Some(format!(
            "事件链中已没有第{seq}号事件：其后的记录被删除或改写"
        )),
        Some(h) if h != hash => Some(format!(
            "第{seq}号事件的哈希已不是 {hash}：此前的记录被改写"
        )),
        Some(_) => None,
    })
}

/// How many events one page of the audit log shows.
pub const LOG_PAGE: i64 = 100;

/// One page of a jurisdiction's event log, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub events: Vec<Event>,
    /// The `before` of the next (older) page, when there may be one.
    pub older: Option<i64>,
}

impl App {
    /// One page of the event log of a jurisdiction, newest first, before the event `before` and of
    /// one `action` when given: every event of the jurisdiction, to read, for those who audit it
    /// (the bureau head, the discipline supervisor, the system administrator). Nothing here changes
    /// a case.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn audit_log(
        &self,
        who: &Principal,
        jurisdiction: &str,
        before: Option<i64>,
        action: Option<&str>,
    ) -> Result<LogPage> {
        who.require_in(Operation::Audit, jurisdiction)?;
        let action = action.map(str::trim).filter(|a| !a.is_empty());
        if let Some(a) = action
            && (a.len() > 64 || !a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            return Err(AppError::field(
                "action",
                "操作类型应为事件的英文代码（小写字母和下划线，不超过64个字符）",
            ));
        }
        if before.is_some_and(|b| b < 1) {
            return Err(AppError::field("before", "事件序号应为正整数"));
        }
        let events = self
            .store
            .jurisdiction_events(jurisdiction, before, action, LOG_PAGE)
            .await?;
        let older = (events.len() as i64 == LOG_PAGE)
            .then(|| events.last().map(|e| e.seq))
            .flatten();
        Ok(LogPage { events, older })
    }

    /// Checks the whole chain (bureau head, discipline supervisor, system administrator).
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn audit_chain(&self, who: &Principal) -> Result<ChainReport> {
        if !who.may_somewhere(Operation::Audit) {
            return Err(AppError::Forbidden(
                "无权查看审计日志：您的岗位没有此项职责".into(),
            ));
        }
        verify_chain(&self.store).await
    }
}
