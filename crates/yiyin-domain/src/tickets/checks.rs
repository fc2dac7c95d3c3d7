//! The checks around the loop that need facts beyond one ticket: whose duty a category is and
//! the refusal of township dispatch for line duties (职责不得转嫁乡镇), and the duplicate test
//! of a merge (并单).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::refusal::{Refusal, refuse};

labelled_enum!(
    /// Whose duty a category of requests (诉求分类) is: a line department's (行业部门职责) or the
    /// townships' as local governments (属地职责).
    Duty {
        /// 部门职责: the line department's work; never dispatched to a township.
        Line = ("line", "部门职责"),
        /// 属地职责: a township government's local work.
        Township = ("township", "属地职责"),
    }
);

/// Refuses dispatching work of a category to a township when the category is a line department's
/// duty (职责不得转嫁乡镇): the responsible department handles it itself.
pub fn check_dispatch_target(
    duty: Duty,
    category: &str,
    target: &str,
    target_is_township: bool,
) -> Result<(), Refusal> {
    if duty == Duty::Line && target_is_township {
        return refuse(
            "RC-township",
            format!(
                "诉求分类「{category}」属于行业主管部门职责，不得派给镇（{target}）办理：部门职责不得转嫁乡镇，应派给负责该分类的主管部门"
            ),
        );
    }
    Ok(())
}

/// What makes two tickets the same request: the caller's phone, or the location and category,
/// within the merge window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateFacts<'a> {
    pub number: &'a str,
    pub phone: Option<&'a str>,
    pub location: &'a str,
    pub category: &'a str,
    pub created_on: NaiveDate,
}

/// Refuses merging `dup` into `master` unless they are the same request: the same caller phone,
/// or the same location and category, registered within `window_days` calendar days of each other.
pub fn check_duplicate(
    dup: &DuplicateFacts,
    master: &DuplicateFacts,
    window_days: u32,
) -> Result<(), Refusal> {
    if dup.number == master.number {
        return refuse("RC-merge", "工单不能与自身并单");
    }
    let apart = (dup.created_on - master.created_on).num_days().abs();
    if apart > i64::from(window_days) {
        return refuse(
            "RC-merge",
            format!(
                "并单须为{window_days}个自然日内的重复诉求：工单{}与{}登记相隔{apart}日",
                dup.number, master.number
            ),
        );
    }
    let phone = |f: &DuplicateFacts| {
        f.phone
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
    };
    let same_caller = phone(dup).is_some() && phone(dup) == phone(master);
    let same_place = !dup.location.trim().is_empty()
        && dup.location.trim() == master.location.trim()
        && dup.category == master.category;
    if !same_caller && !same_place {
        return refuse(
            "RC-merge",
            format!(
                "并单须为重复诉求：同一来电号码，或同一地点且同一诉求分类；工单{}与{}均不符合",
                dup.number, master.number
            ),
        );
    }
    Ok(())
}
