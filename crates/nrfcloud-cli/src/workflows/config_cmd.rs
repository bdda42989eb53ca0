//! `nrfcloud config set|get|unset|list|path`.

use crate::cli::{ConfigCommand, Global};
use crate::config::{self, DEFAULT_PROFILE};
use crate::error::CliError;

/// Runs a `config` command on the `--profile` (default `default`).
pub fn run(cmd: &ConfigCommand, global: &Global) -> Result<(), CliError> {
    let profile = global.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    match cmd {
        ConfigCommand::Set { key, value } => {
            let path = config::set(profile, key, value)?;
            if !global.quiet {
                eprintln!("{profile}.{key} set in {}", path.display());
            }
        }
        ConfigCommand::Get { key } => match config::get(profile, key)? {
            Some(v) => println!("{v}"),
            None => return Err(CliError::usage(format!("{profile}.{key} is not set"))),
        },
        ConfigCommand::Unset { key } => {
            config::unset(profile, key)?;
        }
        ConfigCommand::List => {
            for line in config::list()? {
                println!("{line}");
            }
        }
        ConfigCommand::Path => println!("{}", config::path()?.display()),
    }
    Ok(())
}
