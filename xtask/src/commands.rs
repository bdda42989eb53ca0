//! The snapshot commands `fetch`, `regen` and `drift`. Each returns the process exit code; failures are printed as one line on
//! stderr, and no command touches a file before everything it depends on has succeeded.

use std::fs;
use std::path::Path;

use crate::spec_diff::{self, ChangeReport};
use nrfcloud_codegen::{GenerateError, Generated};
use serde_json::Value;

use crate::cli::{DriftArgs, FetchArgs, RegenArgs};
use crate::fetch::{self, one_line};
use crate::files;
use crate::{EXIT_DRIFT, EXIT_FETCH, EXIT_GENERATE};

/// `fetch`: download, check, normalise, write atomically.
pub fn fetch(args: &FetchArgs) -> u8 {
    let fetched = match fetch::fetch(&args.source) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xtask fetch: {e}");
            return EXIT_FETCH;
        }
    };
    match files::replace_if_changed(&args.out, &fetched.text) {
        Ok(wrote) => {
            println!(
                "{} {} from {} ({})",
                if wrote { "wrote" } else { "unchanged:" },
                args.out.display(),
                fetched.url,
                counts(&fetched.doc)
            );
            0
        }
        Err(e) => {
            eprintln!("xtask fetch: cannot write {}: {e}", args.out.display());
            EXIT_FETCH
        }
    }
}

/// `regen`: fetch, generate in-process, and only then replace the snapshot and the surface.
pub fn regen(args: &RegenArgs) -> u8 {
    let fetched = match fetch::fetch(&args.source) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xtask regen: {e}");
            return EXIT_FETCH;
        }
    };
    let generated = match generate_quietly(&fetched.text) {
        Ok(g) => g,
        Err(e) => {
            eprintln!(
                "xtask regen: generating the client from {} failed: {}; {} left as it was",
                fetched.url,
                one_line(&e.to_string()),
                args.spec.display()
            );
            return EXIT_GENERATE;
        }
    };

    // The old snapshot, for the change report; a missing or broken one compares as empty.
    let old = match fs::read_to_string(&args.spec) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
            println!(
                "note: the old {} is not JSON ({e}); reporting against an empty document",
                args.spec.display()
            );
            Value::Null
        }),
        Err(_) => Value::Null,
    };

    let surface = args.surface();
    for (path, text) in [(&args.spec, &fetched.text), (&surface, &generated.surface)] {
        match files::replace_if_changed(path, text) {
            Ok(true) => println!("wrote {}", path.display()),
            Ok(false) => println!("unchanged: {}", path.display()),
            Err(e) => {
                eprintln!("xtask regen: cannot write {}: {e}", path.display());
                return EXIT_FETCH;
            }
        }
    }

    let report = spec_diff::compare(&old, &fetched.doc);
    println!("changes from the old snapshot to {}:", fetched.url);
    print_report(&report);
    println!("fixups applied: {}", list(&generated.report.applied()));
    println!(
        "fixups that no longer apply (no-ops): {}",
        list(&generated.report.no_ops)
    );
    for r in generated.report.lossy() {
        println!(
            "warning: fixup {} dropped information at {}: {}",
            r.fixup, r.location, r.change
        );
    }
    println!(
        "generated {} operations ({})",
        generated.operations.len(),
        counts(&fetched.doc)
    );
    0
}

/// `drift`: compare upstream with the snapshot; exit 0 equal, 1 drift, 2 not fetched.
pub fn drift(args: &DriftArgs) -> u8 {
    let fetched = match fetch::fetch(&args.source) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xtask drift: {e}");
            return EXIT_FETCH;
        }
    };
    let snapshot = match fs::read_to_string(&args.spec) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("xtask drift: cannot read {}: {e}", args.spec.display());
            return EXIT_FETCH;
        }
    };
    let old: Value = match serde_json::from_str(&snapshot) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("xtask drift: {} is not JSON: {e}", args.spec.display());
            return EXIT_FETCH;
        }
    };
    let report = spec_diff::compare(&old, &fetched.doc);
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("xtask drift: cannot serialise the report: {e}");
                return EXIT_FETCH;
            }
        }
    } else if report.is_empty() {
        println!("no drift: {} matches {}", fetched.url, display(&args.spec));
    } else {
        println!(
            "drift: {} differs from {}",
            fetched.url,
            display(&args.spec)
        );
        print_report(&report);
    }
    if report.is_empty() { 0 } else { EXIT_DRIFT }
}

/// Runs the generator with panic messages silenced: progenitor panics are caught and turned
/// into a [`GenerateError`], and the default hook would print each of them to stderr.
fn generate_quietly(text: &str) -> Result<Generated, GenerateError> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = nrfcloud_codegen::generate(text);
    std::panic::set_hook(hook);
    result
}

fn print_report(report: &ChangeReport) {
    if report.is_empty() {
        println!("no changes");
        return;
    }
    for line in report.lines() {
        println!("{line}");
    }
    println!("{}", report.summary());
}

fn counts(doc: &Value) -> String {
    let operations = nrfcloud_codegen::spec::operations(doc).len();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, |m| m.len());
    format!("{operations} operations, {schemas} schemas")
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
