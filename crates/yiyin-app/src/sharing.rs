//! Shared data instead of copies (免提交): fetching the materials an item marks as 部门共享 or
//! 证照库 instead of asking the applicant for them — at intake (window and online), at supplement and
//! on the clerk's request (重新调取) — and the clerk's fallback to asking the applicant when a source
//! cannot answer (改由申请人提交, with the reason). Every attempt is kept with its source and time
//! and is an event of the case.
//!
//! The data-sharing adapter: another department's registry is asked over HTTP at the base address
//! configured for the source (`yiyin serve --data-sharing shared=https://…`, per material code to
//! override), `GET {base}/records/{credit_code_or_id}?kind={material name}`, answering the record
//! as JSON or 404 (`docs/data-sharing.md`). A 证照库 material is Yiyin's own licence register: a
//! licence in force it issued to the applicant, of the material's name, with no HTTP.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::local_date;
use yiyin_domain::catalog::{Item, Material, MaterialSource};
use yiyin_domain::engine::{ApplicantFacts, SharedRecord};
use yiyin_domain::licence::LicenceStatus;
use yiyin_domain::party::SubjectId;
use yiyin_domain::refusal::Refusal;
use yiyin_store::cases::CaseRecord;
use yiyin_store::shared_materials::NewSharedMaterial;

use crate::App;
use crate::error::{AppError, Result};
use crate::issue::Transition;
use crate::principal::Principal;

/// The configuration key that serves every 部门共享 material without an entry of its own.
pub const SHARED: &str = "shared";

/// The most bytes a source's answer may have.
const MAX_ANSWER: usize = 256 * 1024;

/// The data-sharing endpoints: by material code, or [`SHARED`] for every shared material.
#[derive(Debug, Clone, Default)]
pub struct DataSharing {
    endpoints: BTreeMap<String, String>,
}

impl DataSharing {
    /// Reads `NAME=URL` entries (NAME: `shared` or a material code; URL: http or https).
    pub fn parse(entries: &[String]) -> std::result::Result<Self, String> {
        let mut out = DataSharing::default();
        for e in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let Some((name, url)) = e.split_once('=') else {
                return Err(format!(
                    "共享接口配置「{e}」无效，应为 名称=地址，如 shared=https://share.example/api"
                ));
            };
            out = out.with(name.trim(), url.trim())?;
        }
        Ok(out)
    }

    /// Adds an endpoint.
    pub fn with(mut self, name: &str, url: &str) -> std::result::Result<Self, String> {
        let parsed =
            reqwest::Url::parse(url).map_err(|_| format!("共享接口地址「{url}」无法识别"))?;
        if !matches!(parsed.scheme(), "http" | "https") || name.is_empty() {
            return Err(format!(
                "共享接口「{name}」的地址应以 http:// 或 https:// 开头"
            ));
        }
        self.endpoints
            .insert(name.to_string(), url.trim_end_matches('/').to_string());
        Ok(self)
    }

    /// The base address asked for a material: its own, else the shared one.
    fn endpoint(&self, code: &str) -> Option<&str> {
        self.endpoints
            .get(code)
            .or_else(|| self.endpoints.get(SHARED))
            .map(String::as_str)
    }
}

/// What a source answered.
#[derive(Debug, Clone)]
pub enum Answer {
    Fetched(Box<SharedRecord>),
    /// The source has no such record (or none that may stand for the material).
    NotFound(String),
    /// The source could not answer.
    Unavailable(String),
}

/// One attempt to fetch a material.
#[derive(Debug, Clone)]
pub struct Fetch {
    pub code: String,
    pub name: String,
    pub source: MaterialSource,
    pub answered_by: String,
    pub answer: Answer,
}

impl Fetch {
    pub fn fetched(&self) -> bool {
        matches!(self.answer, Answer::Fetched(_))
    }

    /// The attempt, in Chinese.
    pub fn summary(&self) -> String {
        match &self.answer {
            Answer::Fetched(r) => format!(
                "{}：已从{}调取（{}，编号 {}）",
                self.name, self.answered_by, r.issued_by, r.document_no
            ),
            Answer::NotFound(why) | Answer::Unavailable(why) => {
                format!("{}：未能调取，{why}", self.name)
            }
        }
    }

    fn row(&self) -> NewSharedMaterial {
        let (outcome, record, document_no, problem) = match &self.answer {
            Answer::Fetched(r) => (
                "fetched",
                serde_json::to_string(r).unwrap_or_default(),
                r.document_no.clone(),
                String::new(),
            ),
            Answer::NotFound(why) => ("not_found", String::new(), String::new(), why.clone()),
            Answer::Unavailable(why) => ("unavailable", String::new(), String::new(), why.clone()),
        };
        NewSharedMaterial {
            material_code: self.code.clone(),
            source: self.source.code().to_string(),
            answered_by: self.answered_by.clone(),
            outcome: outcome.into(),
            record,
            document_no,
            problem,
        }
    }
}

/// The attempts' rows and their event (none without attempts).
pub(crate) fn recorded(fetches: &[Fetch]) -> (Vec<NewSharedMaterial>, Option<Transition>) {
    if fetches.is_empty() {
        return (vec![], None);
    }
    let rows = fetches.iter().map(Fetch::row).collect();
    let transition = Transition {
        action: "fetch_shared".into(),
        reason: fetches
            .iter()
            .map(Fetch::summary)
            .collect::<Vec<_>>()
            .join("；"),
        data: json!({
            "materials": fetches.iter().map(|f| json!({
                "material": f.code,
                "source": f.source.code(),
                "answered_by": f.answered_by,
                "fetched": f.fetched(),
            })).collect::<Vec<_>>(),
        }),
        effects: vec![],
    };
    (rows, Some(transition))
}

/// What the attempts that failed say, to add to a refusal of the engine's sharing rule.
pub(crate) fn explain(refusal: AppError, fetches: &[Fetch]) -> AppError {
    match refusal {
        AppError::Refused(r) if r.rule == "sharing" => {
            let failed: Vec<String> = fetches
                .iter()
                .filter(|f| !f.fetched())
                .map(Fetch::summary)
                .collect();
            if failed.is_empty() {
                AppError::Refused(r)
            } else {
                AppError::Refused(Refusal::new(
                    "sharing",
                    format!("{}（调取结果：{}）", r.message, failed.join("；")),
                ))
            }
        }
        other => other,
    }
}

impl App {
    /// Uses these data-sharing endpoints.
    pub fn with_data_sharing(mut self, sharing: DataSharing) -> Self {
        self.sharing = std::sync::Arc::new(sharing);
        self
    }

    /// Fetches every material of `item` marked 部门共享 or 证照库 that is not in `have`, for the
    /// applicant `holder`.
    pub(crate) async fn fetch_materials(
        &self,
        item: &Item,
        holder: &SubjectId,
        have: &[String],
    ) -> Vec<Fetch> {
        let mut out = Vec::new();
        for m in item
            .materials
            .iter()
            .filter(|m| m.source.is_fetched() && !have.contains(&m.code))
        {
            out.push(self.fetch_one(m, holder).await);
        }
        out
    }

    async fn fetch_one(&self, m: &Material, holder: &SubjectId) -> Fetch {
        let (answered_by, answer) = if m.source == MaterialSource::LicenceRegister {
            (
                "本平台证照库".to_string(),
                self.ask_register(m, holder).await,
            )
        } else {
            match self.sharing.endpoint(&m.code) {
                Some(base) => (
                    "部门共享数据接口".to_string(),
                    self.ask_endpoint(base, m, holder).await,
                ),
                None => (
                    "部门共享数据接口".to_string(),
                    Answer::Unavailable("本平台尚未配置该材料的共享接口".into()),
                ),
            }
        };
        let answer = match answer {
            Answer::Fetched(r) => match r.check(holder.as_str(), self.today()) {
                Ok(()) => Answer::Fetched(r),
                Err(why) => Answer::NotFound(why),
            },
            other => other,
        };
        Fetch {
            code: m.code.clone(),
            name: m.name.clone(),
            source: m.source,
            answered_by,
            answer,
        }
    }

    /// A licence in force Yiyin issued to the holder, of the material's name.
    async fn ask_register(&self, m: &Material, holder: &SubjectId) -> Answer {
        let name = m.name.trim();
        let licences = match self.store.licences_of_holder_named(holder, name).await {
            Ok(l) => l,
            Err(e) => return Answer::Unavailable(format!("证照库暂时无法读取（{e}）")),
        };
        let today = self.today();
        let found = licences.into_iter().find(|l| {
            (l.name == name || name.contains(l.name.as_str()))
                && l.status_on(today) == LicenceStatus::Valid
        });
        match found {
            Some(l) => Answer::Fetched(Box::new(SharedRecord {
                name: l.holder.clone(),
                id: holder.as_str().to_string(),
                kind: l.name.clone(),
                issued_by: l.issuer.clone(),
                valid_until: l.valid_until,
                fields: BTreeMap::from([
                    ("issued_on".to_string(), json!(l.issued_on)),
                    ("item_code".to_string(), json!(l.item_code)),
                    ("case_id".to_string(), json!(l.case_id)),
                ]),
                document_no: l.identifier,
            })),
            None => Answer::NotFound(format!("本平台证照库中没有申请人有效的「{name}」")),
        }
    }

    /// Asks a department's registry (the contract of `docs/data-sharing.md`).
    async fn ask_endpoint(&self, base: &str, m: &Material, holder: &SubjectId) -> Answer {
        let url = format!(
            "{base}/records/{}?kind={}",
            crate::encode_query(holder.as_str()),
            crate::encode_query(m.name.trim())
        );
        let client = match reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(c) => c,
            Err(e) => return Answer::Unavailable(format!("共享接口无法使用（{e}）")),
        };
        let response = match client.get(&url).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Answer::Unavailable("共享接口10秒内未答复".into());
            }
            Err(_) => return Answer::Unavailable("共享接口无法连接".into()),
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Answer::NotFound("共享来源中没有该申请人的记录".into());
        }
        if !status.is_success() {
            return Answer::Unavailable(format!("共享接口答复异常（HTTP {}）", status.as_u16()));
        }
        let bytes = match response.bytes().await {
            Ok(b) if b.len() <= MAX_ANSWER => b,
            Ok(_) => return Answer::Unavailable("共享接口的答复过大".into()),
            Err(_) => return Answer::Unavailable("共享接口的答复不完整".into()),
        };
        match serde_json::from_slice::<SharedRecord>(&bytes) {
            Ok(r) => Answer::Fetched(Box::new(r)),
            Err(_) => Answer::Unavailable("共享接口的答复不符合约定的格式".into()),
        }
    }

    /// The catalog item a case was received under.
    async fn item_of_case(&self, record: &CaseRecord) -> Result<Item> {
        let history = self
            .store
            .item_history(&record.jurisdiction, &record.item_code)
            .await?;
        history
            .into_iter()
            .find(|v| i64::from(v.version) == record.item_version)
            .map(|v| v.item)
            .ok_or_else(|| AppError::NotFound(format!("找不到办件{}适用的事项版本", record.number)))
    }

    /// The fetched materials of a case still to fetch: neither in hand nor asked of the applicant.
    pub(crate) async fn fetch_for_case(&self, record: &CaseRecord) -> Result<Vec<Fetch>> {
        let item = self.item_of_case(record).await?;
        let have: Vec<String> = record
            .case
            .provided
            .iter()
            .cloned()
            .chain(record.case.fallbacks.iter().map(|f| f.code.clone()))
            .collect();
        Ok(self
            .fetch_materials(&item, &record.applicant.id_number, &have)
            .await)
    }

    /// 重新调取: fetches again every shared material of a case not yet in hand; what was fetched
    /// counts as provided. Refused when there is nothing to fetch.
    pub async fn fetch_shared(&self, who: &Principal, case_id: i64) -> Result<CaseRecord> {
        let current = self.store.case(case_id).await?;
        let scope = self.case_scope(&current);
        who.may_view(&current, &scope)?;
        who.require(Operation::Intake, &scope)?;
        if current.case.is_closed() {
            return Err(AppError::Refused(Refusal::new(
                "closed",
                "本件已办结，不能再调取材料",
            )));
        }
        let fetches = self.fetch_for_case(&current).await?;
        if fetches.is_empty() {
            return Err(AppError::Refused(Refusal::new(
                "sharing",
                "本件没有需要调取的共享材料（已取得或已改由申请人提交）",
            )));
        }
        self.write_fetches(who, case_id, current.version, fetches)
            .await
    }

    /// 改由申请人提交: the source of a shared material could not answer; the applicant is asked
    /// for it instead, the reason recorded.
    pub async fn fall_back(
        &self,
        who: &Principal,
        case_id: i64,
        version: Option<i64>,
        material: &str,
        reason: &str,
    ) -> Result<CaseRecord> {
        let current = self.store.case(case_id).await?;
        let scope = self.case_scope(&current);
        who.may_view(&current, &scope)?;
        who.require(Operation::Intake, &scope)?;
        let actor = who.actor_at(&self.org(), true);
        let at = self.now();
        let mut tx = self.store.begin_write().await?;
        let record = tx.case(case_id).await?;
        check_version(&record, version)?;
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        let ctx = record.context(&calendar, &facts);
        let mut case = record.case.clone();
        case.fall_back(&ctx, local_date(at), material, reason)?;
        let transition = Transition {
            action: "material_fallback".into(),
            reason: format!(
                "{} 改由申请人提交：{}",
                record.item.material_name(material),
                reason.trim()
            ),
            data: json!({"material": material, "reason": reason.trim()}),
            effects: vec![],
        };
        self.update_case(&mut tx, &record, &case, &ctx, &actor, at, vec![transition])
            .await?;
        tx.commit().await?;
        Ok(self.store.case(case_id).await?)
    }

    /// Writes fetch attempts on a case; the fetched materials count as provided.
    pub(crate) async fn write_fetches(
        &self,
        who: &Principal,
        case_id: i64,
        version: i64,
        fetches: Vec<Fetch>,
    ) -> Result<CaseRecord> {
        let actor = who.actor_at(&self.org(), true);
        let at: DateTime<Utc> = self.now();
        let mut tx = self.store.begin_write().await?;
        let record = tx.case(case_id).await?;
        check_version(&record, Some(version))?;
        let calendar = self.calendar();
        let facts = ApplicantFacts::default();
        let ctx = record.context(&calendar, &facts);
        let mut case = record.case.clone();
        for f in fetches.iter().filter(|f| f.fetched()) {
            case.record_fetched(&ctx, &f.code)?;
        }
        let (rows, transition) = recorded(&fetches);
        tx.record_shared(case_id, &rows, &actor.name, at.timestamp_millis())
            .await?;
        self.update_case(
            &mut tx,
            &record,
            &case,
            &ctx,
            &actor,
            at,
            transition.into_iter().collect(),
        )
        .await?;
        tx.commit().await?;
        Ok(self.store.case(case_id).await?)
    }
}

fn check_version(record: &CaseRecord, version: Option<i64>) -> Result<()> {
    match version {
        Some(v) if v != record.version => Err(AppError::Conflict(format!(
            "办件{}已被他人更新（当前第{}版，您看到的是第{v}版），请刷新后重试",
            record.number, record.version
        ))),
        _ => Ok(()),
    }
}
