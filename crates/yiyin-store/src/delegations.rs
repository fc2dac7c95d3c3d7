//! Township delegations (委托实施) and village agency points' forwardings (代收代办): the records,
//! the revocation, the hand-back of a case to the bureau, and the applications a village point took
//! until its township receives them. The rules are `yiyin_domain::delegation`'s.

use chrono::NaiveDate;
use yiyin_domain::delegation::{Delegation, DelegationScope, Delegator};

use crate::rows::{Json, day, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    /// A delegation as stored (codes as text, items as JSON).
    struct DelegationRow {
        id: i64,
        jurisdiction: String,
        delegator: String,
        township: String,
        items: Json<Vec<String>>,
        scope: String,
        valid_from: NaiveDate,
        valid_until: NaiveDate,
        legal_basis: String,
        forward_days: i64,
        notice_number: String,
        revoked_on: Option<NaiveDate>,
        revoke_reason: String,
    }
}

impl DelegationRow {
    fn into_delegation(self) -> Result<Delegation> {
        let corrupt = |what: &str, code: &str| {
            StoreError::Corrupt(format!("delegation {}: unknown {what} {code:?}", self.id))
        };
        Ok(Delegation {
            delegator: Delegator::parse(&self.delegator)
                .ok_or_else(|| corrupt("delegator", &self.delegator))?,
            scope: DelegationScope::parse(&self.scope)
                .ok_or_else(|| corrupt("scope", &self.scope))?,
            id: self.id,
            jurisdiction: self.jurisdiction,
            township: self.township,
            items: self.items.0,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            legal_basis: self.legal_basis,
            forward_days: u32::try_from(self.forward_days).unwrap_or(1),
            notice_number: self.notice_number,
            revoked_on: self.revoked_on,
            revoke_reason: self.revoke_reason,
        })
    }
}

/// A new delegation, as the application layer checked it.
#[derive(Debug, Clone)]
pub struct NewDelegation<'a> {
    pub jurisdiction: &'a str,
    pub delegator: Delegator,
    pub township: &'a str,
    pub items: &'a [String],
    pub scope: DelegationScope,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub legal_basis: &'a str,
    pub forward_days: u32,
    pub notice_number: &'a str,
    pub created_by: i64,
    pub created_at: i64,
}

record! {
    /// An application a village agency point took (代收), until and after its township received it.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Forwarding {
        pub id: i64,
        pub jurisdiction: String,
        /// The village point's code.
        pub village: String,
        /// The township centre that receives it; '' once handed back to the bureau (its
        /// delegation revoked before the township received it).
        pub township: String,
        pub item_code: String,
        pub applicant_name: String,
        /// The application as taken (applicant, materials), as JSON text.
        #[serde(skip)]
        pub application: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        pub taken_on: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        pub due_on: NaiveDate,
        pub taken_by: i64,
        pub taken_at: i64,
        /// The case it became when the township received it.
        pub case_id: Option<i64>,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        pub received_on: Option<NaiveDate>,
        pub received_by: Option<i64>,
    }
}

/// A new forwarding.
#[derive(Debug, Clone)]
pub struct NewForwarding<'a> {
    pub jurisdiction: &'a str,
    pub village: &'a str,
    pub township: &'a str,
    pub item_code: &'a str,
    pub applicant_name: &'a str,
    pub application: &'a serde_json::Value,
    pub taken_on: NaiveDate,
    pub due_on: NaiveDate,
    pub taken_by: i64,
    pub taken_at: i64,
}

impl WriteTx {
    /// Records a delegation; returns its id. A second one with the same notice number in the
    /// jurisdiction is [`Conflict::Taken`].
    pub async fn insert_delegation(&mut self, d: &NewDelegation<'_>) -> Result<i64> {
        let taken: Option<i64> = sql!(
            "SELECT id FROM delegations WHERE jurisdiction = $1 AND notice_number = $2";
            d.jurisdiction, d.notice_number)
        .optional_scalar(&mut **self)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Taken {
                what: "notice_number",
                value: d.notice_number.to_string(),
            }));
        }
        let id = insert!("delegations", d;
            jurisdiction, delegator = d.delegator.code(), township,
            items = serde_json::to_string(d.items)?, scope = d.scope.code(),
            valid_from = day(d.valid_from), valid_until = day(d.valid_until), legal_basis,
            forward_days = i64::from(d.forward_days), notice_number, created_by, created_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await?;
        self.setting_changed(crate::settings::DELEGATIONS).await?;
        Ok(id)
    }

    /// Revokes a delegation not revoked yet, from `on`.
    pub async fn revoke_delegation(&mut self, id: i64, on: NaiveDate, reason: &str) -> Result<()> {
        sql!(
            "UPDATE delegations SET revoked_on = $1, revoke_reason = $2
             WHERE id = $3 AND revoked_on IS NULL";
            day(on), reason, id)
        .run_once(&mut **self, "delegation")
        .await?;
        self.setting_changed(crate::settings::DELEGATIONS).await
    }

    /// Hands a case over to another unit ('' : the bureau's back office), as a new version; its
    /// body, and so its clock, unchanged.
    pub async fn hand_case_to(&mut self, case_id: i64, unit: &str, at_ms: i64) -> Result<()> {
        sql!(
            "UPDATE cases SET unit = $1, version = version + 1, updated_at = $2 WHERE id = $3";
            unit, at_ms, case_id)
        .run_once(&mut **self, "case")
        .await?;
        // The desk's window filter follows the case, on the cards and their staff rows.
        sql!("UPDATE monitoring_cards SET unit = $1 WHERE case_id = $2"; unit, case_id)
            .run(&mut **self)
            .await?;
        sql!(
            "UPDATE monitoring_card_staff SET unit = $1
             WHERE card_id IN (SELECT id FROM monitoring_cards WHERE case_id = $2)";
            unit, case_id)
        .run(&mut **self)
        .await
    }

    /// The open cases of a delegated item received at one of `units` of a jurisdiction, by id.
    pub async fn open_delegated_cases(
        &mut self,
        jurisdiction: &str,
        units: &[String],
        items: &[String],
    ) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for unit in units {
            for item in items {
                let ids: Vec<i64> = sql!(
                    "SELECT id FROM cases WHERE jurisdiction = $1 AND unit = $2 AND item_code = $3
                       AND handling_mode = $4 AND closed = 0 ORDER BY id";
                    jurisdiction, unit, item, yiyin_domain::catalog::HandlingMode::Delegated.code())
                .scalars(&mut **self)
                .await?;
                out.extend(ids);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The applications a township's village points took that it has not received yet, of the
    /// items `items`, by id.
    pub async fn waiting_forwardings(
        &mut self,
        jurisdiction: &str,
        township: &str,
        items: &[String],
    ) -> Result<Vec<Forwarding>> {
        let all: Vec<Forwarding> = sql!(select::<Forwarding>(
            "village_forwardings WHERE jurisdiction = $1 AND township = $2 AND case_id IS NULL
             ORDER BY id"); jurisdiction, township)
        .all(&mut **self)
        .await?;
        Ok(all
            .into_iter()
            .filter(|f| items.contains(&f.item_code))
            .collect())
    }

    /// Hands a waiting forwarding over to another receiver ('': the bureau's window), once it is
    /// no longer its township's to receive.
    pub async fn hand_forwarding_to(&mut self, id: i64, township: &str) -> Result<()> {
        sql!(
            "UPDATE village_forwardings SET township = $1 WHERE id = $2 AND case_id IS NULL";
            township, id)
        .run_once(&mut **self, "forwarding")
        .await
    }

    /// Records an application a village point took; returns its id.
    pub async fn insert_forwarding(&mut self, f: &NewForwarding<'_>) -> Result<i64> {
        insert!("village_forwardings", f;
            jurisdiction, village, township, item_code, applicant_name,
            application = serde_json::to_string(f.application)?, taken_on = day(f.taken_on),
            due_on = day(f.due_on), taken_by, taken_at;
            "RETURNING id")
        .scalar(&mut **self)
        .await
    }

    /// Marks a forwarding received by its township as the case `case_id`; once.
    pub async fn receive_forwarding(
        &mut self,
        id: i64,
        case_id: i64,
        on: NaiveDate,
        by: i64,
    ) -> Result<()> {
        sql!(
            "UPDATE village_forwardings SET case_id = $1, received_on = $2, received_by = $3
             WHERE id = $4 AND case_id IS NULL";
            case_id, day(on), by, id)
        .run_once(&mut **self, "forwarding")
        .await
    }
}

impl Store {
    /// Every delegation (of a jurisdiction, or of all), by id.
    pub async fn delegations(&self, jurisdiction: Option<&str>) -> Result<Vec<Delegation>> {
        let rows: Vec<DelegationRow> = match jurisdiction {
            Some(j) => {
                sql!(select::<DelegationRow>("delegations WHERE jurisdiction = $1 ORDER BY id"); j)
                    .all(self.reader())
                    .await?
            }
            None => {
                sql!(select::<DelegationRow>("delegations ORDER BY id"))
                    .all(self.reader())
                    .await?
            }
        };
        rows.into_iter()
            .map(DelegationRow::into_delegation)
            .collect()
    }

    /// One delegation.
    pub async fn delegation(&self, id: i64) -> Result<Option<Delegation>> {
        sql!(select::<DelegationRow>("delegations WHERE id = $1"); id)
            .optional::<DelegationRow, _>(self.reader())
            .await?
            .map(DelegationRow::into_delegation)
            .transpose()
    }

    /// One forwarding.
    pub async fn forwarding(&self, id: i64) -> Result<Option<Forwarding>> {
        sql!(select::<Forwarding>("village_forwardings WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// The forwardings of a township (its village points'), those still waiting first, by id.
    pub async fn forwardings(&self, jurisdiction: &str, township: &str) -> Result<Vec<Forwarding>> {
        sql!(select::<Forwarding>(
            "village_forwardings WHERE jurisdiction = $1 AND township = $2
             ORDER BY CASE WHEN case_id IS NULL THEN 0 ELSE 1 END, id"); jurisdiction, township)
        .all(self.reader())
        .await
    }
}
