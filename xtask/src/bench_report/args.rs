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
    /// Run as a memory probe of CASE (`stream` or `onboard`): the report starts itself this way.
    #[arg(
        long,
        value_name = "CASE",
        hide = true,
        requires = "url",
        requires = "devices"
    )]
    pub memory_probe: Option<String>,
    /// The memory probe's server base URL.
    #[arg(long, hide = true)]
    pub url: Option<String>,
    /// The memory probe's API key.
    #[arg(long, hide = true, default_value = "")]
    pub api_key: String,
    /// The memory probe's number of devices.
    #[arg(long, hide = true)]
    pub devices: Option<usize>,
}

/// One peak-memory measurement, run in a child process by the report
/// (`bench-report --memory-probe CASE --url URL --api-key KEY --devices N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `stream` or `onboard`.
    pub case: String,
    /// The server's base URL.
    pub url: String,
    /// Its API key.
    pub api_key: String,
    /// How many devices.
    pub devices: usize,
}

impl BenchArgs {
    /// The memory probe these arguments ask for, if any (clap has checked that its URL and
    /// device count are present).
    pub fn probe(&self) -> Option<Probe> {
        Some(Probe {
            case: self.memory_probe.clone()?,
            url: self.url.clone()?,
            api_key: self.api_key.clone(),
            devices: self.devices?,
        })
    }
}
