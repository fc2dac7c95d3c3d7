//! The Chinese name of every kind of event in the log (事件名称), as the audit page, the case's
//! history and the tracking page show it: a case's actions by [`action_label`], the requests
//! centre's acts on a ticket (`ticket_…`), the acts on a licence after the decision (`licence_…`),
//! the rectification of a bad rating (`rating_…`), and the acts of administration, supervision,
//! monitoring and security. A code this table does not know is shown as it is, marked 其他事件.

use crate::engine::action_label;
use crate::licence::ActKind;

/// The acts outside a case's procedure, by their event code.
const OTHER_EVENTS: &[(&str, &str)] = &[
    ("account_create", "新增工作人员账号"),
    ("account_disable", "停用账号"),
    ("account_enable", "启用账号"),
    (
        "applicant_name_confirmed",
        "确认申请人姓名（证件号码已登记其他姓名）",
    ),
    ("bundle_act", "办理一件事"),
    ("bundle_publish", "公布一件事"),
    ("bundle_receive", "一件事收件"),
    ("calendar_year_loaded", "导入年度节假日数据"),
    ("card_appeal", "对监察牌提出申诉"),
    ("card_appeal_decision", "复核监察牌申诉"),
    ("card_issue", "电子监察出牌"),
    ("commitment_verification", "告知承诺核查"),
    ("credit_repair", "信用修复"),
    ("deferred_overdue", "容缺材料逾期未补正"),
    ("delegation_create", "委托镇人民政府实施行政许可"),
    ("delegation_hand_back", "撤销委托，办件交回审批局"),
    ("delegation_revoke", "撤销委托"),
    ("download_identifying_file", "下载含个人身份信息的文件"),
    ("download_redress_file", "调取复议应诉案卷"),
    ("dues_computed", "补算办理期限（节假日数据导入后）"),
    ("expert_draw", "抽取专家"),
    ("expert_member_add", "专家库新增成员"),
    ("expert_member_tie", "专家库成员申报利害关系"),
    ("expert_objection", "申请人申请专家回避"),
    ("expert_objection_decision", "处理专家回避申请"),
    ("expert_pool_create", "新建专家库"),
    ("expert_recusal", "专家回避"),
    ("expert_review_start", "专家评审开始"),
    ("expert_seed", "公布专家抽取随机种子"),
    ("file_redress_reply", "提交复议答复或应诉答辩"),
    ("finding", "监管结果抄告"),
    ("grant_confirm", "确认岗位授权"),
    ("grant_pending", "岗位授权待局长确认"),
    ("grant_reject", "拒绝岗位授权"),
    ("grant_role", "授予岗位"),
    ("identity_bind", "绑定实名身份"),
    ("identity_login", "统一身份认证登录"),
    ("identity_register", "统一身份认证注册"),
    ("inspection_cancel", "取消双随机抽查计划"),
    ("inspection_draw", "抽取检查对象和检查人员"),
    ("inspection_plan", "发布双随机抽查计划"),
    ("inspection_tie", "关联抽查结果"),
    ("licence_risk", "调整证照风险等级"),
    ("look_up_applicant", "查询申请人档案"),
    ("monthly_report_made", "生成月报"),
    ("notification_prefs", "设置通知方式"),
    ("org_save", "保存组织机构"),
    ("partner_key", "签发接口密钥"),
    ("partner_key_revoked", "吊销接口密钥"),
    ("password_change", "修改密码"),
    ("password_recover", "找回密码"),
    ("password_reset", "重置密码"),
    ("push_acknowledge", "签收审批结果推送"),
    ("push_replay", "重新投递推送"),
    ("rating", "好差评评价"),
    ("rating_link", "生成评价链接"),
    ("rating_settings", "设置好差评整改期限"),
    ("record_redress_outcome", "记录复议或诉讼结果"),
    ("register_redress", "登记行政复议或行政诉讼"),
    ("revocation_proposed", "提请撤销行政许可"),
    ("revoke_role", "撤销岗位"),
    ("seal_authority_made", "建立电子印章制作机构根证书"),
    ("seal_certificate_issued", "签发电子印章证书"),
    ("seal_certificate_revoked", "吊销电子印章证书"),
    ("seal_made", "制作电子印章"),
    ("seal_renamed", "电子印章随机构更名"),
    ("seal_retired", "停用电子印章"),
    ("seal_rotated", "更换电子印章密钥"),
    ("sessions_end", "结束登录会话"),
    ("simulation_set", "设置模拟运行"),
    ("ticket_category", "调整诉求分类"),
    ("ticket_matrix", "调整诉求办理时限"),
    ("totp_enrol", "启用两步验证"),
    ("totp_reset", "重置两步验证"),
    ("transfer_plan", "制定事项划转方案"),
    ("transfer_batch", "新增划转批次"),
    ("transfer_switch", "划转批次切换至行政审批服务局"),
    (
        "transfer_migrate_case",
        "划转前受理的办件迁移至行政审批服务局",
    ),
    ("transition_observer", "指定审批观察员"),
    ("observer_read", "审批观察员查阅办件"),
    ("observer_comment", "审批观察员评注"),
    (
        "village_forward_receive",
        "镇便民服务中心接收代办点转交的申请",
    ),
    ("village_take", "社区（村）代办点代收申请"),
    ("webhook_set", "设置部门接收推送的系统地址"),
];

/// The acts of rectifying a bad rating (`rating_<act>`).
const RATING_ACTS: &[(&str, &str)] = &[
    ("contact", "联系核实"),
    ("rectify", "整改"),
    ("callback", "回访"),
    ("appeal", "申诉"),
    ("decide_appeal", "申诉复核"),
];

/// The Chinese name of an event by its code.
pub fn event_label(code: &str) -> String {
    let label = action_label(code);
    if label != "其他" {
        return label.to_string();
    }
    if let Some((_, name)) = OTHER_EVENTS.iter().find(|(c, _)| *c == code) {
        return (*name).to_string();
    }
    if let Some(act) = code.strip_prefix("ticket_") {
        let name = crate::tickets::history_label(act);
        if name != "其他" {
            return format!("诉求工单：{name}");
        }
    }
    if let Some(kind) = code.strip_prefix("licence_").and_then(ActKind::parse) {
        return format!("证照{}", kind.label());
    }
    if let Some((_, name)) = code
        .strip_prefix("rating_")
        .and_then(|act| RATING_ACTS.iter().find(|(c, _)| *c == act))
    {
        return format!("差评整改：{name}");
    }
    format!("其他事件（{code}）")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_event_has_a_chinese_name() {
        assert_eq!(event_label("accept"), "受理");
        assert_eq!(event_label("push_acknowledge"), "签收审批结果推送");
        assert_eq!(event_label("ticket_dispatch"), "诉求工单：派单");
        assert_eq!(event_label("ticket_attach"), "诉求工单：上传附件");
        assert_eq!(event_label("licence_change"), "证照变更");
        assert_eq!(event_label("rating_rectify"), "差评整改：整改");
        assert_eq!(event_label("no_such_thing"), "其他事件（no_such_thing）");
        // The table holds each code once, and none a case action already names.
        let mut codes: Vec<&str> = OTHER_EVENTS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), OTHER_EVENTS.len());
        assert!(codes.iter().all(|c| action_label(c) == "其他"));
    }
}
