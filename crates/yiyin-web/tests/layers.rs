//! The layering of the web crate, kept by reading its sources: the pages and the JSON API both call
//! the application layer (`yiyin_app`) and share only the web crate's common modules (`auth`,
//! `error`, `input`, …); the pages never reach into `crate::api`. A typed use-case input belongs in
//! `yiyin_app`, an HTTP helper in a shared module of this crate.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the directory is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The lines of `text` that reach the API module: `crate::api…`, `super::api…`, or `api::…` inside
/// a grouped `use crate::{…}` (whitespace and line comments ignored).
fn api_paths(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if squeezed.starts_with("api::")
            || ["crate::api", "super::api", "{api::", ",api::"]
                .iter()
                .any(|p| squeezed.contains(p))
        {
            found.push(n + 1);
        }
    }
    found
}

#[test]
fn pages_do_not_import_from_the_api() {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
    let files = sources(&pages);
    assert!(files.len() > 10, "the pages' sources are where expected");
    let offending: Vec<String> = files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).expect("a source file is readable");
            api_paths(&text)
                .into_iter()
                .map(move |line| format!("{}:{line}", path.display()))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "pages must not import from crate::api (call yiyin_app, or move the shared piece to a \
         shared module such as crate::auth): {offending:?}"
    );
}

#[test]
fn the_check_sees_the_forms_of_an_import() {
    for bad in [
        "use crate::api::cases::ApplicantInput;",
        "let x = crate::api::ratings::Period::default();",
        "use crate::{auth::gate, api::session};",
        "use crate::{\n    api::cases,\n};",
        "use super::api::cases;",
    ] {
        assert!(!api_paths(bad).is_empty(), "{bad}");
    }
    for good in [
        "use yiyin_app::cases::ApplicantInput;",
        "// once from crate::api::cases",
        "let url = \"/api/v1/openapi.json\";",
    ] {
        assert!(api_paths(good).is_empty(), "{good}");
    }
}
