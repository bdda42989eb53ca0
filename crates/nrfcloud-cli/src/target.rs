//! Which server and which credentials: flags, then environment, then the profile.
//!
//! - API key: `--api-key-file FILE`, else `NRFCLOUD_API_KEY`, else the profile's
//!   `api_key_file` or `api_key`.
//! - Device JWTs: `--device-key PEM --device-id ID` (or the profile's `device_key`,
//!   `device_id`); service-key JWTs: `--service-key PEM --team-id ID`.
//! - Base URL: `--base-url`, else `NRFCLOUD_BASE_URL`, else the profile's, else the real API.
//!
//! The key is held as [`nrfcloud::Secret`] and never printed: errors name the file or the
//! setting it came from, never its content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nrfcloud::{Client, DeviceKey, Secret, ServiceKey};

use crate::config::Profile;
use crate::error::CliError;

/// The resolved server and credentials.
pub struct Target {
    /// The API's base URL.
    pub base_url: String,
    api_key: Option<Secret>,
    device_key: Option<DeviceKey>,
    service_key: Option<ServiceKey>,
    /// Where the settings came from, for the credentials error.
    hint: &'static str,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("device_key", &self.device_key.is_some())
            .field("service_key", &self.service_key.is_some())
            .finish()
    }
}

/// The credential flags (before the subcommand).
#[derive(Debug, Default, Clone)]
pub struct CredentialFlags {
    /// `--api-key-file`.
    pub api_key_file: Option<PathBuf>,
    /// `--device-key`.
    pub device_key: Option<PathBuf>,
    /// `--device-id`.
    pub device_id: Option<String>,
    /// `--service-key`.
    pub service_key: Option<PathBuf>,
    /// `--team-id`.
    pub team_id: Option<String>,
    /// `--base-url`.
    pub base_url: Option<String>,
}

fn read_secret_file(path: &Path, what: &str) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Credentials(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })?;
    let key = text.trim().to_string();
    if key.is_empty() {
        return Err(CliError::Credentials(format!(
            "the {what} file {} is empty",
            path.display()
        )));
    }
    Ok(key)
}

fn read_pem(path: &Path, what: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| {
        CliError::Credentials(format!("cannot read the {what} {}: {e}", path.display()))
    })
}

impl Target {
    /// Resolves flags, environment and profile.
    pub fn resolve(flags: &CredentialFlags, profile: &Profile) -> Result<Target, CliError> {
        let env_key = std::env::var("NRFCLOUD_API_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty());
        let api_key = if let Some(path) = &flags.api_key_file {
            Some(read_secret_file(path, "API key")?)
        } else if let Some(key) = env_key {
            Some(key.trim().to_string())
        } else if let Some(path) = &profile.api_key_file {
            Some(read_secret_file(Path::new(path), "API key")?)
        } else {
            profile.api_key.clone()
        };
        let base_url = flags
            .base_url
            .clone()
            .or_else(|| {
                std::env::var("NRFCLOUD_BASE_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
            })
            .or_else(|| profile.base_url.clone())
            .unwrap_or_else(|| nrfcloud::DEFAULT_BASE_URL.to_string());
        let device_key_path = flags
            .device_key
            .clone()
            .or_else(|| profile.device_key.as_ref().map(PathBuf::from));
        let device_id = flags
            .device_id
            .clone()
            .or_else(|| profile.device_id.clone());
        let device_key = match (device_key_path, device_id) {
            (Some(path), Some(id)) => Some(
                DeviceKey::from_pem(id, &read_pem(&path, "device key")?).map_err(|e| {
                    CliError::Credentials(format!("the device key {}: {e}", path.display()))
                })?,
            ),
            (Some(_), None) => {
                return Err(CliError::Credentials(
                    "--device-key needs --device-id (the device the key signs for)".into(),
                ));
            }
            (None, _) => None,
        };
        let service_key_path = flags
            .service_key
            .clone()
            .or_else(|| profile.service_key.as_ref().map(PathBuf::from));
        let team_id = flags.team_id.clone().or_else(|| profile.team_id.clone());
        let service_key = match (service_key_path, team_id) {
            (Some(path), Some(team)) => Some(
                ServiceKey::from_pem(team, &read_pem(&path, "service key")?).map_err(|e| {
                    CliError::Credentials(format!("the service key {}: {e}", path.display()))
                })?,
            ),
            (Some(_), None) => {
                return Err(CliError::Credentials(
                    "--service-key needs --team-id (team.tenantId of `nrfcloud account get`)"
                        .into(),
                ));
            }
            (None, _) => None,
        };
        Ok(Target {
            base_url,
            api_key: api_key.map(Secret::new),
            device_key,
            service_key,
            hint: "set NRFCLOUD_API_KEY, give --api-key-file FILE, or store one in a profile (`nrfcloud config set api_key_file FILE`)",
        })
    }

    /// Whether any credential is set.
    pub fn has_credential(&self) -> bool {
        self.api_key.is_some() || self.device_key.is_some() || self.service_key.is_some()
    }

    /// A client for an operation that needs credentials when `needs_credential` (checked
    /// here, before anything is sent).
    pub fn client(&self, operation: &str, needs_credential: bool) -> Result<Client, CliError> {
        if needs_credential && !self.has_credential() {
            return Err(CliError::Credentials(format!(
                "{operation}: no credential: {}",
                self.hint
            )));
        }
        let mut b = Client::builder()
            .base_url(self.base_url.clone())
            .user_agent(concat!("nrfcloud-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10));
        if let Some(k) = &self.api_key {
            b = b.api_key(k.clone());
        }
        if let Some(k) = &self.device_key {
            b = b.device_key(k.clone());
        }
        if let Some(k) = &self.service_key {
            b = b.service_key(k.clone());
        }
        b.build().map_err(|e| match e {
            nrfcloud::Error::Credentials(_) => CliError::Credentials(e.to_string()),
            other => CliError::usage(format!("cannot use base URL {:?}: {other}", self.base_url)),
        })
    }
}
