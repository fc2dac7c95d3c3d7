//! The layout of the workbook, shared by reading and writing: the sheets, the (header, field)
//! columns of each in order, the columns a workbook may lack, and where a field of an item stands
//! in the workbook (for placing validation errors).

pub const INFO: &str = "说明";
pub const ITEMS: &str = "事项";
pub const MATERIALS: &str = "申请材料";
pub const STEPS: &str = "办理环节";
pub const FAQS: &str = "常见问题";
pub const FORM_FIELDS: &str = "表单字段";
pub const TEMPLATE_FIELDS: &str = "证照模板";

/// (header, field path) of the 事项 sheet, in column order.
pub const ITEM_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "code"),
    ("事项名称", "name"),
    ("事项类型", "kind"),
    ("实施部门", "department"),
    ("监管部门", "supervising_department"),
    ("办理方式", "handling_mode"),
    ("办件类型", "handling_class"),
    ("委托承接的镇", "delegated_to"),
    ("服务对象", "subject"),
    ("设定依据", "legal_basis"),
    ("受理条件", "conditions"),
    ("法定时限", "statutory_days"),
    ("承诺时限", "promised_days"),
    ("联合办理", "joint"),
    ("收费", "fees"),
    ("网上办理深度", "online_depth"),
    ("到现场次数", "visits"),
    ("告知承诺", "green_list"),
    ("承诺核查期限", "commitment_check_days"),
    ("延期天数", "extension_days"),
    ("延期依据", "extension_basis"),
    ("时限单位", "limit_unit"),
    ("时限依据", "limit_basis"),
    ("联合办理部门", "joint_departments"),
    ("数量限制", "quantity_limited"),
    ("结果名称", "result.name"),
    ("结果类型", "result.kind"),
    ("结果样本", "result.sample"),
    ("有效期（年）", "result.validity_years"),
    ("主题分类", "topics"),
    ("办理地点", "place"),
    ("办理时间", "hours"),
    ("咨询电话", "phone"),
    ("国家清单事项编码", "national.code"),
    ("国家清单事项名称", "national.name"),
    ("数据来源", "sources"),
];

/// Columns a workbook may lack (written by an earlier version, or by a platform that does not
/// keep them): read as empty.
pub const OPTIONAL_HEADERS: &[&str] = &[
    "国家清单事项编码",
    "国家清单事项名称",
    "数据来源",
    "时限单位",
    "时限依据",
    "联合办理部门",
];

pub const MATERIAL_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("材料编码", "code"),
    ("材料名称", "name"),
    ("必要性", "necessity"),
    ("适用情形", "condition"),
    ("形式", "form"),
    ("份数", "copies"),
    ("来源", "source"),
    ("空白表格", "blank_form"),
    ("示例样本", "sample"),
    ("容缺", "deferrable"),
    ("备注", "note"),
];

pub const STEP_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("环节", "kind"),
    ("环节名称", "name"),
    ("责任岗位", "role"),
    ("时限", "days"),
    ("标准", "standard"),
];

pub const FAQ_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("问题", "question"),
    ("解答", "answer"),
];

/// One row per field of an item's application form, in order; a column of a table or group names
/// its table in 上级字段. The two rules between fields are written on the row of the field they
/// bind: 必填条件 `字段编码=选项` (required when that choice is that option) and 不早于 `字段编码`.
pub const FORM_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("字段编码", "code"),
    ("上级字段", "parent"),
    ("字段名称", "label"),
    ("字段类型", "kind"),
    ("必填", "required"),
    ("填写说明", "help"),
    ("最小", "min"),
    ("最大", "max"),
    ("选项", "options"),
    ("多选", "multiple"),
    ("预填来源", "prefill"),
    ("必填条件", "required_when"),
    ("不早于", "not_before"),
];

/// One row per field of the licence template of an item's result (证照模板), in order.
pub const TEMPLATE_COLUMNS: &[(&str, &str)] = &[
    ("事项编码", "item"),
    ("栏目编码", "key"),
    ("栏目名称", "label"),
    ("数据来源", "source"),
    ("个人信息", "personal"),
    ("版式", "layout"),
];

/// The rows (1-based, as Excel shows them) an item came from.
#[derive(Debug, Clone, Default)]
pub struct ItemRows {
    pub item: u32,
    pub materials: Vec<u32>,
    pub steps: Vec<u32>,
    pub faq: Vec<u32>,
    /// The rows of its form's top-level fields, in order.
    pub form: Vec<u32>,
    /// The rows of its licence template's fields, in order.
    pub template: Vec<u32>,
}

/// Where a validation error on a field of an item is, in sheet, row and column.
pub fn locate(rows: &ItemRows, field: &str) -> String {
    let (head, rest) = field.split_once('.').unwrap_or((field, ""));
    let indexed = |name: &str| -> Option<usize> {
        head.strip_prefix(name)?
            .strip_prefix('[')?
            .strip_suffix(']')?
            .parse()
            .ok()
    };
    let place = |sheet: &str, row: Option<&u32>, columns: &[(&str, &str)], sub: &str| match row {
        Some(r) => match columns.iter().find(|(_, f)| *f == sub) {
            Some((h, _)) => format!("工作表「{sheet}」第{r}行「{h}」列"),
            None => format!("工作表「{sheet}」第{r}行"),
        },
        None => format!("工作表「{ITEMS}」第{}行", rows.item),
    };
    if let Some(i) = indexed("materials") {
        return place(MATERIALS, rows.materials.get(i), MATERIAL_COLUMNS, rest);
    }
    if let Some(i) = indexed("steps") {
        return place(STEPS, rows.steps.get(i), STEP_COLUMNS, rest);
    }
    if let Some(i) = indexed("faq") {
        return place(FAQS, rows.faq.get(i), FAQ_COLUMNS, rest);
    }
    if head == "form" {
        let field = rest
            .strip_prefix("fields[")
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        return match field.and_then(|i| rows.form.get(i)) {
            Some(r) => format!("工作表「{FORM_FIELDS}」第{r}行"),
            None => format!(
                "工作表「{FORM_FIELDS}」（事项在「{ITEMS}」第{}行）",
                rows.item
            ),
        };
    }
    if let Some(rest) = field.strip_prefix("result.template") {
        let at = rest
            .strip_prefix(".fields[")
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        return match at.and_then(|i| rows.template.get(i)) {
            Some(r) => format!("工作表「{TEMPLATE_FIELDS}」第{r}行"),
            None => format!(
                "工作表「{TEMPLATE_FIELDS}」（事项在「{ITEMS}」第{}行）",
                rows.item
            ),
        };
    }
    if let Some(i) = indexed("fees") {
        return format!("工作表「{ITEMS}」第{}行「收费」列第{}项", rows.item, i + 1);
    }
    if let Some(i) = indexed("joint_departments") {
        return format!(
            "工作表「{ITEMS}」第{}行「联合办理部门」列第{}项",
            rows.item,
            i + 1
        );
    }
    if let Some(i) = indexed("sources") {
        return format!(
            "工作表「{ITEMS}」第{}行「数据来源」列第{}项",
            rows.item,
            i + 1
        );
    }
    match head {
        "materials" => format!(
            "工作表「{MATERIALS}」（事项在「{ITEMS}」第{}行）",
            rows.item
        ),
        "steps" => format!("工作表「{STEPS}」（事项在「{ITEMS}」第{}行）", rows.item),
        _ => place(ITEMS, Some(&rows.item), ITEM_COLUMNS, field),
    }
}
