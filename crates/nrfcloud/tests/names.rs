//! Names that mean one thing: no public method of `nrfcloud::Client` shares its name with a
//! generated operation method of `nrfcloud::api::Client` (whose arguments and meaning
//! differ); the workflows live on handles (`client.onboarding()`, `client.firmware()`,
//! `client.fota()`, `client.location()`).

use std::path::Path;

/// The public methods of every `impl Client` block of the wrapper's sources.
fn wrapper_client_methods() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source readable");
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
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found.push((name, path.display().to_string()));
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
