//! What the API and the pages show a test, each read in one call that asserts it was answered (a
//! case's view, an account's inbox, a page that must open, one page of a paged list), and case
//! actions that must succeed.

use serde_json::Value;

use crate::web::Api;

/// One page of a paged list as the API answers it: the items, the total it announces in
/// `X-Total-Count`, and the path of the next page from `Link: <…>; rel="next"` (none on the last).
pub struct ListPage {
    pub items: Vec<Value>,
    pub total: Option<String>,
    pub next: Option<String>,
}

impl ListPage {
    /// The `id` of every item, in the order given.
    pub fn ids(&self) -> Vec<i64> {
        self.items
            .iter()
            .map(|item| item["id"].as_i64().expect("an id"))
            .collect()
    }

    /// The total announced, as a number.
    pub fn total(&self) -> Option<u64> {
        self.total.as_deref().map(|t| t.parse().expect("a count"))
    }
}

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

    /// One page of a paged list, read by the holder of `token` (or nobody), asserting it is
    /// answered; the `Link` header must name the next page as `<path>; rel="next"`.
    pub async fn list_page(&self, token: Option<&str>, path: &str) -> ListPage {
        let r = self
            .request("GET", path, token, None)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().expect("an ASCII header").to_string())
        };
        let total = header("x-total-count");
        let next = header("link").map(|link| {
            link.strip_prefix('<')
                .and_then(|l| l.split_once(">; rel=\"next\""))
                .map(|(p, _)| p.to_string())
                .unwrap_or_else(|| panic!("a Link header not naming the next page: {link}"))
        });
        let items = r.json::<Vec<Value>>().await.expect("a JSON list");
        ListPage { items, total, next }
    }

    /// Case actions, in order, each by the holder of its token (asserting each succeeds).
    pub async fn acts_ok<T: AsRef<str>>(&self, steps: Vec<(T, i64, Value)>) {
        for (token, id, action) in steps {
            let done = self.act(token.as_ref(), id, action.clone()).await;
            assert_eq!(done.status, 200, "{action} on case {id}: {}", done.body);
        }
    }
}
