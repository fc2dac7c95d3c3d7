//! The issuer of a case's documents: which agency decides and under whose seal, the prefix of its
//! document numbers, where its decisions are challenged, all as named on the document's date.

use chrono::NaiveDate;

use super::Jurisdiction;

/// Who issues the documents of a case: the agency under whose seal (the bureau for transferred,
/// delegated and acceptance-point items; a resident department in its own name, Art. 22; a township
/// government for its own powers), the seal's name, the prefix of its document numbers, where its
/// decisions are challenged (Art. 38 para 2), and the credit code in its licences. Names are those
/// valid on the document's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub agency: String,
    pub seal: String,
    /// The holder whose seal signs: '' for the bureau's, a resident department's code, or a
    /// township's code for a township government's own powers.
    pub seal_holder: String,
    pub number_prefix: String,
    pub reconsideration_body: String,
    pub court: String,
    pub credit_code: String,
}

impl Issuer {
    /// The issuer on `date` of an item of `department`, handled in `mode`, in jurisdiction `j`, for
    /// a case received at `unit` (a township centre or one of its village points names the
    /// township whose government decides its own-power items; '' or a hall's unit names none).
    pub fn of(
        j: &Jurisdiction,
        department: &str,
        mode: crate::catalog::HandlingMode,
        unit: &str,
        date: NaiveDate,
    ) -> Issuer {
        use crate::catalog::HandlingMode;
        let bureau = j.bureau.as_ref();
        let bureau_credit = || bureau.map(|b| b.credit_code.clone()).unwrap_or_default();
        let township = j
            .township_of_unit(unit)
            .filter(|t| mode == HandlingMode::Township && !t.credit_code.is_empty());
        let (agency, seal, seal_holder, credit_code) = match (mode, township) {
            (HandlingMode::Resident, _) => {
                let name = j
                    .department(department)
                    .map_or(department.to_string(), |d| d.name_on(date).to_string());
                let seal = resident_seal_name(&name);
                (name, seal, department.to_string(), bureau_credit())
            }
            (HandlingMode::Township, Some(t)) => {
                let name = t.government();
                (
                    name.clone(),
                    resident_seal_name(&name),
                    t.code.clone(),
                    t.credit_code.clone(),
                )
            }
            // Transferred, delegated (the town decides in the bureau's name, Art. 24), acceptance
            // point (the town only receives), and an own-power item whose township is unknown.
            _ => (
                bureau.map_or(j.name_on(date).to_string(), |b| b.name_on(date).to_string()),
                bureau.map_or(String::new(), |b| b.seal_name_on(date)),
                String::new(),
                bureau_credit(),
            ),
        };
        let j_name = j.name_on(date);
        Issuer {
            agency,
            seal,
            seal_holder,
            number_prefix: if j.doc_prefix.is_empty() {
                format!("{j_name}审批")
            } else {
                j.doc_prefix.clone()
            },
            // 行政复议法 (2023) Art. 24: a county government department's decisions are reviewed
            // by the county government.
            reconsideration_body: if j.reconsideration_body.is_empty() {
                "本级人民政府".into()
            } else {
                j.reconsideration_body.replace(&j.name, j_name)
            },
            court: if j.court.is_empty() {
                "有管辖权的人民法院".into()
            } else {
                j.court.replace(&j.name, j_name)
            },
            credit_code,
        }
    }
}

/// The name of the approval seal of an authority deciding in its own name (a resident department, a
/// township government): 「汉阴县公安局行政许可专用章」.
pub fn resident_seal_name(authority: &str) -> String {
    format!("{authority}行政许可专用章")
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::fixtures::{date, renamed};

    #[test]
    fn documents_carry_the_names_valid_on_their_date() {
        use crate::catalog::HandlingMode;
        let j = renamed();
        let before = Issuer::of(&j, "zr", HandlingMode::Transferred, "", date("2021-06-06"));
        assert_eq!(before.agency, "某某县行政审批服务局");
        assert_eq!(before.seal, "某某县行政审批服务局行政审批专用章");
        assert_eq!(before.seal_holder, "");
        assert_eq!(before.reconsideration_body, "某某县人民政府");
        assert_eq!(before.court, "某某县人民法院");
        let after = Issuer::of(&j, "zr", HandlingMode::Transferred, "", date("2021-06-07"));
        assert_eq!(after.agency, "某某市行政审批服务局");
        assert_eq!(after.reconsideration_body, "某某市人民政府");
        // A resident department in its own name, as named that day.
        let ga = Issuer::of(&j, "ga", HandlingMode::Resident, "", date("2020-01-01"));
        assert_eq!(
            (
                ga.agency.as_str(),
                ga.seal.as_str(),
                ga.seal_holder.as_str()
            ),
            ("某某县公安局", "某某县公安局行政许可专用章", "ga")
        );
        // The township government decides its own powers under its own seal, wherever in the
        // township the case was received; delegated and acceptance-point items stay the bureau's.
        for unit in ["jc", "jc-v1"] {
            let t = Issuer::of(&j, "zr", HandlingMode::Township, unit, date("2026-01-01"));
            assert_eq!(t.agency, "涧池镇人民政府");
            assert_eq!(t.seal, "涧池镇人民政府行政许可专用章");
            assert_eq!(t.seal_holder, "jc");
            assert_eq!(t.credit_code, "11610921MB0000001X");
        }
        for mode in [HandlingMode::Delegated, HandlingMode::AcceptancePoint] {
            let i = Issuer::of(&j, "zr", mode, "jc", date("2026-01-01"));
            assert_eq!(
                (i.agency.as_str(), i.seal_holder.as_str()),
                ("某某市行政审批服务局", "")
            );
            assert_eq!(i.credit_code, "11610981MB0000000X");
        }
    }
}
