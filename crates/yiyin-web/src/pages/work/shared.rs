//! The case page's forms for shared materials (免提交): fetch again (重新调取) and, when the source
//! cannot answer, ask the applicant instead with the reason (改由申请人提交). The use cases are the
//! application's (`yiyin_app::sharing`); a refusal shows the case page again with the message.

use serde::Deserialize;

use super::case::case_page_for;
use crate::auth::gate;
use crate::pages::{Form, PageFor, PageResult, Path, settle};

/// The fallback form: the material, the reason and the case version seen.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FallbackForm {
    pub version: Option<i64>,
    pub material: String,
    pub reason: String,
}

/// 重新调取: fetches the shared materials of a case not yet in hand.
pub async fn fetch(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    form: Form<FallbackForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page.app.fetch_shared(page.who(), id).await;
    settle(
        result,
        |record| {
            let missing = record.case.unresolved_fetched(&record.item);
            let notice = if missing.is_empty() {
                "已调取共享材料。".to_string()
            } else {
                "仍有共享材料未能调取，可稍后重新调取，或填写原因改由申请人提交。".to_string()
            };
            (format!("/work/cases/{id}"), notice)
        },
        |e| case_page_for(&page, id, "", e, form.raw),
    )
    .await
}

/// 改由申请人提交: the reason is recorded with the case.
pub async fn fall_back(
    page: PageFor<gate::Staff>,
    Path(id): Path<i64>,
    form: Form<FallbackForm>,
) -> PageResult {
    page.check_csrf(&form)?;
    let result = page
        .app
        .fall_back(
            page.who(),
            id,
            form.data.version,
            form.data.material.trim(),
            &form.data.reason,
        )
        .await;
    settle(
        result,
        |_| {
            (
                format!("/work/cases/{id}"),
                "已记录原因，该材料改由申请人提交，请在一次性告知中列明。".to_string(),
            )
        },
        |e| case_page_for(&page, id, "", e, form.raw),
    )
    .await
}
