//! The register of e-licences: every version of every licence with its identifier (GB/T 36904
//! structure), holder, issuer, validity, recorded status, sealing and risk grading; the serials of
//! identifiers per jurisdiction.

use chrono::NaiveDate;
use serde::Serialize;
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{LicenceStatus, status_on};
use yiyin_domain::party::SubjectId;

use sqlx::any::AnyRow;

use crate::paging::IdPage;
use crate::rows::{Column, Statement, columns_of, day, insert, record, select, sql};
use crate::{Missing, Result, Store, StoreError, WriteTx};

record! {
    /// A licence (one version of it).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Licence {
        pub id: i64,
        /// The e-licence identifier (GB/T 36904 structure).
        pub identifier: String,
        pub case_id: i64,
        pub jurisdiction: String,
        pub item_code: String,
        pub name: String,
        pub holder: String,
        #[serde(skip)]
        pub holder_id: SubjectId = holder_id,
        pub issuer: String,
        pub issuer_credit_code: String,
        pub issued_on: NaiveDate,
        pub valid_until: Option<NaiveDate>,
        /// The status as recorded (valid, changed, revoked, cancelled); see [`Licence::status_on`].
        pub status: LicenceStatus,
        pub version: i64,
        pub document_id: Option<i64>,
        /// The supervising department's risk grading of the licensee (random inspections).
        pub risk: Risk,
        pub supervising_department: String,
    }
}

/// The holder's id of a licence row; a corrupt one names the licence.
fn holder_id(row: &AnyRow, column: &str) -> Result<SubjectId, sqlx::Error> {
    let text: String = Column::get(row, column)?;
    SubjectId::parse_any(&text).map_err(|e| {
        let identifier = String::get(row, "identifier").unwrap_or_default();
        sqlx::Error::Decode(format!("licence {identifier} holder id: {e}").into())
    })
}

impl Licence {
    /// The status on a date (a valid licence past its end date has expired).
    pub fn status_on(&self, today: NaiveDate) -> LicenceStatus {
        status_on(self.status, self.valid_until, today)
    }
}

/// A licence to enter in the register.
#[derive(Debug, Clone)]
pub struct NewLicence {
    pub identifier: String,
    pub case_id: i64,
    pub jurisdiction: String,
    pub item_code: String,
    pub name: String,
    pub holder: String,
    pub holder_id: SubjectId,
    pub issuer: String,
    pub issuer_credit_code: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub version: i64,
    pub supervising_department: String,
    pub risk: Risk,
}

/// The serial and version inside an identifier (…{serial:08}{version:02}{check}).
pub fn serial_and_version(identifier: &str) -> Option<(u64, u32)> {
    let body = identifier.get(..identifier.len().checked_sub(1)?)?;
    let n = body.len();
    let version = body.get(n.checked_sub(2)?..)?.parse().ok()?;
    let serial = body.get(n.checked_sub(10)?..n - 2)?.parse().ok()?;
    Some((serial, version))
}

impl WriteTx {
    /// The next serial of a jurisdiction's licence identifiers.
    pub async fn next_licence_serial(&mut self, jurisdiction: &str) -> Result<u64> {
        let serial: i64 = sql!(
            "INSERT INTO licence_serials (jurisdiction, next) VALUES ($1, 1)
             ON CONFLICT (jurisdiction) DO UPDATE SET next = licence_serials.next + 1 RETURNING next";
            jurisdiction
        )
        .scalar(&mut **self)
        .await?;
        u64::try_from(serial).map_err(|_| StoreError::Corrupt(format!("licence serial {serial}")))
    }

    /// Enters a licence in the register, valid.
    pub async fn insert_licence(&mut self, l: &NewLicence, at_ms: i64) -> Result<()> {
        insert!("licences", l;
            identifier, case_id, jurisdiction, item_code, name, holder,
            holder_id = l.holder_id.as_str(), issuer, issuer_credit_code,
            issued_on = day(l.issued_on), valid_until = l.valid_until.map(day), status = "valid",
            version, updated_at = at_ms, supervising_department, risk = l.risk.code())
        .run(&mut **self)
        .await
    }

    /// Records the sealed document of a licence.
    pub async fn set_licence_document(&mut self, identifier: &str, document: i64) -> Result<()> {
        sql!("UPDATE licences SET document_id = $1 WHERE identifier = $2"; document, identifier)
            .run(&mut **self)
            .await
    }

    /// Changes a licence's recorded status from `from` to `to`; false when it was not `from` any
    /// more (another act changed it first: under concurrent writers exactly one wins).
    pub async fn set_licence_status(
        &mut self,
        identifier: &str,
        from: LicenceStatus,
        to: LicenceStatus,
        at_ms: i64,
    ) -> Result<bool> {
        sql!(
            "UPDATE licences SET status = $1, updated_at = $2 WHERE identifier = $3 AND status = $4";
            to.code(), at_ms, identifier, from.code()
        )
        .changed_one(&mut **self)
        .await
    }

    /// Records the supervising department's risk grading of a licensee.
    pub async fn set_licence_risk(&mut self, identifier: &str, risk: Risk) -> Result<()> {
        sql!("UPDATE licences SET risk = $1 WHERE identifier = $2"; risk.code(), identifier)
            .run(&mut **self)
            .await
    }

    /// A licence as this transaction sees it.
    pub async fn licence(&mut self, identifier: &str) -> Result<Licence> {
        let missing = Missing::Licence(identifier.to_string());
        sql!(select::<Licence>("licences WHERE identifier = $1"); identifier)
            .found(&mut **self, missing)
            .await
    }

    /// The version in force of the licence a case issued (a change or renewal issues new ones).
    pub async fn licence_in_force_of_case(&mut self, case_id: i64) -> Result<Option<String>> {
        sql!(
            "SELECT identifier FROM licences WHERE case_id = $1 AND status = 'valid' ORDER BY version DESC LIMIT 1";
            case_id
        )
        .optional_scalar(&mut **self)
        .await
    }
}

impl Store {
    pub async fn licence(&self, identifier: &str) -> Result<Option<Licence>> {
        let from = "licences WHERE identifier = $1";
        sql!(select::<Licence>(from); identifier.trim())
            .optional(self.reader())
            .await
    }

    /// The licences issued on the cases an applicant's account filed, newest first (every version).
    pub async fn licences_of_account(&self, account: i64) -> Result<Vec<Licence>> {
        let select = format!(
            "SELECT {} FROM licences l JOIN cases c ON c.id = l.case_id WHERE c.applicant_account = $1
             ORDER BY l.id DESC LIMIT 500",
            columns_of::<Licence>("l")
        );
        sql!(select; account).all(self.reader()).await
    }

    /// A page of an applicant's licences (我的证照), newest first: those issued on the cases its
    /// account filed and, once its identity is verified, every licence held under the verified ID
    /// number; a bundle's member licence only once the bundle is released (统一出件: the bundle's
    /// state `released`, as the application layer's `ResultRelease` holds it back until then).
    /// Those before the licence version `after` (None: the first page), at most `limit` (1 to
    /// 1000), and how many in all.
    pub async fn licence_page_of_applicant(
        &self,
        account: i64,
        verified: Option<&SubjectId>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<IdPage<Licence>> {
        let limit = limit.clamp(1, 1000);
        let holder = verified.map(SubjectId::as_str);
        let push_filter = |q: &mut Statement<'_>| {
            q.push("(c.applicant_account = ").push_bind(account);
            if let Some(holder) = holder {
                q.push(" OR l.holder_id = ").push_bind(holder.to_string());
            }
            q.push(
                ") AND (c.bundle_id IS NULL OR EXISTS (SELECT 1 FROM bundles b \
                 WHERE b.id = c.bundle_id AND b.state = 'released'))",
            );
        };
        let from = "licences l JOIN cases c ON c.id = l.case_id WHERE ";
        let mut q = Statement::new(format!("SELECT {} FROM {from}", columns_of::<Licence>("l")));
        push_filter(&mut q);
        q.push(" AND l.id < ")
            .push_bind(after.unwrap_or(i64::MAX))
            .push(" ORDER BY l.id DESC LIMIT ")
            .push_bind(limit + 1);
        let rows = q.all(self.reader()).await?;
        let mut count = Statement::new(format!("SELECT COUNT(*) FROM {from}"));
        push_filter(&mut count);
        let count = count.scalar(self.reader()).await?;
        Ok(IdPage::cut(rows, limit, count, |l| l.id))
    }

    /// The licences of a holder named as a material asks for one (its name, or a name the
    /// material's contains: 「营业执照副本」 finds 营业执照), newest first: every version of every
    /// such licence, however many others the holder has.
    pub async fn licences_of_holder_named(
        &self,
        holder: &SubjectId,
        material: &str,
    ) -> Result<Vec<Licence>> {
        let from = "licences WHERE holder_id = $1 AND (name = $2 OR $2 LIKE '%' || name || '%')
             ORDER BY id DESC LIMIT 1000";
        sql!(select::<Licence>(from); holder.as_str(), material)
            .all(self.reader())
            .await
    }

    /// The licences of a holder, newest first (at most 500).
    pub async fn licences_of_holder(&self, holder: &SubjectId) -> Result<Vec<Licence>> {
        self.licences_of_holder_after(holder, None, 500).await
    }

    /// The licences of a holder, newest first, after the licence `after` (an id; None: from the
    /// newest), at most `limit` (1 to 1 000).
    pub async fn licences_of_holder_after(
        &self,
        holder: &SubjectId,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Licence>> {
        let from = "licences WHERE holder_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
        sql!(select::<Licence>(from); holder.as_str(), after.unwrap_or(i64::MAX), limit.clamp(1, 1000))
            .all(self.reader())
            .await
    }

    /// Every version of every licence a jurisdiction issued from `from` to `to` (both included),
    /// in the order they were issued, after the row `after` (an id; 0 for the first), at most
    /// `limit`: the approvals published under 政务公开.
    pub async fn licences_issued(
        &self,
        jurisdiction: &str,
        from: NaiveDate,
        to: NaiveDate,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Licence>> {
        let from_sql =
            "licences WHERE jurisdiction = $1 AND issued_on >= $2 AND issued_on <= $3 AND id > $4
             ORDER BY id LIMIT $5";
        sql!(select::<Licence>(from_sql); jurisdiction, day(from), day(to), after, limit)
            .all(self.reader())
            .await
    }

    /// The newest version of the licence a case issued, if any.
    pub async fn licence_of_case(&self, case_id: i64) -> Result<Option<Licence>> {
        let from = "licences WHERE case_id = $1 ORDER BY version DESC, id DESC LIMIT 1";
        sql!(select::<Licence>(from); case_id)
            .optional(self.reader())
            .await
    }

    /// Every version of the licence a case issued, oldest first.
    pub async fn licences_of_case(&self, case_id: i64) -> Result<Vec<Licence>> {
        let from = "licences WHERE case_id = $1 ORDER BY id";
        sql!(select::<Licence>(from); case_id)
            .all(self.reader())
            .await
    }

    /// The licence a document records, if it is a licence.
    pub async fn licence_of_document(&self, document_id: i64) -> Result<Option<Licence>> {
        let from = "licences WHERE document_id = $1";
        sql!(select::<Licence>(from); document_id)
            .optional(self.reader())
            .await
    }

    /// Licences recorded valid whose validity ended before `today`, without a renewal under review.
    pub async fn licences_past_validity(
        &self,
        today: NaiveDate,
        limit: i64,
    ) -> Result<Vec<String>> {
        sql!(
            "SELECT identifier FROM licences WHERE status = 'valid' AND valid_until IS NOT NULL AND valid_until < $1
               AND identifier NOT IN (SELECT licence FROM licence_acts WHERE kind = 'renewal' AND state = 'pending')
             ORDER BY id LIMIT $2";
            day(today), limit
        )
        .scalars(self.reader())
        .await
    }

    /// The licences in force a department supervises in a jurisdiction, optionally of one item and
    /// one risk class, by identifier (the pool of a random inspection).
    pub async fn supervised_licences(
        &self,
        jurisdiction: &str,
        department: &str,
        item_code: Option<&str>,
        risk: Option<Risk>,
        today: NaiveDate,
    ) -> Result<Vec<Licence>> {
        let from = "licences
                 WHERE jurisdiction = $1 AND supervising_department = $2 AND status = 'valid'
                   AND ($3 = '' OR item_code = $3) AND ($4 = '' OR risk = $4)
                 ORDER BY identifier";
        let all: Vec<Licence> = sql!(
            select::<Licence>(from);
            jurisdiction, department, item_code.unwrap_or(""), risk.map(|r| r.code()).unwrap_or("")
        )
        .all(self.reader())
        .await?;
        Ok(all
            .into_iter()
            .filter(|l| l.status_on(today) == LicenceStatus::Valid)
            .collect())
    }
}
