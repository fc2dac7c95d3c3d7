//! The system administrator's data: the organisation (a jurisdiction's bureau, departments, halls,
//! windows, township centres and village points, checked before it is kept) and the working-day
//! calendar years (holiday-cn `YEAR.json`, checked, kept and used at once).

use yiyin_domain::authz::Operation;
use yiyin_domain::calendar::Calendar;
use yiyin_domain::org::{Jurisdiction, Organisation};
use yiyin_domain::roles::Role;
use yiyin_store::Store;
use yiyin_store::events::NewEvent;

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
async fn save_organisation_with(
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

/// Checks and keeps a year's file; returns the year.
pub async fn upload_calendar_year(store: &Store, text: &str, by: &str) -> Result<i32> {
    let file =
        Calendar::parse_year_json(text).map_err(|e| AppError::field("file", e.to_string()))?;
    let mut tx = store.begin_write().await?;
    tx.save_calendar_year(file.year, text, by, chrono::Utc::now().timestamp_millis())
        .await?;
    tx.commit().await?;
    Ok(file.year)
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

    /// Uploads a year: checked, kept, and used at once.
    #[tracing::instrument(skip_all, fields(account = who.account.id))]
    pub async fn upload_calendar(&self, who: &Principal, text: &str) -> Result<i32> {
        self.require_calendar_admin(who)?;
        let year = upload_calendar_year(&self.store, text, &who.account.name).await?;
        self.calendar
            .write()
            .expect("calendar lock")
            .load_year_json(text)
            .map_err(AppError::internal)?;
        Ok(year)
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
