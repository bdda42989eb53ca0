//! Where the workspace's files are, seen from this package.

use std::path::{Path, PathBuf};

/// The workspace root: the parent of this package's directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

/// `<root>/spec/openapi.json`.
pub fn default_spec_path() -> PathBuf {
    workspace_root().join("spec").join("openapi.json")
}
