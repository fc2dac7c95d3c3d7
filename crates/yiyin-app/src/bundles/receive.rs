//! Receiving a bundle at the window: the intake form (the bundles in force, a chosen bundle's
//! members and merged materials) and the one receipt that makes every member an ordinary case.

use super::*;

impl App {
    /// What the window's receipt form of a bundle shows (the window clerk): the bundles in force
    /// in the jurisdiction and, for the one chosen in `situations`, its members and its merged
    /// material list.
    pub async fn bundle_intake_form(
        &self,
        who: &Principal,
        jurisdiction: &str,
        code: &str,
        situations: &[String],
    ) -> Result<BundleIntakeForm> {
        who.require_in(Operation::Receive, jurisdiction)?;
        self.bundle_form(jurisdiction, code, situations).await
    }

    /// The bundles in force and the one chosen with its members and merged materials, for
    /// whoever may fill its form (the window, or an applicant for a stage of its own project).
    pub(crate) async fn bundle_form(
        &self,
        jurisdiction: &str,
        code: &str,
        situations: &[String],
    ) -> Result<BundleIntakeForm> {
        let bundles = self.bundles_in_force(jurisdiction).await?;
        let Some(version) = bundles.iter().find(|v| v.code == code).cloned() else {
            return Ok(BundleIntakeForm {
                bundles,
                chosen: None,
                members: vec![],
                materials: vec![],
            });
        };
        let (items, resolved) = self
            .resolve_in_force(jurisdiction, &version.spec, situations)
            .await?;
        Ok(BundleIntakeForm {
            bundles,
            chosen: Some(version),
            members: items
                .iter()
                .map(|v| (v.item.code.clone(), v.item.name.clone()))
                .collect(),
            materials: resolved
                .materials
                .iter()
                .map(|m| MaterialLine {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    members: m.members.iter().map(|(i, _)| i.clone()).collect(),
                    provided: false,
                    shared: m.members.len() > 1,
                })
                .collect(),
        })
    }

    /// Receives a bundle at the window (收件) once, with the window's outcome in the same write:
    /// one number, the members under it, one receipt.
    pub async fn receive_bundle(
        &self,
        who: &Principal,
        input: ReceiveBundle,
    ) -> Result<BundleView> {
        self.receive_bundle_as(who, input, None).await
    }

    /// Receives a bundle at the window, as a stage of a construction project when `stage` names
    /// one (`crate::projects`: refused before the stage before it ended; the materials an earlier
    /// stage gave counted as given, never asked again).
    pub async fn receive_bundle_as(
        &self,
        who: &Principal,
        mut input: ReceiveBundle,
        stage: Option<crate::projects::StageOf>,
    ) -> Result<BundleView> {
        let today = self.today();
        let version = self
            .bundle_version_in_force(&input.jurisdiction, &input.bundle_code)
            .await?;
        let spec = &version.spec;
        if who.is_staff() {
            who.require(
                Operation::Receive,
                &self.bundle_scope(&input.jurisdiction, &spec.lead_department),
            )?;
            if !matches!(input.outcome, BundleIntake::Receive) {
                who.require(
                    Operation::Intake,
                    &self.bundle_scope(&input.jurisdiction, &spec.lead_department),
                )?;
            }
        } else {
            // Online, the applicant applies for themselves (or an agent for them) and the Art. 32
            // outcome stays the window's.
            if !matches!(input.outcome, BundleIntake::Receive) {
                return Err(AppError::Forbidden(
                    "网上申请只能提交申请；受理、补正告知等由窗口工作人员依据《行政许可法》第三十二条作出".into(),
                ));
            }
            if input.applicant.account != Some(who.account.id) {
                return Err(AppError::Forbidden(
                    "网上申请只能以本人或本单位的名义提交".into(),
                ));
            }
        }
        // Art. 31: the applicant answers for the truth of the materials, attested once for all.
        check_attestation(input.attested).map_err(AppError::Refused)?;
        input.applicant.check(today)?;
        let (items, resolved) = self
            .resolve_in_force(&input.jurisdiction, spec, &input.situations)
            .await?;
        if let Some(of) = &stage {
            let given = self
                .stage_intake(of, &input.jurisdiction, &version.code, &resolved)
                .await?;
            for code in given {
                if !input.materials.contains(&code) {
                    input.materials.push(code);
                }
            }
        }
        // A scanned material is provided by its file; a file of no merged material is refused.
        for u in &input.uploads {
            if !resolved.materials.iter().any(|m| m.code == u.material) {
                return Err(AppError::field(
                    &format!("file_{}", u.material),
                    format!(
                        "材料编码「{}」不在一件事「{}」的材料清单中",
                        u.material, spec.name
                    ),
                ));
            }
            if !input.materials.contains(&u.material) {
                input.materials.push(u.material.clone());
            }
        }
        // Each file kept once (the blob store keeps one copy of the bytes), before the write.
        let files = self.keep_uploads(&input.uploads).await?;
        for code in &input.materials {
            if !resolved.materials.iter().any(|m| &m.code == code) {
                return Err(AppError::field(
                    "materials",
                    format!("材料编码「{code}」不在一件事「{}」的材料清单中", spec.name),
                ));
            }
        }
        let rules = BundleRules::new(resolved.def.clone())
            .map_err(|e| AppError::field(&e.field, e.reason))?;
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        let ctx = rules.context(&calendar, &facts);
        let at = self.now();
        let date = local_date(at);
        let received = Bundle::receive(&ctx, date, &input.materials)?;
        let mut docs = received.documents();
        let mut bundle = received.bundle;
        let outcome = match input.outcome {
            BundleIntake::Receive => None,
            BundleIntake::Accept => Some(Action::Accept),
            BundleIntake::NotifySupplement => Some(Action::NotifySupplement {
                missing: if input.missing.is_empty() {
                    rules
                        .item()
                        .materials
                        .iter()
                        .filter(|m| !input.materials.contains(&m.code))
                        .map(|m| m.code.clone())
                        .collect()
                } else {
                    input.missing.clone()
                },
            }),
        };
        if let Some(a) = &outcome {
            let applied = bundle.apply(&rules, &ctx, date, &BundleAction::Case(a.clone()))?;
            docs.extend(applied.documents());
            bundle = applied.bundle;
        }
        let body = JointBundle::from(bundle);
        let members: Vec<BundleMemberRow> = items
            .iter()
            .map(|v| BundleMemberRow {
                bundle_id: 0,
                item_code: v.item.code.clone(),
                item_version: i64::from(v.version),
                item_name: v.item.name.clone(),
                department: v.item.department.clone(),
                handling_mode: v.item.handling_mode.code().to_string(),
            })
            .collect();
        let actor = who.actor_at(&self.org(), true);
        let mut tx = self.store.begin_write().await?;
        let j = tx.jurisdiction(&input.jurisdiction).await?;
        let number = next_number(&mut tx, &j, date).await?;
        let id = tx
            .insert_bundle(
                &NewBundle {
                    jurisdiction: &j.code,
                    number: &number,
                    bundle_code: &version.code,
                    bundle_version: i64::from(version.version),
                    name: &spec.name,
                    lead_department: &spec.lead_department,
                    applicant: &input.applicant,
                    resolved: &resolved,
                    body: &body,
                    state: body.case.state.code(),
                    received_by: who.account.id,
                    at_ms: at.timestamp_millis(),
                },
                &members,
            )
            .await?;
        if let Some(of) = &stage {
            self.link_stage(
                &mut tx,
                of,
                id,
                &resolved,
                &input.materials,
                at.timestamp_millis(),
            )
            .await?;
        }
        // Each member item becomes an ordinary case under the bundle, received with it.
        let mut numbers = Vec::new();
        let mut first_case = None;
        for v in &items {
            let item = &v.item;
            let item_rules = ItemRules::from(item);
            let mctx = Context {
                item: &item_rules,
                calendar: &calendar,
                applicant: &facts,
            };
            let provided: Vec<String> = input
                .materials
                .iter()
                .filter_map(|m| resolved.own_code(&item.code, m))
                .collect();
            let case = Case::receive(&mctx, date, &provided)?.case;
            let case_number = next_number(&mut tx, &j, date).await?;
            let clock = case.deadlines(&mctx, date).ok();
            let case_id = tx
                .insert_case(&NewCaseRow {
                    jurisdiction: &j.code,
                    number: &case_number,
                    query_code: &crate::accounts::random_code(6),
                    item_code: &item.code,
                    item_version: v.version,
                    item_name: &item.name,
                    department: &item.department,
                    supervising_department: &item.supervising_department,
                    handling_mode: item.handling_mode,
                    applicant: &input.applicant,
                    channel: actor.channel,
                    unit: "",
                    body: &CaseBody {
                        case: case.clone(),
                        item: item_rules.clone(),
                        result_name: item.result.name.clone(),
                        validity_years: item.result.validity_years,
                        form: None,
                        representation: Default::default(),
                    },
                    clock: clock.as_ref(),
                    at_ms: at.timestamp_millis(),
                })
                .await?;
            tx.set_case_bundle(case_id, id).await?;
            first_case.get_or_insert(case_id);
            // The member's files: its own materials' and the shared ones', under its own codes,
            // every member linked to the one stored file.
            let own = member_files(&resolved, &item.code, &files);
            tx.attach(case_id, &own, &actor.name, at.timestamp_millis())
                .await?;
            let record = tx.case(case_id).await?;
            let receipt = Transition {
                action: "receive".into(),
                reason: format!(
                    "一件事「{}」（办件编号 {number}）的成员事项，随一件事一次收件",
                    spec.name
                ),
                data: json!({
                    "materials": provided, "item_version": v.version, "number": case_number,
                    "unit": "", "state": case.state.code(), "bundle_id": id,
                    "bundle_number": number,
                }),
                effects: vec![],
            };
            self.record_case(&mut tx, &record, &actor, at, clock.as_ref(), vec![receipt])
                .await?;
            numbers.push(format!("{}（{case_number}）", item.name));
        }
        if let Some(a) = &outcome {
            let reason = format!("一件事 {number}：{}", a.label());
            self.sync_members(
                &mut tx,
                id,
                &number,
                &resolved,
                &body,
                &ctx,
                &actor,
                at,
                (a.name(), &reason),
            )
            .await?;
        }
        let event = NewEvent::new(
            &actor,
            at,
            &j.code,
            None,
            RECEIVE,
            format!(
                "一件事「{}」收件，办件编号 {number}，成员事项：{}",
                spec.name,
                numbers.join("、")
            ),
            json!({
                "bundle_id": id, "number": number, "bundle_code": version.code,
                "bundle_version": version.version, "situations": input.situations,
                "materials": input.materials, "outcome": outcome.as_ref().map(|a| a.name()),
                "files": files.iter().map(|f| json!({"material": f.material_code,
                    "name": f.file_name, "digest": f.digest})).collect::<Vec<_>>(),
                "documents": docs.iter().map(|d| d.title()).collect::<Vec<_>>(),
                "state": body.case.state.code(),
            }),
        );
        let seqs = tx.append_events(&[event]).await?;
        // The applicant is told once for the bundle: its receipt, and the intake act taken with it.
        let told = Told {
            id,
            number: &number,
            name: &spec.name,
            applicant: (
                input.applicant.account,
                input.applicant.id_number.as_str(),
                &input.applicant.phone,
            ),
        };
        let reasons = outcome.iter().map(|a| (a.name(), a.label()));
        for (action, reason) in std::iter::once(("receive", "")).chain(reasons) {
            self.notify_bundle(
                &mut tx,
                &told,
                &body.case,
                &ctx,
                (action, reason),
                seqs[0],
                at,
            )
            .await?;
        }
        // Applied for online: the lead department's window is told it waits for its act.
        if let (false, Some(case_id)) = (who.is_staff(), first_case) {
            let message = yiyin_domain::notifications::online_application_notice(
                &number,
                &spec.name,
                &input.applicant.name,
                &format!("/work/bundles/{id}"),
            );
            let scope = self.bundle_scope(&j.code, &spec.lead_department);
            self.tell_window(
                &mut tx,
                (&j.code, &scope),
                &message,
                case_id,
                &format!("online:bundle:{id}"),
                at,
            )
            .await?;
        }
        tx.commit().await?;
        self.bundle_view(who, id).await
    }

    /// Carries the bundle's intake and joint clock into its member cases, in `tx`: each member
    /// case mirrors the bundle's intake (`Case::mirror_intake`), takes its extension and is capped
    /// by its joint statutory due date; a member case that changed gets the event
    /// `(action, reason)` (its documents are the bundle's: one notice, one acceptance).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn sync_members(
        &self,
        tx: &mut WriteTx,
        bundle_id: i64,
        number: &str,
        resolved: &Resolved,
        body: &JointBundle,
        ctx: &Context<'_>,
        actor: &Actor,
        at: DateTime<Utc>,
        (action, reason): (&str, &str),
    ) -> Result<()> {
        let date = local_date(at);
        let joint_due = body
            .case
            .dues(ctx, date)
            .ok()
            .flatten()
            .map(|d| d.statutory);
        let (calendar, facts) = (self.calendar(), ApplicantFacts::default());
        for record in tx.bundle_cases(bundle_id).await? {
            let mut case = record
                .case
                .mirror_intake(&body.case, |m| resolved.own_code(&record.item_code, m));
            if let Some(e) = &body.case.extension {
                case = case.join_extension(e);
            }
            if case.accepted_on.is_some() && !case.is_closed() {
                case.joint_due = joint_due;
            }
            if case == record.case {
                continue;
            }
            let transition = Transition {
                action: action.to_string(),
                reason: reason.to_string(),
                data: json!({"state": case.state.code(), "bundle_id": bundle_id,
                    "bundle_number": number, "joint_due": case.joint_due.map(fmt_date)}),
                effects: vec![],
            };
            let mctx = record.context(&calendar, &facts);
            self.update_case(tx, &record, &case, &mctx, actor, at, vec![transition])
                .await?;
        }
        Ok(())
    }
}

/// The files of a bundle's merged materials that a member needs, under the member's own material
/// codes (one stored file linked to every member needing it).
pub(super) fn member_files(
    resolved: &Resolved,
    item_code: &str,
    files: &[NewAttachment],
) -> Vec<NewAttachment> {
    files
        .iter()
        .filter_map(|f| {
            resolved
                .own_code(item_code, &f.material_code)
                .map(|code| NewAttachment {
                    material_code: code,
                    ..f.clone()
                })
        })
        .collect()
}
