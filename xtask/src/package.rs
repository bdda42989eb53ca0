//! `cargo xtask package`: the publishable crates as they are published.
//!
//! `cargo package` packs each crate; this command unpacks them into one directory and completes
//! `nrfcloud-api`: it generates the client from the packaged `spec/openapi.json` into the
//! package's `generated/` directory (the files its `build.rs` writes in this repository) and
//! turns the `generate` feature off by default in the packaged manifest. A user's build then
//! copies those files and compiles no generator (progenitor, typify, syn 3, prettyplease,
//! openapiv3). Publish each directory with `cargo publish --manifest-path DIR/Cargo.toml
//! --allow-dirty`, in the order [`CRATES`] lists them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths::workspace_root;
use crate::{EXIT_FETCH, EXIT_GENERATE};

/// The publishable crates, dependencies first.
pub const CRATES: [&str; 5] = [
    "nrfcloud-codegen",
    "nrfcloud-api",
    "nrfcloud-jsonata",
    "nrfcloud",
    "nrfcloud-mock",
];

/// The line of the packaged `nrfcloud-api` manifest that `complete_raw_crate` rewrites, and
/// what it becomes.
const DEFAULT_ON: &str = "default = [\"generate\"]";
const DEFAULT_OFF: &str = "default = []";

/// Why packaging failed, with the exit code it maps to.
#[derive(Debug)]
pub struct PackageError {
    /// What went wrong.
    pub message: String,
    /// `EXIT_FETCH` for I/O and tool failures, `EXIT_GENERATE` when generation fails.
    pub code: u8,
}

fn io_error(message: String) -> PackageError {
    PackageError {
        message,
        code: EXIT_FETCH,
    }
}

/// Runs the command: prints one line per unpacked crate directory.
pub fn command(out: &Path) -> u8 {
    match package(out) {
        Ok(dirs) => {
            for d in dirs {
                println!("{}", d.display());
            }
            0
        }
        Err(e) => {
            eprintln!("xtask package: {}", e.message);
            e.code
        }
    }
}

/// Packs, unpacks into `out` (new or empty) and completes the raw crate. Returns the
/// directories, in [`CRATES`] order.
///
/// # Errors
///
/// When `out` is not empty, cargo or tar fail, a file cannot be read or written, the
/// packaged manifest does not have the expected `default` line, or generation fails.
pub fn package(out: &Path) -> Result<Vec<PathBuf>, PackageError> {
    // Never empties a directory: a mistyped `--out .` must not delete anything.
    let occupied = std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(io_error(format!(
            "{} is not empty: give a new or empty directory",
            out.display()
        )));
    }
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut pack = Command::new(&cargo);
    pack.current_dir(&root)
        .args(["package", "--locked", "--no-verify", "--allow-dirty"]);
    for c in CRATES {
        pack.args(["-p", c]);
    }
    run(&mut pack)?;
    let (target, versions) = metadata(&cargo, &root)?;
    std::fs::create_dir_all(out)
        .map_err(|e| io_error(format!("cannot create {}: {e}", out.display())))?;
    let mut dirs = Vec::new();
    for c in CRATES {
        let version = versions
            .iter()
            .find(|(name, _)| name == c)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| io_error(format!("cargo metadata lists no package {c}")))?;
        let file = target.join("package").join(format!("{c}-{version}.crate"));
        run(Command::new("tar")
            .arg("-xzf")
            .arg(&file)
            .arg("-C")
            .arg(out))?;
        let dir = out.join(format!("{c}-{version}"));
        if c == "nrfcloud-api" {
            complete_raw_crate(&dir)?;
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

/// Generates `dir/generated/` from `dir/spec/openapi.json` and turns `generate` off by default
/// in `dir/Cargo.toml`.
///
/// # Errors
///
/// As [`package`].
pub fn complete_raw_crate(dir: &Path) -> Result<(), PackageError> {
    let spec = dir.join("spec").join("openapi.json");
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| io_error(format!("cannot read {}: {e}", spec.display())))?;
    let generated = nrfcloud_codegen::generate(&text).map_err(|e| PackageError {
        message: format!("generating the client from {} failed: {e}", spec.display()),
        code: EXIT_GENERATE,
    })?;
    let gen_dir = dir.join("generated");
    std::fs::create_dir_all(&gen_dir)
        .map_err(|e| io_error(format!("cannot create {}: {e}", gen_dir.display())))?;
    for (name, text) in generated.files() {
        let path = gen_dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| io_error(format!("cannot write {}: {e}", path.display())))?;
    }
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| io_error(format!("cannot read {}: {e}", manifest.display())))?;
    let rewritten =
        default_off(&text).map_err(|m| io_error(format!("{}: {m}", manifest.display())))?;
    std::fs::write(&manifest, rewritten)
        .map_err(|e| io_error(format!("cannot write {}: {e}", manifest.display())))
}

/// The manifest with its one `default = ["generate"]` line turned into `default = []`.
fn default_off(manifest: &str) -> Result<String, String> {
    let hits = manifest.lines().filter(|l| l.trim() == DEFAULT_ON).count();
    if hits != 1 {
        return Err(format!(
            "expected exactly one `{DEFAULT_ON}` line in the packaged manifest, found {hits}"
        ));
    }
    Ok(manifest
        .lines()
        .map(|l| {
            if l.trim() == DEFAULT_ON {
                DEFAULT_OFF
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

/// The target directory and each workspace package's (name, version).
fn metadata(cargo: &str, root: &Path) -> Result<(PathBuf, Vec<(String, String)>), PackageError> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| io_error(format!("cannot run cargo metadata: {e}")))?;
    if !output.status.success() {
        return Err(io_error(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let v: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| io_error(format!("cargo metadata's output: {e}")))?;
    let target = v["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| io_error("cargo metadata gives no target_directory".into()))?;
    let versions = v["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["name"].as_str()?.to_owned(),
                p["version"].as_str()?.to_owned(),
            ))
        })
        .collect();
    Ok((target, versions))
}

fn run(command: &mut Command) -> Result<(), PackageError> {
    let status = command
        .status()
        .map_err(|e| io_error(format!("cannot run {command:?}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(io_error(format!("{command:?} failed: {status}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_line_is_turned_off_once() {
        let manifest = "[features]\nbundle-zip = [\"dep:zip\"]\ndefault = [\"generate\"]\ngenerate = [\"dep:nrfcloud-codegen\"]\n";
        let off = default_off(manifest).unwrap();
        assert!(off.contains("\ndefault = []\n"), "{off}");
        assert!(
            off.contains("generate = [\"dep:nrfcloud-codegen\"]"),
            "{off}"
        );
        assert!(!off.contains(DEFAULT_ON));
    }

    #[test]
    fn a_manifest_without_the_line_is_refused() {
        let err = default_off("[features]\ndefault = []\n").unwrap_err();
        assert!(err.contains("found 0"), "{err}");
        let twice = format!("{DEFAULT_ON}\n{DEFAULT_ON}\n");
        assert!(default_off(&twice).unwrap_err().contains("found 2"));
    }

    #[test]
    fn a_directory_with_files_is_refused_and_left_alone() {
        let dir = std::env::temp_dir().join(format!("xtask-package-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kept = dir.join("keep.txt");
        std::fs::write(&kept, "mine").unwrap();
        let err = package(&dir).unwrap_err();
        assert!(err.message.contains("is not empty"), "{}", err.message);
        assert_eq!(err.code, EXIT_FETCH);
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "mine");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_repository_manifest_has_the_line_the_package_rewrites() {
        let text = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(default_off(&text).is_ok());
    }
}
