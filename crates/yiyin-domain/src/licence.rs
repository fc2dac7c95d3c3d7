//! The life of a licence after it is issued: its status as verification shows it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

labelled_enum!(
    /// The status of a licence (电子证照状态).
    LicenceStatus {
        Valid = ("valid", "有效"),
        /// Superseded by a new version after a change (Art. 49).
        Changed = ("changed", "已变更"),
        /// Revoked (撤销, Art. 69) or withdrawn for public interest (撤回, Art. 8).
        Revoked = ("revoked", "已撤销"),
        /// Cancelled (注销, Art. 70).
        Cancelled = ("cancelled", "已注销"),
        Expired = ("expired", "已过期"),
    }
);

/// The status a licence has on `today`: a valid licence past its end date has expired.
pub fn status_on(
    recorded: LicenceStatus,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> LicenceStatus {
    match (recorded, valid_until) {
        (LicenceStatus::Valid, Some(until)) if today > until => LicenceStatus::Expired,
        (s, _) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    #[test]
    fn valid_licences_expire_after_their_end_date() {
        let until = parse_date("2026-06-30").ok();
        assert_eq!(
            status_on(
                LicenceStatus::Valid,
                until,
                parse_date("2026-06-30").unwrap()
            ),
            LicenceStatus::Valid
        );
        assert_eq!(
            status_on(
                LicenceStatus::Valid,
                until,
                parse_date("2026-07-01").unwrap()
            ),
            LicenceStatus::Expired
        );
        assert_eq!(
            status_on(
                LicenceStatus::Revoked,
                until,
                parse_date("2026-07-01").unwrap()
            ),
            LicenceStatus::Revoked
        );
        assert_eq!(
            status_on(
                LicenceStatus::Valid,
                None,
                parse_date("2099-01-01").unwrap()
            ),
            LicenceStatus::Valid
        );
    }
}
