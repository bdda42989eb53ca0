//! Generates the raw client from `spec/openapi.json`: fixups, progenitor, prettyplease.
//! Writes `$OUT_DIR/codegen.rs`, `operations.rs`, `sendable.rs`, `pagination.rs`, `surface.txt` and `fixups.txt`,
//! and `wrapper_layer.rs`, the `nrfcloud` wrapper's operations layer: its path is exported as
//! `cargo::metadata` (this package `links = "nrfcloud_api"`), which the wrapper's build script
//! reads as `DEP_NRFCLOUD_API_WRAPPER_LAYER`.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let spec_path = root.join("spec/openapi.json");
    // Rerun only when the document or the generator changes.
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build.rs");
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

    for r in generated.report.lossy() {
        println!(
            "cargo:warning=fixup {}: {}: {}",
            r.fixup, r.location, r.change
        );
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

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    write(&out.join("codegen.rs"), &generated.code);
    write(
        &out.join("operations.rs"),
        &nrfcloud_codegen::operations::to_rust(&generated.operations),
    );
    write(&out.join("surface.txt"), &generated.surface);
    write(&out.join("sendable.rs"), &generated.sendable);
    write(&out.join("pagination.rs"), &generated.pagination);
    let layer = out.join("wrapper_layer.rs");
    write(&layer, &generated.wrapper_layer);
    println!("cargo::metadata=wrapper_layer={}", layer.display());
    write(
        &out.join("fixups.txt"),
        &format!("applied: {applied}\nno-ops: {no_ops}\n"),
    );
    println!(
        "nrfcloud-codegen: {} operations, {} lines, generated in {} ms",
        generated.operations.len(),
        generated.code.lines().count(),
        started.elapsed().as_millis()
    );
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

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
