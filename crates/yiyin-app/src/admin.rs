//! The system administrator's data: the organisation (a jurisdiction's bureau, departments, halls,
//! windows, township centres and village points, checked before it is kept) and the working-day
//! calendar years (holiday-cn `YEAR.json`, checked, kept and used at once; an upload or correction
//! recomputes, in its transaction, the kept due dates of the open cases it gives or moves, and
//! their statistics), and the calendar's outlook: which years open
//! cases' deadlines reach that are not loaded, and next year's data before the year begins.

use chrono::Datelike;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::{Calendar, CalendarError, fmt_date};
use yiyin_domain::org::{Jurisdiction, Organisation};
use yiyin_domain::roles::Role;
use yiyin_store::events::NewEvent;
use yiyin_store::{Store, WriteTx};

use crate::App;
use crate::error::{AppError, Result};
use crate::principal::Principal;

/// Loads the built-in organisation into a database that has none; true if it did.
pub async fn init_organisation(store: &Store) -> Result<bool> {
    if store.jurisdiction_count().await? > 0 {
        return Ok(false);
    }
    save_organisation(store, &Organisation::builtin()).await?;
    Ok(true)
}

/// Checks and keeps an organisation.
pub async fn save_organisation(store: &Store, org: &Organisation) -> Result<()> {
    save_organisation_with(store, org, &[]).await
}

/// Checks and saves the organisation together with the events that record who changed it.
pub(crate) async fn save_organisation_with(
    store: &Store,
    org: &Organisation,
    events: &[NewEvent],
) -> Result<()> {
    org.check().map_err(|e| AppError::invalid(e.to_string()))?;
    let mut tx = store.begin_write().await?;
    tx.save_organisation(org, chrono::Utc::now().timestamp_millis())
        .await?;
    tx.append_events(events).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds the years uploaded to the store to a calendar; returns them.
pub async fn load_calendar_years(store: &Store, calendar: &mut Calendar) -> Result<Vec<i32>> {
    let mut years = Vec::new();
    for y in store.calendar_years().await? {
        years.push(
            calendar
                .load_year_json(&y.body)
                .map_err(AppError::internal)?,
        );
    }
    Ok(years)
}

/// How many weeks before a year begins its administrator is warned that its data is not loaded.
pub const WARN_WEEKS_AHEAD: i64 = 8;

/// The most open cases without dues one outlook or upload reads.
const OUTLOOK_LIMIT: i64 = 10_000;
/// The open cases read at a time when a calendar year's change recomputes their due dates.
const DUES_BATCH: i64 = 500;

/// What the working-day calendar has and lacks.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarOutlook {
    /// The years loaded.
    pub years: Vec<i32>,
    /// The years not loaded that are needed or soon will be.
    pub missing: Vec<MissingYear>,
}

/// A year the calendar lacks.
#[derive(Debug, Clone, Serialize)]
pub struct MissingYear {
    pub year: i32,
    /// The open cases whose deadlines reach it (shown as provisional, never carded, until loaded).
    pub cases: usize,
}

impl MissingYear {
    /// The warning, in Chinese.
    pub fn warning(&self) -> String {
        if self.cases == 0 {
            format!(
                "尚未载入{}年节假日数据：国务院办公厅公布{}年节假日安排后请尽快导入，否则跨入{}年的办理期限将只能暂按周末推算",
                self.year, self.year, self.year
            )
        } else {
            format!(
                "尚未载入{}年节假日数据：已有{}件在办办件的期限落入{}年，目前暂按周末推算（暂定），电子监察暂不对其亮牌；请尽快导入",
                self.year, self.cases, self.year
            )
        }
    }
}

impl App {
    fn require_calendar_admin(&self, who: &Principal) -> Result<()> {
        who.require_staff()?;
        if who.account.has_role(Role::SystemAdmin) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "无权维护节假日数据：仅限系统管理员".into(),
            ))
        }
    }

    /// The years the calendar covers, for its administrator.
    pub fn calendar_years(&self, who: &Principal) -> Result<Vec<i32>> {
        self.require_calendar_admin(who)?;
        Ok(self.calendar().years())
    }

    /// Uploads a year: checked, kept, and used at once; recorded as an event in each jurisdiction
    /// the administrator manages; in the same transaction the kept due dates of the open cases it
    /// gives or moves are recomputed ([`Self::recompute_dues`]) and so are their statistics.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn upload_calendar(&self, who: &Principal, text: &str) -> Result<i32> {
        self.require_calendar_admin(who)?;
        let file =
            Calendar::parse_year_json(text).map_err(|e| AppError::field("file", e.to_string()))?;
        let year = file.year;
        let mut calendar = self.calendar();
        calendar.load_year_json(text).map_err(AppError::internal)?;
        let actor = who.actor(&self.org());
        let events: Vec<NewEvent> = who
            .jurisdictions_for(Operation::ManageUsers)
            .iter()
            .map(|j| {
                NewEvent::new(
                    &actor,
                    self.now(),
                    j,
                    None,
                    "calendar_year_loaded",
                    format!("载入{year}年节假日数据"),
                    json!({"year": year}),
                )
            })
            .collect();
        let (first, last) = (
            chrono::NaiveDate::from_ymd_opt(year, 1, 1),
            chrono::NaiveDate::from_ymd_opt(year, 12, 31),
        );
        let (Some(first), Some(last)) = (first, last) else {
            return Err(AppError::field("file", format!("年份 {year} 无效")));
        };
        let mut tx = self.store.begin_write().await?;
        tx.save_calendar_year(year, text, &who.account.name, self.now().timestamp_millis())
            .await?;
        // The open cases' kept due dates that the year gives or moves are recomputed with it,
        // each with an event of its chain; the monitoring's next sweeps read them (cards issued
        // stay as they are).
        self.recompute_dues(&mut tx, who, &calendar, first).await?;
        // A year loaded again (corrected) changes the working days of the cases that live in
        // it: their statistics are recomputed with it in the same transaction.
        self.resummarise_days(&mut tx, &calendar, first, last)
            .await?;
        tx.append_events(&events).await?;
        tx.commit().await?;
        self.calendar
            .write()
            .expect("calendar lock")
            .load_year_json(text)
            .map_err(AppError::internal)?;
        Ok(year)
    }

    /// Recomputes, in the transaction of a calendar year loaded or corrected, the kept due dates of
    /// the open cases that the change from `from` on may move: those whose clock waited for the
    /// year (a provisional clock until now) and those with a due date on or after `from`. Each case
    /// whose dates change gets its columns rewritten from its unchanged state and a chained event
    /// naming the dates before and after. A case still reaching a year the calendar lacks keeps
    /// waiting. Returns how many cases changed.
    async fn recompute_dues(
        &self,
        tx: &mut WriteTx,
        who: &Principal,
        calendar: &Calendar,
        from: NaiveDate,
    ) -> Result<usize> {
        let today = self.today();
        let actor = who.actor(&self.org());
        let mut done = 0;
        let mut after = 0;
        loop {
            let batch = tx.open_cases_due_from(from, after, DUES_BATCH).await?;
            let Some(last) = batch.last() else {
                break;
            };
            after = last.id;
            for kept in batch {
                let record = tx.case(kept.id).await?;
                let Ok(clock) = record.deadlines(calendar, today) else {
                    continue;
                };
                let now = (
                    clock.statutory_due,
                    clock.promised_due,
                    clock.certificate_due,
                );
                if now == (kept.statutory_due, kept.promised_due, kept.certificate_due) {
                    continue;
                }
                let Some(due) = clock.statutory_due else {
                    continue;
                };
                tx.update_case(
                    &record,
                    &record.case,
                    Some(&clock),
                    self.now().timestamp_millis(),
                )
                .await?;
                let reason = match kept.statutory_due {
                    None => format!("节假日数据载入后计算期限：法定期限届满日 {}", fmt_date(due)),
                    Some(was) => format!(
                        "节假日数据更正后重算期限：法定期限届满日由 {} 改为 {}",
                        fmt_date(was),
                        fmt_date(due)
                    ),
                };
                tx.append_events(&[NewEvent::new(
                    &actor,
                    self.now(),
                    &record.jurisdiction,
                    Some(record.id),
                    "dues_computed",
                    reason,
                    json!({"statutory_due": due, "promised_due": clock.promised_due,
                        "certificate_due": clock.certificate_due,
                        "was": {"statutory_due": kept.statutory_due,
                            "promised_due": kept.promised_due,
                            "certificate_due": kept.certificate_due}}),
                )])
                .await?;
                done += 1;
            }
        }
        Ok(done)
    }

    /// What the calendar lacks, for its administrator: every year not loaded that an open case's
    /// deadline reaches (with how many cases wait for it), and next year when it is not loaded and
    /// begins within [`WARN_WEEKS_AHEAD`] weeks.
    pub async fn calendar_outlook(&self, who: &Principal) -> Result<CalendarOutlook> {
        self.require_calendar_admin(who)?;
        let calendar = self.calendar();
        let today = self.today();
        let mut waiting: std::collections::BTreeMap<i32, usize> = Default::default();
        for id in self.store.open_cases_without_dues(OUTLOOK_LIMIT).await? {
            let record = self.store.case(id).await?;
            if let Err(CalendarError::MissingYear(year)) = record.deadlines(&calendar, today) {
                *waiting.entry(year).or_default() += 1;
            }
        }
        let next = today.year() + 1;
        let begins = chrono::NaiveDate::from_ymd_opt(next, 1, 1).expect("a valid date");
        if !calendar.years().contains(&next) && (begins - today).num_weeks() < WARN_WEEKS_AHEAD {
            waiting.entry(next).or_default();
        }
        Ok(CalendarOutlook {
            years: calendar.years(),
            missing: waiting
                .into_iter()
                .map(|(year, cases)| MissingYear { year, cases })
                .collect(),
        })
    }

    /// A jurisdiction's organisation, for its system administrators.
    pub async fn organisation_of(&self, who: &Principal, code: &str) -> Result<Jurisdiction> {
        who.require_in(Operation::ManageUsers, code)?;
        Ok(self.store.jurisdiction(code).await?)
    }

    /// A jurisdiction's organisation to read, with where each entry's facts come from: for its
    /// system administrators and its catalog administrators (who check the catalog against it).
    pub async fn organisation_to_read(&self, who: &Principal, code: &str) -> Result<Jurisdiction> {
        if who.require_in(Operation::ManageUsers, code).is_err() {
            who.require_in(Operation::ManageCatalog, code)?;
        }
        Ok(self.store.jurisdiction(code).await?)
    }

    /// Replaces a jurisdiction's organisation (its code cannot change), checked with the whole.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn save_jurisdiction(
        &self,
        who: &Principal,
        code: &str,
        j: Jurisdiction,
    ) -> Result<()> {
        who.require_in(Operation::ManageUsers, code)?;
        if j.code != code {
            return Err(AppError::field(
                "text",
                format!("县区代码不能修改（应为 {code}）"),
            ));
        }
        let mut org = self.store.organisation().await?;
        let event = NewEvent::new(
            &who.actor(&org),
            self.now(),
            code,
            None,
            "org_save",
            format!("修改{}的机构设置", j.name),
            serde_json::to_value(&j).map_err(AppError::internal)?,
        );
        if let Some(slot) = org.jurisdictions.iter_mut().find(|x| x.code == code) {
            *slot = j;
        }
        save_organisation_with(&self.store, &org, &[event]).await?;
        self.reload_org().await?;
        // A rename or an end effective today changes the seals now (with the passphrase).
        self.refresh_seals().await?;
        Ok(())
    }
}
