//! The benchmarks of nrfcloud-rs, in one place (not published).
//!
//! - [`fixtures`]: what every benchmark shares: the canned device document, a minimal HTTP
//!   server, the hand-written `reqwest` + `serde` baselines and the client calls they are
//!   compared with.
//! - `benches/`: criterion (`overhead`, `streams`, `bulk`) and gungraun (`instructions`,
//!   instruction counts under callgrind), run with `cargo bench -p nrfcloud-bench`.
//! - [`report`]: `cargo xtask bench-report`, the side-by-side comparisons as a table of
//!   ratios, and the gate CI runs on the deterministic rows.
//! - [`counting`] and the `bench-memory-probe` binary: the counting allocator, installed
//!   only in the probe that `report` starts for each peak-memory measurement.

#![warn(missing_docs)]

pub mod counting;
pub mod fixtures;
pub mod report;

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this package).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}
