//! The command line: global options, the hand-written commands (clap derive), and the
//! generated API groups added to the same [`Command`].

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::output::Format;

/// Exit codes, listed in `nrfcloud --help`.
pub const EXIT_CODES: &str = "\
Exit codes: 0 ok, 1 API error, 2 usage (nothing sent), 3 credentials, 4 transport or timeout.

Credentials: NRFCLOUD_API_KEY or --api-key-file FILE (or a profile: `nrfcloud config set api_key_file FILE`);
--device-key PEM --device-id ID for device JWTs; --service-key PEM --team-id ID for service-key JWTs.
Try it without an account: `nrfcloud mock --devices 100`, then paste the two export lines.";

/// nrfcloud: the nRF Cloud REST API v1 from the command line.
///
/// Every operation of the API is a command, grouped by resource (`nrfcloud devices list`,
/// `nrfcloud devices get ID`); the workflows (onboard, register-keys, firmware upload, fota,
/// agnss, ground-fix, messages tail) are commands of their own.
#[derive(Debug, Parser)]
#[command(name = "nrfcloud", version, after_help = EXIT_CODES, propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// Credential options (before the command).
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// The hand-written commands.
    #[command(subcommand)]
    pub command: Option<Hand>,
}

/// Options every command takes (before or after the command's name).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The profile of the config file to use.
    #[arg(
        long,
        global = true,
        env = "NRFCLOUD_PROFILE",
        value_name = "NAME",
        hide_env_values = true
    )]
    pub profile: Option<String>,
    /// The API's base URL (default: the profile's, else https://api.nrfcloud.com).
    #[arg(
        long,
        global = true,
        env = "NRFCLOUD_BASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub base_url: Option<String>,
    /// A file holding the API key (instead of NRFCLOUD_API_KEY).
    #[arg(long, global = true, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<Format>,
    /// No progress and no notes on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Show the requests' tracing spans on stderr (secrets are never shown).
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// Credentials for the JWT operations (given before the command).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "JWT credentials (before the command)")]
pub struct CredentialArgs {
    /// A device's private key (PEM), to sign device JWTs.
    #[arg(long, value_name = "PEM", requires = "device_id")]
    pub device_key: Option<PathBuf>,
    /// The device the device key signs for.
    #[arg(long, value_name = "ID")]
    pub device_id: Option<String>,
    /// A service key (PEM), to sign service-key JWTs.
    #[arg(long, value_name = "PEM", requires = "team_id")]
    pub service_key: Option<PathBuf>,
    /// The team id for service-key JWTs (team.tenantId of `nrfcloud account get`).
    #[arg(long, value_name = "ID")]
    pub team_id: Option<String>,
}

/// The hand-written commands.
#[derive(Debug, Subcommand)]
pub enum Hand {
    /// Onboard devices from the documentation's OnboardDevices CSV (rows checked first).
    #[command(
        after_help = "Example:\n  nrfcloud onboard devices.csv --result results.csv\n\n\
        Each row: deviceId,subType,tags (|-separated),fwTypes (|-separated),certificate or public key (PEM).\n\
        Rows are checked before anything is sent; a bad row is named with its line and column."
    )]
    Onboard(crate::workflows::onboard::OnboardArgs),
    /// Register devices' public keys from a CSV (deviceId,public key PEM).
    #[command(after_help = "Example:\n  nrfcloud register-keys keys.csv --result results.csv")]
    RegisterKeys(crate::workflows::onboard::RegisterKeysArgs),
    /// FOTA jobs: create (for tags or devices), wait for the end, cancel.
    #[command(subcommand)]
    Fota(crate::workflows::fota::FotaCommand),
    /// A-GNSS assistance data.
    #[command(subcommand)]
    Agnss(crate::workflows::location::AgnssCommand),
    /// A ground fix (location from LTE cells and Wi-Fi access points), from flags or a JSON file.
    #[command(
        after_help = "Examples:\n  nrfcloud --device-key key.pem --device-id nrf-1 ground-fix --lte 242,2,2305,33703712\n  \
        nrfcloud ground-fix --file fix.json\n  nrfcloud ground-fix --wifi 40:01:7a:c9:10:22 --wifi 40:01:7a:c9:10:27"
    )]
    GroundFix(crate::workflows::location::GroundFixArgs),
    /// Start the local mock nRF Cloud and print the two `export` lines that point the CLI at it.
    #[command(after_help = "Example:\n  nrfcloud mock --devices 100 --port 8080\n  \
        # in another shell, paste the two export lines, then:\n  nrfcloud devices list")]
    Mock(crate::workflows::mock::MockArgs),
    /// Profiles in the config file: set, get, unset, list, path.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print shell completions.
    #[command(
        after_help = "Example:\n  nrfcloud completions bash > ~/.local/share/bash-completion/completions/nrfcloud"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `nrfcloud config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set a setting of the profile (default: `default`).
    #[command(
        after_help = "Example:\n  nrfcloud config set --profile staging base_url https://staging.example/v1"
    )]
    Set {
        /// One of: base_url, api_key, api_key_file, device_key, device_id, service_key, team_id, output.
        key: String,
        /// The value.
        value: String,
    },
    /// Print a setting (api_key prints as <redacted>).
    Get {
        /// The setting.
        key: String,
    },
    /// Remove a setting.
    Unset {
        /// The setting.
        key: String,
    },
    /// Every setting of every profile (api_key prints as <redacted>).
    List,
    /// Print where the config file is.
    Path,
}

/// The whole command: the hand-written commands, the generated API groups, and the
/// hand-written commands that live in a generated group (`firmware upload`, `messages tail`).
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for mut group in crate::api_commands::group_commands() {
        match group.get_name() {
            "firmware" => {
                group = group.subcommand(
                    <crate::workflows::firmware::UploadArgs as Args>::augment_args(
                        clap::Command::new("upload"),
                    )
                    .about("Upload a firmware bundle zip (its manifest.json is checked first)")
                    .after_help("Example:\n  nrfcloud firmware upload app-v1.2.0.zip"),
                );
            }
            "messages" => {
                group = group.subcommand(
                    <crate::workflows::messages::TailArgs as Args>::augment_args(
                        clap::Command::new("tail"),
                    )
                    .about("Print new messages as they arrive, until interrupted")
                    .after_help("Example:\n  nrfcloud messages tail --device nrf-352656100000000"),
                );
            }
            _ => {}
        }
        cmd = cmd.subcommand(group);
    }
    cmd
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_whole_command_is_consistent() {
        // clap's own checks: no two flags of one command share a name, ids are unique, …
        super::command().debug_assert();
    }
}
