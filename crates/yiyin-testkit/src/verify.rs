//! The public verification as the seal suites use it: a file uploaded to the verification page
//! (`/verify`) or sent to its API (`/api/v1/verify`), and the document a licensed case issued last
//! (its licence).

use serde_json::Value;

use crate::web::Api;

/// The id of the last document in a case's view (once licensed, the licence).
#[track_caller]
pub fn last_document(case: &Value) -> i64 {
    case["documents"]
        .as_array()
        .and_then(|documents| documents.last())
        .and_then(|d| d["id"].as_i64())
        .unwrap_or_else(|| panic!("no document in {case}"))
}

impl Api {
    /// Uploads a file named `name` to the public verification page and returns the page.
    pub async fn verify_page(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let part =
            reqwest::multipart::Part::bytes(bytes.as_ref().to_vec()).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let r = self.plain.post(self.url("/verify")).multipart(form).send();
        let page = r.await.expect("the server answers");
        page.text().await.expect("a page")
    }

    /// What the public verification API says of a file.
    pub async fn verdict(&self, bytes: impl AsRef<[u8]>) -> Value {
        let r = self
            .plain
            .post(self.url("/api/v1/verify"))
            .body(bytes.as_ref().to_vec());
        let verdict = r.send().await.expect("the server answers");
        verdict.json().await.expect("a verdict")
    }
}
