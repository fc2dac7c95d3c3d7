//! One identity per person and organisation (一人一档): what a real-name provider's claims verify
//! (an ID number and a name, checked as any applicant's), and the name check at intake — an ID
//! number already on record under another name is not silently accepted: the window's clerk is
//! warned and goes on only with a stated reason (recorded); an applicant applying online is refused,
//! unless the provider verified the account's name.

use crate::party::SubjectId;
use crate::refusal::Refusal;
use crate::text::{self, TextKind};

/// The rule's name in refusals and events.
pub const NAME_RULE: &str = "ID-NAME";

/// The identity a provider's claims verify: the ID number (a citizen ID number, else a credit code)
/// and the name, or why they cannot be taken (in Chinese).
pub fn verified_subject(
    id_number: Option<&str>,
    name: Option<&str>,
) -> Result<(SubjectId, String), String> {
    let id_number = id_number.map(str::trim).unwrap_or_default();
    if id_number.is_empty() {
        return Err("统一身份认证平台未提供证件号码，无法完成实名核验".into());
    }
    let id = SubjectId::parse_any(id_number)
        .map_err(|e| format!("统一身份认证平台提供的证件号码无效：{e}"))?;
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err("统一身份认证平台未提供姓名，无法完成实名核验".into());
    }
    text::check("name", name, TextKind::Name)
        .map_err(|e| format!("统一身份认证平台提供的姓名无效：{e}"))?;
    Ok((id, name.to_string()))
}

/// A name as compared: without any white space (full-width too), and the middle dots of minority
/// names (·, •, ‧, ・, ･) taken as one.
pub fn normalised_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '•' | '‧' | '・' | '･' | '.' | '．' => '·',
            c => c,
        })
        .collect()
}

/// The names an ID number is on record under that differ from `name`.
pub fn other_names(name: &str, on_record: &[String]) -> Vec<String> {
    let mine = normalised_name(name);
    let mut others: Vec<String> = on_record
        .iter()
        .filter(|n| normalised_name(n) != mine)
        .cloned()
        .collect();
    others.sort();
    others.dedup();
    others
}

/// How an application reaches intake, for the name check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake<'a> {
    /// At a window; `confirmation` is the clerk's reason for going on despite the warning.
    Window { confirmation: Option<&'a str> },
    /// Online; `verified` when the account's name and ID number were verified by the provider.
    Online { verified: bool },
}

/// What the name check allows: go on, or go on with the clerk's confirmation to record (the other
/// names and the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameCheck {
    Consistent,
    Confirmed { others: Vec<String>, reason: String },
}

/// The name check at intake: `name` applies under `id`, which is on record under `on_record`.
pub fn check_applicant_name(
    id: &SubjectId,
    name: &str,
    on_record: &[String],
    intake: Intake<'_>,
) -> Result<NameCheck, Refusal> {
    let others = other_names(name, on_record);
    if others.is_empty() {
        return Ok(NameCheck::Consistent);
    }
    let listed = others
        .iter()
        .map(|n| format!("「{n}」"))
        .collect::<Vec<_>>()
        .join("、");
    match intake {
        // The provider verified this account's name for this ID number: it stands.
        Intake::Online { verified: true } => Ok(NameCheck::Consistent),
        Intake::Online { verified: false } => Err(Refusal::new(
            NAME_RULE,
            format!(
                "证件号码「{}」已登记在其他名称下，与本账号登记的名称「{name}」不一致，不能网上申请：\
                 请先通过统一身份认证核验身份，或携带身份证件到窗口办理",
                id.masked()
            ),
        )),
        Intake::Window { confirmation } => {
            let reason = confirmation.map(str::trim).unwrap_or_default();
            if reason.is_empty() {
                return Err(Refusal::new(
                    NAME_RULE,
                    format!(
                        "注意：证件号码「{id}」已登记在{listed}名下，与本次填写的「{name}」不一致。\
                         请核对申请人身份证件；确认无误的，须填写确认理由后再次提交"
                    ),
                ));
            }
            text::check("name_confirmation", reason, TextKind::Long)
                .map_err(|e| Refusal::new(NAME_RULE, format!("确认理由无效：{e}")))?;
            Ok(NameCheck::Confirmed {
                others,
                reason: reason.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WANG: &str = "11010519491231002X";

    fn id() -> SubjectId {
        SubjectId::parse_any(WANG).unwrap()
    }

    #[test]
    fn the_same_name_passes_everywhere() {
        let on_record = vec!["王芳".to_string()];
        for intake in [
            Intake::Window { confirmation: None },
            Intake::Online { verified: false },
            Intake::Online { verified: true },
        ] {
            assert_eq!(
                check_applicant_name(&id(), " 王 芳", &on_record, intake),
                Ok(NameCheck::Consistent)
            );
        }
        assert_eq!(
            check_applicant_name(&id(), "李四", &[], Intake::Online { verified: false }),
            Ok(NameCheck::Consistent)
        );
    }

    #[test]
    fn another_name_warns_the_clerk_until_confirmed_with_a_reason() {
        let on_record = vec!["王芳".to_string()];
        let warned = check_applicant_name(
            &id(),
            "王小芳",
            &on_record,
            Intake::Window {
                confirmation: Some("  "),
            },
        )
        .unwrap_err();
        assert_eq!(warned.rule, NAME_RULE);
        assert!(warned.message.contains("「王芳」"), "{}", warned.message);
        assert!(warned.message.contains("确认理由"), "{}", warned.message);
        let confirmed = check_applicant_name(
            &id(),
            "王小芳",
            &on_record,
            Intake::Window {
                confirmation: Some("户口簿显示已更名"),
            },
        );
        assert_eq!(
            confirmed,
            Ok(NameCheck::Confirmed {
                others: vec!["王芳".into()],
                reason: "户口簿显示已更名".into()
            })
        );
        let bad = check_applicant_name(
            &id(),
            "王小芳",
            &on_record,
            Intake::Window {
                confirmation: Some("理由\u{202E}"),
            },
        );
        assert!(bad.is_err());
    }

    #[test]
    fn another_name_refuses_an_unverified_online_applicant_with_the_number_masked() {
        let on_record = vec!["王芳".to_string()];
        let refused = check_applicant_name(
            &id(),
            "冒名者",
            &on_record,
            Intake::Online { verified: false },
        )
        .unwrap_err();
        assert!(
            refused.message.contains("不能网上申请"),
            "{}",
            refused.message
        );
        assert!(!refused.message.contains(WANG), "{}", refused.message);
        assert!(!refused.message.contains("王芳"), "{}", refused.message);
        assert_eq!(
            check_applicant_name(
                &id(),
                "王小芳",
                &on_record,
                Intake::Online { verified: true }
            ),
            Ok(NameCheck::Consistent)
        );
    }

    #[test]
    fn claims_are_checked_as_any_applicant() {
        assert_eq!(
            verified_subject(Some(WANG), Some("王芳")),
            Ok((id(), "王芳".into()))
        );
        assert!(verified_subject(None, Some("王芳")).is_err());
        assert!(verified_subject(Some("110105194912310021"), Some("王芳")).is_err());
        assert!(verified_subject(Some(WANG), Some(" ")).is_err());
        assert!(verified_subject(Some(WANG), Some("王\u{200B}芳")).is_err());
        let (org, _) =
            verified_subject(Some("91350100M000100Y43"), Some("安康市月河餐饮有限公司")).unwrap();
        assert!(!org.is_person());
    }

    proptest! {
        #[test]
        fn a_name_never_conflicts_with_itself_spaced_or_dotted(name in "[\\p{Han}]{1,6}", spaces in 0usize..3) {
            let spaced: String = name.chars().flat_map(|c| std::iter::once(c).chain(std::iter::repeat_n(' ', spaces))).collect();
            prop_assert!(other_names(&spaced, std::slice::from_ref(&name)).is_empty());
            let dotted = format!("{name}·{name}");
            let bulleted = format!("{name}•{name}");
            prop_assert!(other_names(&bulleted, &[dotted]).is_empty());
        }

        #[test]
        fn a_different_name_always_conflicts(a in "[\\p{Han}]{2,4}", b in "[\\p{Han}]{2,4}") {
            prop_assume!(a != b);
            prop_assert_eq!(other_names(&a, std::slice::from_ref(&b)), vec![b]);
        }
    }
}
