//! Generates the raw client from `spec/openapi.json`: fixups, progenitor, prettyplease.
//! Writes `$OUT_DIR/codegen.rs`, `operations.rs`, `sendable.rs`, `pagination.rs`, `surface.txt`,
//! `fixups.txt`, `secrets.rs`, and the test support `path_probes.rs` and `secret_probes.rs`
//! (included only by `tests/path_segments.rs` and `tests/secrets.rs`).
//! And `wrapper_layer.rs`, the `nrfcloud` wrapper's operations layer: its path is exported as
//! `cargo::metadata` (this package `links = "nrfcloud_api"`), which the wrapper's build script
//! reads as `DEP_NRFCLOUD_API_WRAPPER_LAYER`.
//!
//! Two modes. With the `generate` feature (on in this repository) the files are generated here,
//! by `nrfcloud-codegen`. The published crate turns the feature off and carries the same files,
//! generated from the same document by `cargo xtask package`, in `generated/`: a user's build
//! copies them and compiles neither progenitor nor its dependencies (issue #19). A user who
//! enables `generate` regenerates them from the packaged `spec/openapi.json`.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "generate")]
    generate(&root, &out);
    #[cfg(not(feature = "generate"))]
    copy_pregenerated(&root, &out);
    println!(
        "cargo::metadata=wrapper_layer={}",
        out.join("wrapper_layer.rs").display()
    );
    // The generated code, for the wrapper's tests (public type names must not clash).
    println!(
        "cargo::metadata=generated_code={}",
        out.join("codegen.rs").display()
    );
}

/// The published crate's mode: the files `cargo xtask package` generated, copied as they are.
#[cfg(not(feature = "generate"))]
fn copy_pregenerated(root: &Path, out: &Path) {
    let dir = root.join("generated");
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!(
            "nrfcloud-api: {} is missing. The published crate carries it (made by `cargo xtask \
             package`); a checkout of the repository generates the client instead, with the \
             `generate` feature (on by default there)",
            dir.display()
        );
    };
    for entry in entries {
        let path = entry.expect("a readable generated/ directory").path();
        let name = path.file_name().expect("a file name");
        std::fs::copy(&path, out.join(name))
            .unwrap_or_else(|e| panic!("cannot copy {}: {e}", path.display()));
    }
}

/// The repository's mode: fixups, progenitor, the derived files.
#[cfg(feature = "generate")]
fn generate(root: &Path, out: &Path) {
    let spec_path = root.join("spec/openapi.json");
    // Rerun only when the document or the generator changes.
    println!("cargo:rerun-if-changed={}", spec_path.display());
    for dir in [
        "crates/nrfcloud-codegen/src",
        "crates/nrfcloud-codegen/Cargo.toml",
    ] {
        rerun_for_tree(&root.join(dir));
    }

    let started = std::time::Instant::now();
    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    let generated = match nrfcloud_codegen::generate(&text) {
        Ok(g) => g,
        Err(e) => panic!(
            "generating the client from {} failed: {e}",
            spec_path.display()
        ),
    };

    // Lossy rewrites are warnings for the people who work on this repository (its own target
    // directory) or who ask for them; a crate that depends on this one cannot act on them, so
    // its builds stay quiet. The lines are always in the build script's output (`-vv`), and
    // `cargo xtask regen` prints them too.
    println!("cargo:rerun-if-env-changed={WARNINGS_ENV}");
    let warn = show_warnings(root, out, std::env::var(WARNINGS_ENV).ok().as_deref());
    for r in generated.report.lossy() {
        let line = format!("fixup {}: {}: {}", r.fixup, r.location, r.change);
        if warn {
            println!("cargo:warning={line}");
        }
        println!("nrfcloud-codegen: lossy: {line}");
    }
    let applied = generated.report.applied().join(", ");
    let no_ops = generated.report.no_ops.join(", ");
    // Visible with `cargo build -vv`; the no-ops say which upstream quirks are gone.
    println!("nrfcloud-codegen: fixups applied: {applied}");
    println!("nrfcloud-codegen: fixups that no longer apply: {no_ops}");
    let u = &generated.unions;
    println!(
        "nrfcloud-codegen: fast union decoders: {} tagged, {} or-value, {} string-or",
        u.tagged.len(),
        u.or_value.len(),
        u.string_or.len()
    );
    println!(
        "nrfcloud-codegen: patterns checked without regress: {}",
        generated.plain_patterns.len()
    );

    let checked: usize = generated
        .checked_paths
        .iter()
        .map(|c| c.parameters.len())
        .sum();
    println!(
        "nrfcloud-codegen: path parameters checked for dot segments: {checked} in {} operations",
        generated.checked_paths.len()
    );

    let r = &generated.raw_json;
    println!(
        "nrfcloud-codegen: open JSON of responses kept as text: {} fields, {} bare-JSON responses",
        r.fields.len(),
        r.responses.len()
    );
    let s = &generated.secrets;
    println!(
        "nrfcloud-codegen: secrets redacted in Debug: {} types, {} structs with secret fields; {} operations answer with secrets",
        s.types.len(),
        s.fields.len(),
        s.operations.len()
    );

    for (name, text) in generated.files() {
        write(&out.join(name), &text);
    }
    println!(
        "nrfcloud-codegen: {} operations, {} lines, generated in {} ms",
        generated.operations.len(),
        generated.code.lines().count(),
        started.elapsed().as_millis()
    );
}

/// Set to `1` to see the fixups' lossy rewrites as cargo warnings in any build, `0` to never.
#[cfg(feature = "generate")]
const WARNINGS_ENV: &str = "NRFCLOUD_CODEGEN_WARNINGS";

/// Whether lossy rewrites become `cargo:warning`s: when the variable says so, else only when
/// this package is built in its own repository's target directory (cargo replays a path
/// dependency's warnings on every build of the dependent, no-op builds included).
#[cfg(feature = "generate")]
fn show_warnings(root: &Path, out_dir: &Path, setting: Option<&str>) -> bool {
    match setting.map(str::trim) {
        Some("1" | "true" | "yes") => true,
        Some("0" | "false" | "no") => false,
        _ => out_dir.starts_with(root.join("target")),
    }
}

#[cfg(feature = "generate")]
fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

#[cfg(feature = "generate")]
fn rerun_for_tree(path: &Path) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)
            .expect("readable source tree")
            .flatten()
        {
            rerun_for_tree(&entry.path());
        }
    } else {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
