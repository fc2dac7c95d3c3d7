//! Acts on a received bundle as a whole: the joint intake acts mirrored onto every member case,
//! the joint extension by the county government's head, and the one release of every result.

use super::*;

impl App {
    /// Takes an act on a bundle: the window's intake acts and release, the government head's
    /// extension. The members' decisions are their cases' ordinary actions.
    pub async fn act_on_bundle(
        &self,
        who: &Principal,
        id: i64,
        version: Option<i64>,
        act: BundleAct,
    ) -> Result<BundleView> {
        let record = self.bundle_record(id).await?;
        let whole = self.bundle_scope(&record.jurisdiction, &record.lead_department);
        let action = match &act {
            BundleAct::Accept => {
                who.require(Operation::Intake, &whole)?;
                Some(Action::Accept)
            }
            BundleAct::NotifySupplement { missing } => {
                who.require(Operation::Intake, &whole)?;
                Some(Action::NotifySupplement {
                    missing: missing.clone(),
                })
            }
            BundleAct::Supplement { materials } => {
                who.require(Operation::Intake, &whole)?;
                Some(Action::Supplement {
                    materials: materials.clone(),
                })
            }
            BundleAct::Release => {
                who.require(Operation::IssueCertificate, &whole)?;
                None
            }
            BundleAct::Extend { reason, days } => {
                who.require(Operation::ExtendBundle, &whole).map_err(|_| {
                    refused(
                        "AL-13",
                        "依据《行政许可法》第四十二条第二款，一件事联合办理的延期须经本级人民政府负责人批准，您无权批准",
                    )
                })?;
                check_extension_days(*days)?;
                Some(Action::Extend {
                    reason: reason.clone(),
                    approved_by: "government_head".into(),
                })
            }
        };
        self.carry_bundle_act(who, &record, version, &act, action, &[])
            .await
    }

    /// The applicant's own answer to the bundle's one supplement notice, online (补正材料): only
    /// the merged materials the notice asked for, each delivered with its file; every file stored
    /// once and linked to each member needing the material, under the member's own code. The
    /// bundle's applicant only, or an agent acting for it under a mandate (`crate::agency`).
    pub async fn supplement_bundle(
        &self,
        who: &Principal,
        id: i64,
        version: Option<i64>,
        materials: Vec<String>,
        uploads: Vec<crate::cases::Upload>,
    ) -> Result<BundleView> {
        let record = self.bundle_record(id).await?;
        if who.is_staff() {
            return Err(AppError::Forbidden(
                "窗口代收一件事的补正材料请在一件事页面办理（补正材料）；此处由申请人网上提交"
                    .into(),
            ));
        }
        if !self.is_bundle_applicant(who, &record) {
            return Err(AppError::Forbidden(
                "该一件事不是您（或您单位）申请的，您不能为其提交补正材料".into(),
            ));
        }
        let asked = record.body.0.case.asked_materials();
        let name_of = |code: &str| {
            record
                .resolved
                .0
                .materials
                .iter()
                .find(|m| m.code == code)
                .map_or_else(|| code.to_string(), |m| m.name.clone())
        };
        if materials.is_empty() {
            return Err(AppError::field(
                "materials",
                "请选择要提交的补正材料并上传其文件",
            ));
        }
        for code in &materials {
            if !asked.contains(code) {
                return Err(AppError::field(
                    "materials",
                    format!("材料 {} 不是补正告知要求您提交的材料", name_of(code)),
                ));
            }
            if !uploads.iter().any(|u| &u.material == code) {
                return Err(AppError::field(
                    &format!("file_{code}"),
                    format!(
                        "请上传材料 {} 的文件：申请人提交补正材料须附材料文件",
                        name_of(code)
                    ),
                ));
            }
        }
        if let Some(u) = uploads.iter().find(|u| !materials.contains(&u.material)) {
            return Err(AppError::field(
                &format!("file_{}", u.material),
                format!("材料 {} 不是补正告知要求您提交的材料", name_of(&u.material)),
            ));
        }
        let files = self.keep_uploads(&uploads).await?;
        let act = BundleAct::Supplement {
            materials: materials.clone(),
        };
        let action = Some(Action::Supplement { materials });
        self.carry_bundle_act(who, &record, version, &act, action, &files)
            .await
    }

    /// Whether the account is the bundle's applicant: the account it was received for, or the
    /// person or organisation it names (the account's own or verified ID number).
    pub(crate) fn is_bundle_applicant(&self, who: &Principal, record: &BundleRecord) -> bool {
        record.applicant_account == Some(who.account.id)
            || crate::projects::builder_of(who, &record.applicant.0.id_number)
    }

    /// Carries out an act on a bundle its caller may take (`act`, as the domain's `action`, or
    /// the release when none): the joint engine applied, the member cases mirrored, the files
    /// delivered with it linked to each member needing them, the event, the applicant told.
    async fn carry_bundle_act(
        &self,
        who: &Principal,
        record: &BundleRecord,
        version: Option<i64>,
        act: &BundleAct,
        action: Option<Action>,
        files: &[NewAttachment],
    ) -> Result<BundleView> {
        let id = record.id;
        let resolved = &record.resolved.0;
        let rules = super::rules_of(resolved)?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let at = self.now();
        let date = local_date(at);
        let mut body = record.body.0.clone();
        if let Some((ticked, _)) = body.case.tick(date) {
            body.case = ticked;
        }
        let actor = who.actor_at(&self.org(), true);
        let mut tx = self.store.begin_write().await?;
        let (label, documents, result) = match &action {
            Some(a) => {
                let applied =
                    body.engine()
                        .apply(&rules, &ctx, date, &BundleAction::Case(a.clone()))?;
                body = JointBundle::from(applied.bundle.clone());
                (a.label().to_string(), applied.documents(), None)
            }
            None => {
                let members: Vec<(String, MemberOutcome)> = tx
                    .bundle_cases(id)
                    .await?
                    .iter()
                    .map(|c| {
                        (
                            format!("{}（{}）", c.item_name, c.number),
                            MemberOutcome::of(&c.case),
                        )
                    })
                    .collect();
                let result = check_release(&body.case, body.released_on, &members)
                    .map_err(AppError::Refused)?;
                body.released_on = Some(date);
                ("统一出件".to_string(), vec![], Some(result))
            }
        };
        let current = version.unwrap_or(record.version);
        let state = if body.released_on.is_some() {
            "released"
        } else {
            body.case.state.code()
        };
        tx.update_bundle(id, current, &body, state, at.timestamp_millis())
            .await
            .map_err(conflict)?;
        let reason = match act {
            BundleAct::Extend { reason, .. } => reason.clone(),
            _ => String::new(),
        };
        if !files.is_empty() {
            for member in tx.bundle_cases(id).await? {
                let own = member_files(resolved, &member.item_code, files);
                tx.attach(member.id, &own, &actor.name, at.timestamp_millis())
                    .await?;
            }
        }
        if let Some(a) = &action {
            let why = format!("一件事 {}：{label}。{reason}", record.number);
            self.sync_members(
                &mut tx,
                id,
                &record.number,
                resolved,
                &body,
                &ctx,
                &actor,
                at,
                (a.name(), &why),
            )
            .await?;
        }
        let seqs = tx
            .append_events(&[NewEvent::new(
                &actor,
                at,
                &record.jurisdiction,
                None,
                ACT,
                format!("一件事 {}：{label}。{reason}", record.number),
                json!({
                    "bundle_id": id, "number": record.number, "act": act,
                    "documents": documents.iter().map(|d| d.title()).collect::<Vec<_>>(),
                    "files": files.iter().map(|f| json!({"material": f.material_code,
                        "name": f.file_name, "digest": f.digest})).collect::<Vec<_>>(),
                    "state": state, "result": result.map(|r| r.code()),
                }),
            )])
            .await?;
        // The applicant is told of the intake act (and the extension) once, for the bundle.
        if let Some(a) = &action {
            self.notify_bundle(
                &mut tx,
                &Told::of(record),
                &body.case,
                &ctx,
                (a.name(), &reason),
                seqs[0],
                at,
            )
            .await?;
        } else if let Some(result) = result {
            // The release: every member's results out at once, delivered and told once.
            self.deliver_released(&mut tx, id, at).await?;
            self.notify_bundle(
                &mut tx,
                &Told::of(record),
                &body.case,
                &ctx,
                ("release", result.label()),
                seqs[0],
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.bundle_view(who, id).await
    }

    /// Deemed acceptance of every bundle whose intake window passed without an act (the
    /// background sweep, with the cases'; Art. 32: 逾期不告知的，自收到申请材料之日起即为受理):
    /// see [`App::deem_bundle_accepted`]. Returns how many were deemed accepted. Safe on several
    /// servers at once: each bundle is written under its version, once.
    pub(crate) async fn sweep_bundle_intake(&self, at: DateTime<Utc>) -> Result<usize> {
        let mut done = 0;
        for id in self.store.bundles_received(1000).await? {
            match self.deem_bundle_accepted(id, at).await {
                Ok(true) => done += 1,
                Ok(false) | Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// A bundle received whose intake window (5 working days) passed on `at` without an intake
    /// act is accepted from the day it was received, with its joint due date; every member case
    /// mirrors it (`deemed_accept`, capped by the joint due date) and the applicant is told once.
    /// False when its window has not passed (or it had an act).
    pub async fn deem_bundle_accepted(&self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        let record = self.bundle_record(id).await?;
        let mut body = record.body.0.clone();
        let Some((case, deemed)) = body.case.tick(local_date(at)) else {
            return Ok(false);
        };
        body.case = case;
        let resolved = &record.resolved.0;
        let rules = super::rules_of(resolved)?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let actor = Actor::system();
        let reason = format!("一件事 {}：{}", record.number, deemed.reason());
        let mut tx = self.store.begin_write().await?;
        let state = body.case.state.code();
        tx.update_bundle(id, record.version, &body, state, at.timestamp_millis())
            .await
            .map_err(conflict)?;
        self.sync_members(
            &mut tx,
            id,
            &record.number,
            resolved,
            &body,
            &ctx,
            &actor,
            at,
            ("deemed_accept", &reason),
        )
        .await?;
        let seqs = tx
            .append_events(&[NewEvent::new(
                &actor,
                at,
                &record.jurisdiction,
                None,
                ACT,
                reason.clone(),
                json!({
                    "bundle_id": id, "number": record.number,
                    "act": {"action": "deemed_accept"},
                    "accepted_on": fmt_date(deemed.accepted_on),
                    "window_due": fmt_date(deemed.window_due), "state": state,
                }),
            )])
            .await?;
        self.notify_bundle(
            &mut tx,
            &Told::of(&record),
            &body.case,
            &ctx,
            ("deemed_accept", &deemed.reason()),
            seqs[0],
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
