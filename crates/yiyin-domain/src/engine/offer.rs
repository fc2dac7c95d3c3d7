//! The actions a case page may offer: those the state allows ([`Case::possible_actions`]) less
//! those the engine would refuse today whatever the particulars — an extension once the statutory
//! limit has passed or already granted (or where the item's own law allows none), a second
//! supplement notice that could only be refused, and every hearing action the hearing engine would
//! refuse today (a request after its 5 days, a hearing fixed when no date within the 20 days is 7
//! days away, a hearing held on another day than the one fixed …). The check is a dry run of the
//! engine's own rule on a copy of the case, so the page and the engine never disagree.

use chrono::NaiveDate;

use super::action::Approver;
use super::{Case, Context};

impl Case {
    /// The actions to offer on `on` (before who may take them is considered).
    pub fn offered_actions(&self, ctx: &Context, on: NaiveDate) -> Vec<&'static str> {
        self.possible_actions(ctx.item)
            .into_iter()
            .filter(|name| match *name {
                "extend" => self.may_extend(ctx, on),
                "notify_supplement" => self.may_notify_supplement(ctx, on),
                hearing => self
                    .may_take_hearing_action(ctx, hearing, on)
                    .unwrap_or(true),
            })
            .collect()
    }

    /// Whether an extension, rightly approved and reasoned, would be granted on `on`.
    fn may_extend(&self, ctx: &Context, on: NaiveDate) -> bool {
        let approver = if ctx.item.joint {
            Approver::GovernmentHead
        } else {
            Approver::Head
        };
        self.clone()
            .extend(ctx, on, "情况复杂", approver.label())
            .is_ok()
    }

    /// Whether a supplement notice could be given on `on`: after a supplement, only for what the
    /// first notice asked for (Art. 32(4): told once), and only when that would not be refused; otherwise for any material of the item.
    fn may_notify_supplement(&self, ctx: &Context, on: NaiveDate) -> bool {
        let missing: Vec<String> = if self.intake.after_supplement {
            let first = self.notices.first().map(|n| n.missing.clone());
            first.unwrap_or_default()
        } else {
            // A fetched material (免提交) is asked for only once the clerk fell back to the applicant.
            ctx.item
                .materials
                .iter()
                .filter(|m| !m.fetched || self.fallen_back(&m.code))
                .map(|m| m.code.clone())
                .collect()
        };
        !missing.is_empty() && self.clone().notify_supplement(ctx, on, &missing).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use crate::calendar::Calendar;
    use crate::engine::{Action, ApplicantFacts, Case, Context, ItemRules};
    use crate::testing::d;

    /// The actions offered the day after acceptance, for an item given as the rehearsal gives it.
    fn offered(item: &str) -> Vec<&'static str> {
        let item: ItemRules = serde_json::from_str(item).unwrap();
        let (cal, facts) = (Calendar::builtin(), ApplicantFacts::default());
        let ctx = Context {
            item: &item,
            calendar: &cal,
            applicant: &facts,
        };
        let on = d("2025-03-03");
        let case = Case::receive(&ctx, on, &[]).unwrap().case;
        let case = case.apply(&ctx, on, &Action::Accept).unwrap().case;
        case.offered_actions(&ctx, d("2025-03-04"))
    }

    #[test]
    fn an_item_whose_law_allows_no_extension_is_not_offered_one() {
        let base = r#""name":"x","statutory_days":60,"promised_days":30,"limit_unit":"calendar_days","limit_basis":"《中华人民共和国居民身份证法》第十二条""#;
        assert!(offered(&format!("{{{base}}}")).contains(&"extend"));
        let barred = format!(
            r#"{{{base},"extension_days":0,"extension_basis":"《中华人民共和国居民身份证法》第十二条"}}"#
        );
        let actions = offered(&barred);
        assert!(!actions.contains(&"extend"), "{actions:?}");
        assert!(actions.contains(&"decide"), "{actions:?}");
    }
}
