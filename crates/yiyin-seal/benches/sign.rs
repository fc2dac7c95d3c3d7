//! How fast a seal signs and a signature verifies: SM2 with SM3 over a document's canonical record.
//!
//! ```sh
//! cargo bench -p yiyin-seal --bench sign
//! ```

use std::time::Instant;

use serde_json::json;
use yiyin_seal::{SealKey, SealedDocument};

fn main() {
    let key = SealKey::generate();
    let info = yiyin_seal::testing::hanyin_seal(&key);
    let doc = json!({
        "title": "准予行政许可决定书",
        "number": "汉阴审批许字〔2026〕HY2026000001号",
        "paragraphs": ["汉阴县月河餐饮有限公司：", "你单位提出的食品经营许可申请，经审查，符合法定条件，决定准予行政许可。"],
    });
    let n = 500;
    let start = Instant::now();
    let mut sealed = Vec::with_capacity(n);
    for _ in 0..n {
        sealed.push(SealedDocument::seal(
            doc.clone(),
            info.clone(),
            &key,
            "2026-06-15T09:00:00+08:00",
        ));
    }
    let sign = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for s in &sealed {
        s.verify().expect("verifies");
    }
    let verify = start.elapsed().as_secs_f64();
    println!(
        "seal a document: {:.2} ms each ({:.0}/s); verify: {:.2} ms each ({:.0}/s)",
        sign * 1000.0 / n as f64,
        n as f64 / sign,
        verify * 1000.0 / n as f64,
        n as f64 / verify
    );
}
