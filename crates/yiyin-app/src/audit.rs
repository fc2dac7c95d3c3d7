//! The audit of the event log: every link of each SM3 hash chain recomputed from the genesis, the
//! first broken one named; the rows of every case and its licences checked against the state digest
//! its last event carries (a row changed behind Yiyin's back is named); a kept root of the chains'
//! heads (published each day, or shown by an earlier audit) checked against the chains (what its
//! holder can prove was not rewritten).

use serde::Serialize;
use yiyin_domain::authz::Operation;
use yiyin_store::Store;
use yiyin_store::events::{ChainHead, Event, GENESIS, chain_root};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// The outcome of checking the chains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainReport {
    pub events: i64,
    /// How many chains the log has.
    pub chains: i64,
    /// The number of the last event in the chains' heads checked.
    pub head_seq: i64,
    /// The root of the chains' heads checked (kept with its parts: `head_seq:head_hash` can be
    /// checked later, as a published head can).
    pub head_hash: String,
    /// The first broken link (its event's number) and what is wrong, in Chinese; when the chains
    /// hold but a case's rows do not match them, the first such case (its last event's number).
    pub broken: Option<(i64, String)>,
    /// Every case whose rows (the case, its licences) differ from what its last event recorded, in
    /// Chinese, naming the case.
    pub altered: Vec<String>,
}

/// Recomputes every link of every chain, page by page, up to the chains' heads as read at the
/// start (events written meanwhile are after them), and finds any event outside what the heads
/// cover (in no chain, or past its chain's head); an intact set of chains has its root kept.
pub async fn verify_chain(store: &Store) -> Result<ChainReport> {
    let heads = store.chain_heads_now().await?;
    let mut count = 0;
    let mut broken = None;
    for head in &heads {
        let (events, problem) = verify_one(store, head).await?;
        count += events;
        if problem.is_some() {
            broken = problem;
            break;
        }
    }
    if broken.is_none()
        && let Some((seq, chain, pos)) = store.stray_event().await?
    {
        broken = Some((
            seq,
            format!(
                "第{seq}号事件（第{chain}条链第{pos}位）不在任何链头所覆盖的链上：该事件在事件链之外被写入"
            ),
        ));
    }
    let head_seq = heads.iter().map(|h| h.seq).max().unwrap_or(0);
    let head_hash = chain_root(heads.iter().map(|h| (h.chain, h.pos, h.hash.as_str())));
    let altered = if broken.is_none() {
        altered_cases(store).await?
    } else {
        vec![]
    };
    if broken.is_none() {
        let mut tx = store.begin_write().await?;
        tx.keep_root(&head_hash, &heads).await?;
        tx.commit().await?;
    }
    if broken.is_none()
        && let Some((seq, why)) = altered.first()
    {
        broken = Some((*seq, why.clone()));
    }
    Ok(ChainReport {
        events: count,
        chains: heads.len() as i64,
        head_seq,
        head_hash,
        broken,
        altered: altered.into_iter().map(|(_, why)| why).collect(),
    })
}

/// Checks one chain from its base to its head: (the events checked, the first broken link).
async fn verify_one(store: &Store, head: &ChainHead) -> Result<(i64, Option<(i64, String)>)> {
    let chain = head.chain;
    let mut prev = GENESIS.to_string();
    let mut pos = head.base;
    let mut count = 0;
    let mut newest_version = 1;
    let mut last_seq = None;
    'pages: while pos < head.pos {
        let page = store.chain_events(chain, pos, 5000).await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            if e.pos > head.pos {
                break 'pages;
            }
            count += 1;
            let problem = if e.pos != pos + 1 {
                Some(format!(
                    "第{chain}条链第{}位的事件缺失（已被删除），该链的下一条为第{}号事件",
                    pos + 1,
                    e.seq
                ))
            } else if e.prev_hash != prev {
                Some(match last_seq {
                    Some(before) => format!(
                        "第{}号事件记录的前一哈希与其链上前一条（第{before}号）事件的哈希不一致（其前的事件被删除或改动）",
                        e.seq
                    ),
                    None => format!(
                        "第{}号事件是第{chain}条链的第一条，记录的前一哈希却不是初始哈希（其前的事件被删除或改动）",
                        e.seq
                    ),
                })
            } else if e.hash_version < newest_version {
                Some(format!(
                    "第{}号事件使用旧的哈希编码，却在新编码的事件之后（事件被伪造）",
                    e.seq
                ))
            } else if e.expected_hash(&prev) != e.hash {
                Some(format!("第{}号事件的内容与其哈希不符（事件被改动）", e.seq))
            } else {
                None
            };
            if let Some(why) = problem {
                return Ok((count, Some((e.seq, why))));
            }
            newest_version = e.hash_version;
            prev = e.hash;
            pos = e.pos;
            last_seq = Some(e.seq);
        }
    }
    let problem = if pos != head.pos {
        Some((
            head.seq,
            format!(
                "第{chain}条链的链头记录到第{}号事件（第{}位），链上实际只到第{pos}位：其后的事件缺失（末尾的事件被删除）",
                head.seq, head.pos
            ),
        ))
    } else if prev != head.hash {
        Some((
            head.seq,
            format!("第{chain}条链的链头哈希与其最后一条事件的哈希不一致"),
        ))
    } else {
        None
    };
    Ok((count, problem))
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

/// Parses a kept chain head, `SEQ:HASH` (as the portal publishes it and the audit shows it), for
/// the CLI and the audit page.
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

/// Whether a kept head still holds: None when every chain still has, at the place the head
/// recorded, the event with the hash it recorded; else what was rewritten. A head is the root of
/// the chains' heads (its parts kept when it was handed out); a head published before the chains
/// were split is the hash of its event `seq`.
pub async fn check_head(store: &Store, seq: i64, hash: &str) -> Result<Option<String>> {
    let parts = store.root_parts(hash).await?;
    if parts.is_empty() {
        return Ok(match store.event_hash(seq).await? {
            None => Some(format!(
                "事件链中已没有第{seq}号事件：其后的记录被删除或改写"
            )),
            Some(h) if h != hash => Some(format!(
                "第{seq}号事件的哈希已不是 {hash}：此前的记录被改写（或该链头从未公布）"
            )),
            Some(_) => None,
        });
    }
    if chain_root(parts.iter().map(|p| (p.chain, p.pos, p.hash.as_str()))) != hash
        || parts.iter().map(|p| p.seq).max() != Some(seq)
    {
        return Ok(Some(format!(
            "链头 {seq}:{hash} 的组成记录已被改动：此前的记录被改写"
        )));
    }
    for p in parts.iter().filter(|p| p.seq > 0) {
        match store.event_hash_at(p.chain, p.pos).await? {
            None => {
                return Ok(Some(format!(
                    "第{}号事件（第{}条链第{}位）已不在事件链中：其后的记录被删除或改写",
                    p.seq, p.chain, p.pos
                )));
            }
            Some(h) if h != p.hash => {
                return Ok(Some(format!(
                    "第{}号事件（第{}条链第{}位）的哈希已改变：此前的记录被改写",
                    p.seq, p.chain, p.pos
                )));
            }
            Some(_) => {}
        }
    }
    Ok(None)
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
