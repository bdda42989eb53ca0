//! `nrfcloud`: the nRF Cloud REST API v1 from the command line (see the README's CLI
//! section and `nrfcloud --help`).

#![warn(missing_docs)]

mod api_commands;
mod cli;
mod config;
mod error;
mod output;
mod progress;
mod run;
mod table;
mod target;
mod workflows;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::FromArgMatches;

use crate::cli::{CredentialArgs, Global, Hand};
use crate::error::CliError;
use crate::output::{Format, Output};
use crate::target::{CredentialFlags, Target};

fn main() -> ExitCode {
    let matches = match cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            // Help and version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { error::EXIT_USAGE } else { 0 });
        }
    };
    let global = match Global::from_arg_matches(&matches) {
        Ok(g) => g,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(error::EXIT_USAGE);
        }
    };
    let color = color_on_stderr();
    if global.verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(color)
            .with_max_level(tracing::Level::DEBUG)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(error::EXIT_TRANSPORT);
        }
    };
    match runtime.block_on(dispatch(&matches, &global)) {
        Ok(()) | Err(CliError::ClosedPipe) => ExitCode::SUCCESS,
        Err(e) => {
            let label = if color {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            eprintln!("{label} {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Colour only on a terminal, and never with `NO_COLOR` set (to anything but empty).
pub fn color_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The context every command gets.
pub struct Context {
    /// Options every command takes.
    pub global: Global,
    /// The resolved target (server and credentials).
    pub target: Target,
    /// The output format in use.
    pub format: Format,
}

impl Context {
    /// A client for `operation`; `needs_credential` checks one is set before anything is sent.
    pub fn client(
        &self,
        operation: &str,
        needs_credential: bool,
    ) -> Result<nrfcloud::Client, CliError> {
        self.target.client(operation, needs_credential)
    }

    /// Where results go.
    pub fn output(&self) -> Output {
        Output::stdout(self.format)
    }

    /// Progress for `total` steps (`None`: unknown), drawn on a terminal, lines otherwise.
    pub fn progress(&self, what: &str, total: Option<u64>) -> progress::Progress {
        progress::Progress::new(what, total, self.global.quiet)
    }
}

async fn dispatch(matches: &clap::ArgMatches, global: &Global) -> Result<(), CliError> {
    let creds =
        CredentialArgs::from_arg_matches(matches).map_err(|e| CliError::usage(e.to_string()))?;
    // Commands that need no profile or target.
    let hand = match matches.subcommand() {
        Some((name, _)) if table::groups().contains(&name) => None,
        _ => Some(Hand::from_arg_matches(matches).map_err(|e| CliError::usage(e.to_string()))?),
    };
    match &hand {
        Some(Hand::Config(c)) => return workflows::config_cmd::run(c, global),
        Some(Hand::Completions { shell }) => {
            let mut cmd = cli::command();
            clap_complete::generate(*shell, &mut cmd, "nrfcloud", &mut std::io::stdout());
            return Ok(());
        }
        Some(Hand::Mock(args)) => return workflows::mock::run(args, global.quiet).await,
        _ => {}
    }
    let profile = config::profile(global.profile.as_deref())?;
    let format = match global.output {
        Some(f) => f,
        None => match profile.output.as_deref() {
            Some(f) => <Format as clap::ValueEnum>::from_str(f, true).map_err(|_| {
                CliError::usage(format!(
                    "the profile's output {f:?} is not json, ndjson, table or csv"
                ))
            })?,
            None => Format::default_for_stdout(),
        },
    };
    let flags = CredentialFlags {
        api_key_file: global.api_key_file.clone(),
        device_key: creds.device_key.clone(),
        device_id: creds.device_id.clone(),
        service_key: creds.service_key.clone(),
        team_id: creds.team_id.clone(),
        base_url: global.base_url.clone(),
    };
    let target = Target::resolve(&flags, &profile)?;
    let ctx = Context {
        global: global.clone(),
        target,
        format,
    };

    match matches.subcommand() {
        Some(("firmware", sub)) if sub.subcommand_name() == Some("upload") => {
            let args = workflows::firmware::UploadArgs::from_arg_matches(
                sub.subcommand_matches("upload").expect("named"),
            )
            .map_err(|e| CliError::usage(e.to_string()))?;
            workflows::firmware::upload(&ctx, &args).await
        }
        Some(("messages", sub)) if sub.subcommand_name() == Some("tail") => {
            let args = workflows::messages::TailArgs::from_arg_matches(
                sub.subcommand_matches("tail").expect("named"),
            )
            .map_err(|e| CliError::usage(e.to_string()))?;
            workflows::messages::tail(&ctx, &args).await
        }
        Some((group, sub)) if table::groups().contains(&group) => {
            let mut out = ctx.output();
            api_commands::run(
                |op| ctx.client(op.operation_id, !op.security.is_empty()),
                group,
                sub,
                &mut out,
            )
            .await
        }
        _ => match hand {
            Some(Hand::Onboard(a)) => workflows::onboard::onboard(&ctx, &a).await,
            Some(Hand::RegisterKeys(a)) => workflows::onboard::register_keys(&ctx, &a).await,
            Some(Hand::Fota(c)) => workflows::fota::run(&ctx, &c).await,
            Some(Hand::Agnss(c)) => workflows::location::agnss(&ctx, &c).await,
            Some(Hand::GroundFix(a)) => workflows::location::ground_fix(&ctx, &a).await,
            _ => {
                let _ = cli::command().print_help();
                Err(CliError::usage(""))
            }
        },
    }
}
