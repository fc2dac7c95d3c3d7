//! The actions a case page may offer: those the state allows ([`Case::possible_actions`]) less
//! those the engine would refuse today whatever the particulars — an extension once the statutory
//! limit has passed or already granted, a second supplement notice that could only be refused. The
//! check is a dry run of the engine's own rule on a copy of the case, so the page and the engine
//! never disagree.

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
                _ => true,
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
            ctx.item.materials.iter().map(|m| m.code.clone()).collect()
        };
        !missing.is_empty() && self.clone().notify_supplement(ctx, on, &missing).is_ok()
    }
}
