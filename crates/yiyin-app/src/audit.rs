//! The audit of the event log: every link of the SM3 hash chain recomputed from the genesis, the
//! first broken one named; a published chain head checked against the chain (what a holder of an
//! old head can prove was not rewritten).

use serde::Serialize;
use yiyin_domain::authz::Operation;
use yiyin_store::Store;
use yiyin_store::events::GENESIS;

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
    /// The first broken link (its sequence number) and what is wrong, in Chinese.
    pub broken: Option<(i64, String)>,
}

/// Recomputes every link of the chain, page by page.
pub async fn verify_chain(store: &Store) -> Result<ChainReport> {
    let (head_seq, head_hash) = store.chain_head().await?;
    let mut prev = GENESIS.to_string();
    let mut expected = 1;
    let mut count = 0;
    let mut broken = None;
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
    Ok(ChainReport {
        events: count,
        head_seq,
        head_hash,
        broken,
    })
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

impl App {
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
