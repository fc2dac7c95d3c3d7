//! The bad-rating desk: which ratings each role may list and read, the acts on a rectification
//! task (contact, rectify, callback, appeal and its decision) carried out through
//! `yiyin_domain::ratings`, and the figures and published rectifications of a jurisdiction.

use super::*;

impl App {
    /// The ratings `who` may list in a jurisdiction: every one (the rating administrator, the
    /// monitoring roles but observers, bureau rectifiers); those of the departments named by
    /// department grants (observers, a resident department's chief); tickets' ratings of their
    /// department (ticket handlers) or of every department (the centre's manager).
    fn rating_scope(&self, who: &Principal, jurisdiction: &str) -> Result<RatingScope> {
        let ops = [
            Operation::ManageRatings,
            Operation::Monitor,
            Operation::Rectify,
        ];
        let here: Vec<_> = who
            .account
            .grants
            .iter()
            .filter(|g| g.jurisdiction == jurisdiction)
            .collect();
        let mine: Vec<_> = here
            .iter()
            .filter(|g| ops.iter().any(|op| authz::role_may(g.role, *op)))
            .collect();
        let tickets: Vec<_> = here
            .iter()
            .filter(|g| {
                authz::role_may(g.role, Operation::HandleTickets)
                    || authz::role_may(g.role, Operation::ManageTickets)
            })
            .collect();
        if !who.is_staff() || (mine.is_empty() && tickets.is_empty()) {
            return Err(AppError::Forbidden(
                if who.is_staff() && !here.is_empty() {
                    "无权查看好差评：您的岗位没有此项职责"
                } else if who.is_staff() {
                    "无权访问：不属于您所在县区"
                } else {
                    "无权查看好差评：仅限工作人员"
                }
                .into(),
            ));
        }
        Ok(RatingScope {
            all: mine.iter().any(|g| g.department.is_none()),
            departments: mine.iter().filter_map(|g| g.department.clone()).collect(),
            all_tickets: tickets
                .iter()
                .any(|g| authz::role_may(g.role, Operation::ManageTickets)),
            ticket_departments: tickets
                .iter()
                .filter(|g| authz::role_may(g.role, Operation::HandleTickets))
                .filter_map(|g| g.department.clone())
                .collect(),
        })
    }

    /// A page of the ratings of a jurisdiction by filter (the query's `after` and `limit`), without
    /// their raters, with what is late today.
    pub async fn ratings(&self, who: &Principal, q: &RatingQuery) -> Result<Vec<RatingView>> {
        Ok(self.rating_page(who, q).await?.items)
    }

    /// The same with how many ratings the filter matches and the cursor of the next page.
    pub async fn rating_page(
        &self,
        who: &Principal,
        q: &RatingQuery,
    ) -> Result<ListPage<RatingView>> {
        for (field, value) in [
            ("jurisdiction", Some(&q.jurisdiction)),
            ("department", q.department.as_ref()),
            ("state", q.state.as_ref()),
            ("after", q.after.as_ref()),
        ] {
            check(field, value.map_or("", String::as_str), TextKind::Short)?;
        }
        let jurisdiction = q.jurisdiction.trim().to_string();
        let scope = self.rating_scope(who, &jurisdiction)?;
        let state = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(AppError::choice::<TaskState>("state", s, |w| {
                format!("整改状态应为以下之一：{w}")
            })?),
        };
        let (from, to) = (date_field("from", &q.from)?, date_field("to", &q.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::field("to", "结束日期不能早于开始日期"));
        }
        let filter = RatingFilter {
            jurisdiction,
            scope,
            department: q
                .department
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            bad_only: q.bad.unwrap_or(false) || state.is_some(),
            task_state: state,
            from,
            to,
            case_id: None,
            subject: None,
            after: match q.after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                None => None,
                Some(a) => Some(RatingKey::parse(a).ok_or_else(bad_cursor)?),
            },
            limit: page_limit(q.limit, RATING_PAGE)?,
        };
        let today = self.today();
        let mut rows = self
            .store
            .ratings(&RatingFilter {
                limit: filter.limit + 1,
                ..filter.clone()
            })
            .await?;
        let next = crate::paging::cut(&mut rows, filter.limit, |r| RatingKey::of(r).cursor());
        Ok(ListPage {
            items: rows.into_iter().map(|r| view(r, today)).collect(),
            count: self.store.rating_count(&filter).await?,
            next,
        })
    }

    /// Whether `who` may read a rating, and whether they see its rater (the rating administrator
    /// of its jurisdiction alone).
    fn may_read(&self, who: &Principal, r: &RatingRecord) -> Result<bool> {
        let scope = self.rating_scope(who, &r.jurisdiction)?;
        if !scope.covers(r.subject, &r.department) {
            return Err(AppError::Forbidden(
                "无权查看：该评价不属于您所在部门".into(),
            ));
        }
        Ok(who
            .require_in(Operation::ManageRatings, &r.jurisdiction)
            .is_ok())
    }

    /// One rating with its steps; the rater of a named rating for the rating administrator alone.
    pub async fn rating_detail(&self, who: &Principal, id: i64) -> Result<RatingDetail> {
        let r = self.rating_by_id(id).await?;
        let sees_rater = self.may_read(who, &r)?;
        let rater = if sees_rater && r.named {
            self.store.rater(id).await?
        } else {
            None
        };
        Ok(RatingDetail {
            steps: self.store.rectification_steps(id).await?,
            view: view(r, self.today()),
            rater,
        })
    }

    /// An act on the rectification task of a bad rating: contact, rectify, call back and appeal
    /// by the rated side ([`Operation::Rectify`] on the case; contact and callback also by the
    /// rating administrator); the decision of an appeal by the rating administrator alone.
    #[tracing::instrument(skip_all, fields(account = who.account.id, rating = id))]
    pub async fn act_on_rating(
        &self,
        who: &Principal,
        id: i64,
        input: &TaskInput,
    ) -> Result<RatingRecord> {
        let r = self.rating_by_id(id).await?;
        let subject = subject_of(&r)?;
        let admin = who.require_in(Operation::ManageRatings, &r.jurisdiction);
        let rated_side = match subject {
            SubjectId::Case(case_id) => {
                let record = self.store.case(case_id).await?;
                who.require(Operation::Rectify, &self.case_scope(&record))
            }
            SubjectId::Ticket(_) => self.ticket_rated_side(who, &r),
            // The agency centre is the bureau's: its head answers for the centre's service.
            SubjectId::Mandate(_) => who.require_in(Operation::ManageAgency, &r.jurisdiction),
        };
        let action = input.action.trim();
        if action == "decide_appeal" && admin.is_err() {
            return Err(AppError::Forbidden(
                "无权复核申诉：差评申诉由好差评管理员复核，被评价方不能复核".into(),
            ));
        }
        if let (Err(_), Err(e)) = (&admin, &rated_side) {
            return Err(e.clone());
        }
        match action {
            "rectify" | "appeal" if rated_side.is_err() => {
                return Err(AppError::Forbidden(format!(
                    "无权{}：{}",
                    if action == "appeal" {
                        "申诉"
                    } else {
                        "整改"
                    },
                    match subject {
                        SubjectId::Case(_) => "差评由被评价办件的科室负责人或局长整改、申诉",
                        SubjectId::Ticket(_) => {
                            "诉求工单的差评由承办该工单的部门（工单办理人员）整改、申诉"
                        }
                        SubjectId::Mandate(_) => "代办服务的差评由行政审批服务局局长整改、申诉",
                    }
                )));
            }
            _ => {}
        }
        let act = input.action()?;
        let (Some(task), Some(version)) = (r.task.clone(), r.task_version) else {
            return Err(AppError::Conflict("该评价不是差评，没有整改任务".into()));
        };
        if let Some(seen) = input.version
            && seen != version
        {
            return Err(AppError::Conflict(
                "该差评整改已被他人更新，请刷新后重试".into(),
            ));
        }
        let at = self.now();
        let today = local_date(at);
        let next = task.apply(today, &act)?;
        let actor = who.actor(&self.org());
        let detail = step_detail(&act);
        let mut tx = self.store.begin_write().await?;
        match tx
            .update_rectification(id, version, &next, at.timestamp_millis())
            .await
        {
            Err(StoreError::Conflict(Conflict::Changed(_))) => {
                return Err(AppError::Conflict(
                    "该差评整改已被他人更新，请刷新后重试".into(),
                ));
            }
            other => other?,
        }
        tx.insert_rectification_step(
            id,
            act.name(),
            &actor.name,
            &detail,
            today,
            at.timestamp_millis(),
        )
        .await?;
        let mut data = json!({"rating": id, "state": next.state.code()});
        let case_id = match subject {
            SubjectId::Case(case_id) => Some(case_id),
            SubjectId::Ticket(ticket) => {
                data["ticket"] = json!(ticket);
                data["number"] = json!(r.case_number);
                None
            }
            SubjectId::Mandate(mandate) => {
                data["mandate"] = json!(mandate);
                None
            }
        };
        let event = NewEvent::new(
            &actor,
            at,
            &r.jurisdiction,
            case_id,
            &format!("rating_{}", act.name()),
            match subject {
                SubjectId::Case(_) => format!("差评{}：{detail}", act.label()),
                SubjectId::Ticket(_) => {
                    format!("工单{}差评{}：{detail}", r.case_number, act.label())
                }
                SubjectId::Mandate(_) => {
                    format!("{}差评{}：{detail}", r.case_number, act.label())
                }
            },
            data,
        );
        tx.append_events(&[event]).await?;
        tx.commit().await?;
        self.rating_by_id(id).await
    }

    /// Whether `who` answers for a ticket's rating: a ticket handler of the department that
    /// handled it, or — for a ticket the centre answered at intake — the centre's manager.
    fn ticket_rated_side(&self, who: &Principal, r: &RatingRecord) -> Result<()> {
        let handler = who.is_staff()
            && who.account.grants.iter().any(|g| {
                g.jurisdiction == r.jurisdiction
                    && authz::role_may(g.role, Operation::HandleTickets)
                    && g.department.as_deref() == Some(r.department.as_str())
            });
        let centre = r.department == REQUESTS_CENTRE
            && who
                .require_in(Operation::ManageTickets, &r.jurisdiction)
                .is_ok();
        if handler || centre {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "无权办理该差评：诉求工单的差评由承办该工单的部门（工单办理人员）整改、申诉".into(),
            ))
        }
    }

    /// 好评率 and 差评整改率 of a jurisdiction for ratings given from `from` to `to` (inclusive),
    /// in all and per department, computed from the stored ratings; a rating whose appeal was
    /// upheld is left out (it stays on record). Public figures: no permission needed. For the
    /// statistics pages too.
    pub async fn rating_rates(
        &self,
        jurisdiction: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RatingRates> {
        self.jurisdiction(jurisdiction)?;
        if from > to {
            return Err(AppError::field("to", "结束日期不能早于开始日期"));
        }
        let rows = self.store.rating_counts(jurisdiction, from, to).await?;
        let sum = |f: fn(&RatingCounts) -> i64| rows.iter().map(f).sum::<i64>();
        let total = Rates::of(sum(|c| c.good), sum(|c| c.bad), sum(|c| c.rectified));
        Ok(RatingRates {
            jurisdiction: jurisdiction.to_string(),
            from,
            to,
            total,
            departments: rows
                .iter()
                .map(|c| DepartmentRates {
                    department: c.department.clone(),
                    rates: Rates::of(c.good, c.bad, c.rectified),
                })
                .collect(),
        })
    }

    /// The finished rectifications of a jurisdiction for the public page, the rater's name masked.
    pub async fn published_rectifications(
        &self,
        jurisdiction: &str,
    ) -> Result<Vec<PublishedRectification>> {
        let j = self.jurisdiction(jurisdiction)?;
        let rows = self
            .store
            .finished_rectifications(jurisdiction, 100)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(r, name)| {
                let task = r.task?;
                Some(PublishedRectification {
                    rated_on: r.rated_on,
                    item_name: r.item_name,
                    department: rated_side_name(Some(&j), &r.department),
                    level: r.level,
                    indicators: r.indicators,
                    rater: name.as_deref().map_or_else(|| "匿名".into(), mask_name),
                    outcome: task.outcome,
                    rectification: task.rectification.unwrap_or_default(),
                    rectified_on: task.rectified_on,
                    callback_view: task.callback_view,
                })
            })
            .collect())
    }

    /// Whether `who` may act on ratings somewhere in a jurisdiction (for the pages' forms):
    /// (rectify, administer).
    pub fn rating_duties(&self, who: &Principal, jurisdiction: &str) -> (bool, bool) {
        let rectify = who.is_staff()
            && who.account.grants.iter().any(|g| {
                g.jurisdiction == jurisdiction
                    && [
                        Operation::Rectify,
                        Operation::HandleTickets,
                        Operation::ManageTickets,
                    ]
                    .iter()
                    .any(|op| authz::role_may(g.role, *op))
            });
        let admin = who.is_staff()
            && who
                .account
                .grants
                .iter()
                .any(|g| g.jurisdiction == jurisdiction && g.role == Role::RatingAdmin);
        (rectify, admin)
    }
}

/// A rating as a desk lists it on `today`.
fn view(rating: RatingRecord, today: NaiveDate) -> RatingView {
    let (contact_overdue, rectify_overdue, allowed) = match &rating.task {
        Some(t) => (
            t.contact_overdue(today),
            t.rectify_overdue(today),
            t.allowed().into_iter().map(str::to_string).collect(),
        ),
        None => (false, false, Vec::new()),
    };
    RatingView {
        rating,
        contact_overdue,
        rectify_overdue,
        allowed,
    }
}

/// What a step records, in Chinese.
fn step_detail(act: &TaskAction) -> String {
    match act {
        TaskAction::Contact { note } => note.trim().to_string(),
        TaskAction::Rectify { outcome, text } => format!("{}：{}", outcome.label(), text.trim()),
        TaskAction::Callback { view, note } => {
            let note = note.trim();
            if note.is_empty() {
                format!("评价人意见：{}", view.label())
            } else {
                format!("评价人意见：{}；{note}", view.label())
            }
        }
        TaskAction::Appeal { reason } => reason.trim().to_string(),
        TaskAction::DecideAppeal { uphold, reason } => format!(
            "{}：{}",
            if *uphold {
                "申诉成立"
            } else {
                "申诉不成立"
            },
            reason.trim()
        ),
    }
}
