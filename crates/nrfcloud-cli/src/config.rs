//! Named profiles in `config.toml` in the platform's config directory (or the file named by
//! `NRFCLOUD_CONFIG`): `nrfcloud config set|get|list`, `--profile NAME`.
//!
//! ```toml
//! [profiles.default]
//! base_url = "https://api.nrfcloud.com"
//! api_key_file = "/home/me/.nrfcloud-key"
//!
//! [profiles.staging]
//! base_url = "https://staging.example/v1"
//! api_key = "…"
//! ```
//!
//! `api_key` is a secret: `config list` and `config get` print `<redacted>`, and the file is
//! written readable by its owner only.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// What a profile can hold.
pub const KEYS: &[(&str, &str)] = &[
    ("base_url", "the API's base URL (a path prefix is fine)"),
    ("api_key", "the team's API key (secret: never printed)"),
    ("api_key_file", "a file holding the API key"),
    (
        "device_key",
        "a device's private key (PEM file) for device JWTs",
    ),
    ("device_id", "the device id the device key signs for"),
    (
        "service_key",
        "a service key (PEM file) for service-key JWTs",
    ),
    ("team_id", "the team id a service-key JWT is for"),
    (
        "output",
        "the default output format: json, ndjson, table or csv",
    ),
];

/// One profile.
#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The API's base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The API key (secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// A file holding the API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<String>,
    /// A device's private key (PEM file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_key: Option<String>,
    /// The device id of the device key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// A service key (PEM file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_key: Option<String>,
    /// The team id of the service key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// The default output format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_key_file", &self.api_key_file)
            .field("device_key", &self.device_key)
            .field("device_id", &self.device_id)
            .field("service_key", &self.service_key)
            .field("team_id", &self.team_id)
            .field("output", &self.output)
            .finish()
    }
}

impl Profile {
    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "base_url" => &mut self.base_url,
            "api_key" => &mut self.api_key,
            "api_key_file" => &mut self.api_key_file,
            "device_key" => &mut self.device_key,
            "device_id" => &mut self.device_id,
            "service_key" => &mut self.service_key,
            "team_id" => &mut self.team_id,
            "output" => &mut self.output,
            _ => return None,
        })
    }

    /// The value of `key` as `config get` and `config list` show it (secrets redacted).
    pub fn shown(&mut self, key: &str) -> Option<String> {
        let secret = key == "api_key";
        self.slot(key)?
            .clone()
            .map(|v| if secret { "<redacted>".to_string() } else { v })
    }
}

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Where the file is: `NRFCLOUD_CONFIG`, else `config.toml` in the platform's config
/// directory for `nrfcloud`.
pub fn path() -> Result<PathBuf, CliError> {
    if let Some(p) = std::env::var_os("NRFCLOUD_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("com", "nrfcloud-rs", "nrfcloud")
        .map(|d| d.config_dir().join("config.toml"))
        .ok_or_else(|| CliError::usage("no config directory on this system: set NRFCLOUD_CONFIG"))
}

/// Reads the file (an absent file is an empty configuration).
pub fn load() -> Result<ConfigFile, CliError> {
    let path = path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| CliError::usage(format!("{}: {}", path.display(), e.message()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(CliError::usage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn save(config: &ConfigFile) -> Result<PathBuf, CliError> {
    let path = path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let text = toml::to_string_pretty(config)
        .map_err(|e| CliError::usage(format!("cannot write the configuration: {e}")))?;
    let tmp = path.with_extension("toml.tmp");
    write_private(&tmp, text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

fn check_key(key: &str) -> Result<(), CliError> {
    if KEYS.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "unknown setting {key:?}; settings: {}",
            KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        )))
    }
}

/// `config set KEY VALUE`.
pub fn set(profile: &str, key: &str, value: &str) -> Result<PathBuf, CliError> {
    check_key(key)?;
    if key == "output" {
        <crate::output::Format as clap::ValueEnum>::from_str(value, true)
            .map_err(|_| CliError::usage("output must be json, ndjson, table or csv"))?;
    }
    let mut config = load()?;
    let p = config.profiles.entry(profile.to_string()).or_default();
    *p.slot(key).expect("checked") = Some(value.to_string());
    save(&config)
}

/// `config unset KEY`.
pub fn unset(profile: &str, key: &str) -> Result<PathBuf, CliError> {
    check_key(key)?;
    let mut config = load()?;
    if let Some(p) = config.profiles.get_mut(profile) {
        *p.slot(key).expect("checked") = None;
    }
    save(&config)
}

/// `config get KEY`: the value as shown (secrets redacted), if set.
pub fn get(profile: &str, key: &str) -> Result<Option<String>, CliError> {
    check_key(key)?;
    let mut config = load()?;
    Ok(config.profiles.get_mut(profile).and_then(|p| p.shown(key)))
}

/// `config list`: `profile.key = value` lines, secrets redacted.
pub fn list() -> Result<Vec<String>, CliError> {
    let mut config = load()?;
    let mut lines = Vec::new();
    for (name, p) in config.profiles.iter_mut() {
        for (key, _) in KEYS {
            if let Some(v) = p.shown(key) {
                lines.push(format!("{name}.{key} = {v}"));
            }
        }
    }
    Ok(lines)
}

/// The named profile (an unknown name other than `default` is an error).
pub fn profile(name: Option<&str>) -> Result<Profile, CliError> {
    let mut config = load()?;
    match name {
        None => Ok(config.profiles.remove(DEFAULT_PROFILE).unwrap_or_default()),
        Some(n) => config.profiles.remove(n).map_or_else(
            || {
                if n == DEFAULT_PROFILE {
                    Ok(Profile::default())
                } else {
                    Err(CliError::usage(format!(
                        "no profile {n:?} in {} (`nrfcloud config set --profile {n} base_url URL`)",
                        path().map(|p| p.display().to_string()).unwrap_or_default()
                    )))
                }
            },
            Ok,
        ),
    }
}
