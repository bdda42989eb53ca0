//! Names that mean one thing: no public method of `nrfcloud::Client` shares its name with a
//! generated operation method of `nrfcloud::api::RawClient` (whose arguments and meaning
//! differ); the workflows live on handles (`client.onboarding()`, `client.firmware()`,
//! `client.fota()`, `client.location()`).

use std::path::Path;

/// `(path, text)` of every file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).expect("source readable");
                found.push((path.display().to_string(), text));
            }
        }
    }
    found
}

/// The first identifier of `rest`.
fn ident(rest: &str) -> String {
    rest.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The public methods of every `impl Client` block of the wrapper's sources.
fn wrapper_client_methods() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, text) in sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        {
            let mut in_client = false;
            for line in text.lines() {
                if line.starts_with("impl ") {
                    in_client = line.trim_end() == "impl Client {";
                } else if line.starts_with('}') {
                    in_client = false;
                } else if in_client {
                    let rest = line.trim_start();
                    let rest = rest
                        .strip_prefix("pub async fn ")
                        .or_else(|| rest.strip_prefix("pub fn "));
                    if let Some(rest) = rest {
                        found.push((ident(rest), path.clone()));
                    }
                }
            }
        }
    }
    found.sort();
    found
}

#[test]
fn no_wrapper_client_method_is_named_like_an_operation() {
    let methods = wrapper_client_methods();
    let names: Vec<&str> = methods.iter().map(|(n, _)| n.as_str()).collect();
    // The reader found the client's methods (not an empty list that passes by itself).
    for expected in [
        "builder",
        "api",
        "raw",
        "onboarding",
        "firmware",
        "fota",
        "location",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} not found in {names:?}"
        );
    }
    let clashes: Vec<&(String, String)> = methods
        .iter()
        .filter(|(name, _)| nrfcloud::operations::by_method_name(name).is_some())
        .collect();
    assert!(
        clashes.is_empty(),
        "nrfcloud::Client methods named like a generated operation: {clashes:?}"
    );
}

/// Every public type name the wrapper declares (`pub struct`, `pub enum`, `pub trait`,
/// `pub type`, at any indentation) with its file, and every name `lib.rs` re-exports
/// (`pub use a::{B, C as D}`: `B`, `D`), including those of its `api` module.
fn wrapper_type_names() -> (Vec<(String, String)>, Vec<String>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let declared = declared_types(&src);
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    (declared, reexported_types(&lib))
}

/// The public type names declared under `src`, with their files.
fn declared_types(src: &Path) -> Vec<(String, String)> {
    let mut declared = Vec::new();
    for (path, text) in sources(src) {
        for name in type_names(&text) {
            declared.push((name, path.clone()));
        }
    }
    declared
}

/// The names of the `pub struct`, `pub enum`, `pub trait` and `pub type` items of `text`.
fn type_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let rest = line.trim_start();
        for kind in ["pub struct ", "pub enum ", "pub trait ", "pub type "] {
            if let Some(rest) = rest.strip_prefix(kind) {
                names.push(ident(rest));
            }
        }
    }
    names
}

/// The type names `pub use` lines of `lib` re-export.
fn reexported_types(lib: &str) -> Vec<String> {
    let mut exported = Vec::new();
    let mut statement = String::new();
    for line in lib.lines() {
        let line = line.trim();
        if statement.is_empty() && !line.starts_with("pub use ") {
            continue;
        }
        statement.push_str(line);
        statement.push(' ');
        if !line.ends_with(';') {
            continue;
        }
        let body = statement
            .trim()
            .trim_start_matches("pub use ")
            .trim_end_matches(';');
        let list = match body.split_once('{') {
            Some((_, list)) => list.trim_end_matches('}').to_string(),
            None => body.rsplit("::").next().unwrap_or(body).to_string(),
        };
        for item in list.split(',') {
            let item = item.trim();
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            // Types are capitalised; modules, functions and constants are not re-read here.
            if name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && !name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            {
                exported.push(name.to_string());
            }
        }
        statement.clear();
    }
    exported
}

#[test]
fn no_two_public_types_share_a_name() {
    let (declared, exported) = wrapper_type_names();
    // The reader found what it should (not an empty list that passes by itself).
    for expected in [
        "Client",
        "Error",
        "Request",
        "GroundFixOptions",
        "FotaHandler",
    ] {
        assert!(
            declared.iter().any(|(n, _)| n == expected),
            "{expected} not declared in {declared:?}"
        );
    }
    for expected in [
        "RawClient",
        "RawError",
        "ShadowState",
        "Transform",
        "Client",
    ] {
        assert!(
            exported.iter().any(|n| n == expected),
            "{expected} not exported: {exported:?}"
        );
    }
    let mut names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
    names.extend(exported.iter().map(String::as_str));
    names.sort_unstable();
    names.dedup();
    let mut clashes = Vec::new();
    for name in &names {
        let files: Vec<&str> = declared
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.as_str())
            .collect();
        if files.len() > 1 {
            clashes.push(format!("{name} declared in {files:?}"));
        }
    }
    // A re-export of a foreign type under a wrapper type's name (the raw client as `Client`).
    for foreign in ["RawClient", "RawError", "ShadowState", "Transform"] {
        assert!(
            !declared.iter().any(|(n, _)| n == foreign),
            "{foreign} is both declared and re-exported"
        );
    }
    assert!(
        clashes.is_empty(),
        "public types sharing a name: {clashes:?}"
    );
    // The generated types: none is named like a wrapper type (the raw client and its error
    // are re-exported as `api::RawClient` and `api::RawError`).
    let generated = std::fs::read_to_string(env!("NRFCLOUD_GENERATED_CODE"))
        .expect("the generated code nrfcloud-api's build script wrote");
    let generated_names = type_names(&generated);
    assert!(
        generated_names.len() > 300 && generated_names.iter().any(|n| n == "LteCell"),
        "the generated types were read ({} names)",
        generated_names.len()
    );
    let mut shared: Vec<String> = declared
        .iter()
        .filter(|(n, _)| generated_names.contains(n) && !["Client", "Error"].contains(&n.as_str()))
        .map(|(n, f)| format!("{n} ({f})"))
        .collect();
    shared.dedup();
    assert!(
        shared.is_empty(),
        "wrapper types named like generated ones: {shared:?}"
    );
}

#[test]
fn the_mock_and_the_wrapper_name_their_types_apart() {
    // Users test their code with both crates in scope (the mock's `KeyPair` was `DeviceKey`).
    let (wrapper, _) = wrapper_type_names();
    let mock_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../nrfcloud-mock/src");
    let mock = declared_types(&mock_src);
    assert!(
        mock.iter().any(|(n, _)| n == "MockServer") && mock.iter().any(|(n, _)| n == "KeyPair"),
        "the mock's types were read: {mock:?}"
    );
    let shared: Vec<String> = mock
        .iter()
        .filter(|(n, _)| wrapper.iter().any(|(w, _)| w == n))
        .map(|(n, f)| format!("{n} ({f})"))
        .collect();
    assert!(
        shared.is_empty(),
        "mock types named like wrapper types: {shared:?}"
    );
}
