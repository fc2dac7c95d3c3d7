//! The Excel workbook layout of a catalog, defined once and used to read and to write.
//!
//! Sheets: 说明 (县区代码), 事项 (one row per item), 申请材料, 办理环节 and 常见问题 (one row per entry,
//! tied to its item by 事项编码; steps in row order). Enumerations are written and read as their
//! Chinese words (codes are accepted too); yes/no as 是/否; lists one entry per line inside a cell;
//! topics and townships separated by 、; fees one per line as 名称|标准|依据; sources one per line as
//! 种类：出处. The application form (表单字段, optional) has one row per field, and so has the licence template of the result (证照模板, optional). The national list entry (国家清单事项编码, 名称) and the sources may be absent.
//!
//! Parts: `layout` (the sheets and their columns, and where a field of an item stands), `sheet`
//! (reading a sheet's rows and cells by header), `read` (a catalog from the rows) and `write` (a
//! workbook from a catalog).

mod layout;
mod read;
mod sheet;
#[cfg(test)]
mod tests;
mod write;

pub use layout::{
    FAQ_COLUMNS, FAQS, FORM_COLUMNS, FORM_FIELDS, INFO, ITEM_COLUMNS, ITEMS, ItemRows,
    MATERIAL_COLUMNS, MATERIALS, OPTIONAL_HEADERS, STEP_COLUMNS, STEPS, TEMPLATE_COLUMNS,
    TEMPLATE_FIELDS, locate,
};
pub use read::read;
pub use write::write;
