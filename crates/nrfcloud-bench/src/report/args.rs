//! The options of `cargo xtask bench-report`.

use super::GROUPS;

/// `cargo xtask bench-report`: the side-by-side benchmarks as a table of ratios.
#[derive(Debug, Clone, PartialEq, Eq, Default, clap::Args)]
pub struct BenchArgs {
    /// Exit 1 when a target of an instruction or heap-bytes row is missed or a benchmark fails
    /// (wall-clock rows are a report).
    #[arg(long)]
    pub check: bool,
    /// Fewer rounds and smaller bulk runs, for trying the command out.
    #[arg(long)]
    pub quick: bool,
    /// Only these groups, comma-separated (all when not given).
    #[arg(
        long,
        value_name = "GROUP,...",
        value_delimiter = ',',
        value_parser = clap::builder::PossibleValuesParser::new(GROUPS)
    )]
    pub only: Vec<String>,
}
