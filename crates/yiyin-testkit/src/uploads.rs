//! Multipart forms as a browser sends them with the pages' file uploads: the text fields in
//! order, then the files, sent by a browser (a cookie-keeping client) and read as it reads the
//! answer.

use reqwest::multipart::{Form, Part};

use crate::browser::answered;
use crate::web::Api;

/// A multipart form: `fields` in order, then `files` (form field, file name, bytes).
pub fn multipart_form<F: AsRef<str>, B: AsRef<[u8]>>(
    fields: &[(&str, &str)],
    files: &[(F, &str, B)],
) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (field, name, bytes) in files {
        let part = Part::bytes(bytes.as_ref().to_vec()).file_name(name.to_string());
        form = form.part(field.as_ref().to_string(), part);
    }
    form
}

impl Api {
    /// Sends `form` to `path` from the browser `client`; returns status, page and where it
    /// redirects.
    pub async fn post_multipart(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: Form,
    ) -> (u16, String, String) {
        let sent = client.post(self.url(path)).multipart(form).send().await;
        answered(sent.expect("the server answers")).await
    }
}
