//! What the API and the pages show a test, each read in one call that asserts it was answered (a
//! case's view, an account's inbox, a page that must open), and case actions that must succeed.

use serde_json::Value;

use crate::web::Api;

impl Api {
    /// The subjects of an account's messages, newest first.
    pub async fn inbox(&self, token: &str) -> Vec<String> {
        let inbox = self.by(token).get("/api/v1/messages").await.expect(200);
        inbox["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// A case as the holder of `token` reads it (asserting it may).
    pub async fn case_view(&self, token: &str, id: i64) -> Value {
        self.by(token)
            .get(&format!("/api/v1/cases/{id}"))
            .await
            .expect(200)
    }

    /// A page as the holder of `token` gets it, asserting it opens (200; the page shown when not).
    pub async fn page_ok(&self, token: &str, path: &str) -> String {
        let (status, html) = self.page_text(token, path).await;
        assert_eq!(status, 200, "{path}: {html}");
        html
    }

    /// Case actions, in order, each by the holder of its token (asserting each succeeds).
    pub async fn acts_ok<T: AsRef<str>>(&self, steps: Vec<(T, i64, Value)>) {
        for (token, id, action) in steps {
            let done = self.act(token.as_ref(), id, action.clone()).await;
            assert_eq!(done.status, 200, "{action} on case {id}: {}", done.body);
        }
    }
}
