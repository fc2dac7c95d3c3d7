//! The demo's bundles (一件事一次办): in each pilot jurisdiction, 「我要开餐馆」一件事 made of the
//! catalog's own items a restaurant needs where they exist (食品经营许可, 公共场所卫生许可, 娱乐场所
//! 经营许可 …), led by the food item's department, published through the catalog's bundle rules.

use chrono::NaiveDate;
use yiyin_app::AppError;
use yiyin_app::bundles::publish_bundle;
use yiyin_app::catalog::items_as_of;
use yiyin_domain::catalog::HandlingClass;
use yiyin_domain::catalog::bundle::{BundleSpec, Situation};
use yiyin_store::Store;

/// The items a restaurant may need, by name, in the order they join the bundle.
const WANTED: [&str; 4] = [
    "食品经营许可",
    "公共场所卫生许可",
    "娱乐场所经营许可",
    "户外广告设施设置审批",
];

/// Publishes one bundle per jurisdiction whose catalog has at least two of the wanted items, from
/// `on`; returns how many.
pub async fn load(store: &Store, on: NaiveDate) -> Result<usize, AppError> {
    let mut published = 0;
    for j in store.organisation().await?.jurisdictions {
        let items = items_as_of(store, &j.code, on).await?;
        let found: Vec<_> = WANTED
            .iter()
            .filter_map(|name| {
                items.iter().find(|i| {
                    i.name.starts_with(name) && i.handling_class != HandlingClass::Instant
                })
            })
            .collect();
        if found.len() < 2 {
            continue;
        }
        let members: Vec<String> = found.iter().map(|i| i.code.clone()).collect();
        // The last item is one a restaurant without it does without (情形).
        let situations = match found.as_slice() {
            [_, _, .., last] => vec![Situation {
                code: "no-extra".into(),
                name: format!("不涉及{}", last.name),
                adds: vec![],
                drops: vec![last.code.clone()],
            }],
            _ => vec![],
        };
        let spec = BundleSpec {
            code: format!("{}-YJS-CY", j.code.to_uppercase()),
            name: "我要开餐馆".into(),
            lead_department: found[0].department.clone(),
            members,
            situations,
        };
        publish_bundle(
            store,
            &j.code,
            spec,
            on,
            on,
            "一件事一次办：开办餐饮店",
            "目录管理员",
        )
        .await?;
        published += 1;
    }
    Ok(published)
}
