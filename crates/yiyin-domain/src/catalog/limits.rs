//! An item's time limits as the public and the process flow read them: each limit with its unit
//! (working days unless the item's own law counts calendar days) and the article that sets it,
//! and the one extension (Art. 42's, the item's own law's, or none).

use super::{HandlingClass, Item, LimitUnit};

impl LimitUnit {
    /// `n` days in this unit: 「20个工作日」, 「60日」.
    pub fn days(self, n: u32) -> String {
        match self {
            LimitUnit::WorkingDays => format!("{n}个工作日"),
            LimitUnit::CalendarDays => format!("{n}日"),
        }
    }

    /// The days left to a limit counted in this unit, or how late once it has passed (`n` < 0),
    /// as monitoring and the worklists write them: 「剩余3个工作日」, 「剩余10日（自然日）」,
    /// 「超期2个工作日」, 「超期2日（自然日）」.
    pub fn days_left(self, n: i64) -> String {
        let days = self.days(u32::try_from(n.unsigned_abs()).unwrap_or(u32::MAX));
        let note = if self.is_working() {
            ""
        } else {
            "（自然日）"
        };
        if n < 0 {
            format!("超期{days}{note}")
        } else {
            format!("剩余{days}{note}")
        }
    }
}

impl Item {
    /// The statutory limit as published: 「20个工作日」, 「3个工作日（依据《…》第十九条）」,
    /// 「60日（自然日，依据《中华人民共和国居民身份证法》第十二条）」, or 「当场办结」.
    pub fn statutory_note(&self) -> String {
        if self.handling_class == HandlingClass::Instant {
            return "当场办结".into();
        }
        if self.joint {
            return format!(
                "{}（联合办理，《行政许可法》第四十二条第二款）",
                LimitUnit::WorkingDays.days(45)
            );
        }
        let basis = self.limit_basis.trim();
        let days = self.limit_unit.days(self.statutory_days);
        match (self.limit_unit, basis.is_empty()) {
            (LimitUnit::CalendarDays, true) => format!("{days}（自然日）"),
            (LimitUnit::CalendarDays, false) => format!("{days}（自然日，依据{basis}）"),
            (LimitUnit::WorkingDays, true) => days,
            (LimitUnit::WorkingDays, false) => format!("{days}（依据{basis}）"),
        }
    }

    /// The promised limit as published: 「10个工作日」, 「30日（自然日）」, or 「即来即办，当场办结」.
    pub fn promised_note(&self) -> String {
        if self.handling_class == HandlingClass::Instant {
            return "即来即办，当场办结".into();
        }
        let days = self.limit_unit.days(self.promised_days);
        if self.limit_unit.is_working() {
            days
        } else {
            format!("{days}（自然日）")
        }
    }

    /// Both limits in brief, with their unit, for a heading: 「法定20个工作日/承诺10个工作日」,
    /// 「法定60日/承诺30日（自然日）」, 「法定45个工作日（联合办理）/承诺…」, or 「当场办结」.
    pub fn limits_brief(&self) -> String {
        if self.handling_class == HandlingClass::Instant {
            return "当场办结".into();
        }
        let statutory = if self.joint {
            format!("{}（联合办理）", LimitUnit::WorkingDays.days(45))
        } else {
            self.limit_unit.days(self.statutory_days)
        };
        let promised = self.limit_unit.days(self.promised_days);
        let note = if self.limit_unit.is_working() {
            ""
        } else {
            "（自然日）"
        };
        format!("法定{statutory}/承诺{promised}{note}")
    }

    /// The one extension: how long, on whose approval, under which article; 「不得延期」 when the
    /// item's own law allows none.
    pub fn extension_note(&self) -> String {
        match self.extension_days {
            Some(0) => format!("不得延期（依据：{}）", self.extension_basis.trim()),
            Some(d) => format!(
                "特殊情况经批准可延长 {d} {}，只能延长一次（依据：{}）",
                if self.limit_unit.is_working() {
                    "个工作日"
                } else {
                    "日（自然日）"
                },
                self.extension_basis.trim()
            ),
            None if self.joint => "经本级人民政府负责人批准可延长 15 个工作日，只能延长一次（《行政许可法》第四十二条第二款）".into(),
            None => "经本机关负责人批准可延长 10 个工作日，只能延长一次（《行政许可法》第四十二条第一款）".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::sample_item;

    #[test]
    fn notes_say_the_unit_and_the_basis() {
        let mut item = sample_item();
        assert_eq!(item.statutory_note(), "20个工作日");
        assert_eq!(
            item.limits_brief(),
            format!("法定20个工作日/承诺{}个工作日", item.promised_days)
        );
        assert!(item.extension_note().contains("10 个工作日"));
        item.statutory_days = 60;
        item.promised_days = 30;
        item.limit_unit = LimitUnit::CalendarDays;
        item.limit_basis = "《中华人民共和国居民身份证法》第十二条".into();
        item.extension_days = Some(0);
        item.extension_basis = "《中华人民共和国居民身份证法》第十二条".into();
        assert_eq!(
            item.statutory_note(),
            "60日（自然日，依据《中华人民共和国居民身份证法》第十二条）"
        );
        assert_eq!(item.promised_note(), "30日（自然日）");
        assert_eq!(item.limits_brief(), "法定60日/承诺30日（自然日）");
        assert_eq!(
            item.extension_note(),
            "不得延期（依据：《中华人民共和国居民身份证法》第十二条）"
        );
        item.limit_unit = LimitUnit::WorkingDays;
        item.statutory_days = 3;
        item.limit_basis = "《中华人民共和国市场主体登记管理条例》第十九条".into();
        item.extension_days = Some(3);
        item.extension_basis = item.limit_basis.clone();
        assert_eq!(
            item.statutory_note(),
            "3个工作日（依据《中华人民共和国市场主体登记管理条例》第十九条）"
        );
        assert_eq!(
            item.extension_note(),
            "特殊情况经批准可延长 3 个工作日，只能延长一次（依据：《中华人民共和国市场主体登记管理条例》第十九条）"
        );
    }

    #[test]
    fn days_left_say_their_unit() {
        assert_eq!(LimitUnit::WorkingDays.days_left(3), "剩余3个工作日");
        assert_eq!(LimitUnit::WorkingDays.days_left(0), "剩余0个工作日");
        assert_eq!(LimitUnit::WorkingDays.days_left(-2), "超期2个工作日");
        assert_eq!(LimitUnit::CalendarDays.days_left(10), "剩余10日（自然日）");
        assert_eq!(LimitUnit::CalendarDays.days_left(-1), "超期1日（自然日）");
    }
}
