//! Onboarding one device ([`OnboardingHandler::device`], with a certificate or a provisioning
//! token), bulk onboarding and key/certificate registration: typed rows checked against the
//! documentation's patterns before anything is sent, CSV written with a real CSV library,
//! requests of at most 1,000 rows sent with bounded concurrency, every bulk-ops request
//! polled until it ends, and failed rows mapped back to device ids from the request's error
//! summary (see [`read_error_summary`]: the format Nordic's own tool reads, read with a
//! bounded parser after a download of at most [`BulkOptions::max_error_summary_bytes`]).
//! Every row ends up in the report: succeeded or failed, and an error entry or a whole file
//! the client cannot map is kept in [`BulkReport::unmapped_errors`].
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client, pem: String) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::onboarding::{BulkOptions, DeviceCredential, OnboardingRow};
//! let rows = vec![OnboardingRow::new("nrf-352656100000001", DeviceCredential::PublicKey(pem))
//!     .tags(["warehouse-east"])
//!     .firmware_types(["APP", "MODEM"])];
//! let report = client.onboarding().devices(rows, BulkOptions::default()).await?;
//! println!("{} onboarded, {} failed", report.succeeded.len(), report.failed.len());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use nrfcloud_api::types;

use crate::firmware::{FIRMWARE_TYPES, csv_supports};
use crate::runtime::{PollOptions, poll_until};
use crate::{Client, Error};

mod csv_in;
mod error_summary;

pub use csv_in::{
    DEFAULT_ONBOARDING_COLUMNS, ONBOARDING_COLUMNS, read_certificates_csv, read_onboarding_csv,
    read_public_keys_csv,
};

pub use error_summary::{
    DEFAULT_MAX_ERROR_SUMMARY_BYTES, DEFAULT_MAX_UNMAPPED_ERRORS, ErrorSummary, SummaryFormatError,
    UnmappedEntry, read_error_summary,
};

/// The most rows one bulk request may hold.
pub const MAX_ROWS_PER_REQUEST: usize = 1000;

/// How a device proves who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum DeviceCredential {
    /// An ES256 X.509 device certificate (PEM).
    Certificate(String),
    /// An ES256 public key (PEM), for devices that only sign JWTs.
    PublicKey(String),
    /// An onboarding token instead of a certificate (needs a header row; the CSV writer adds it).
    OnboardingToken(String),
}

impl std::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceCredential::Certificate(_) => f.write_str("Certificate(..)"),
            DeviceCredential::PublicKey(_) => f.write_str("PublicKey(..)"),
            DeviceCredential::OnboardingToken(_) => f.write_str("OnboardingToken(***)"),
        }
    }
}

/// One OnboardDevices row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnboardingRow {
    /// The device id.
    pub device_id: String,
    /// Optional device type (`subType`).
    pub sub_type: Option<String>,
    /// Tags (device groups).
    pub tags: Vec<String>,
    /// Firmware types the device supports for FOTA: those of
    /// [`FIRMWARE_TYPES`] that the CSV's column allows
    /// ([`csv_supports`]: all but SMP and CUSTOM).
    pub firmware_types: Vec<String>,
    /// Certificate, public key or onboarding token.
    pub credential: DeviceCredential,
}

impl OnboardingRow {
    /// A row with no sub-type, tags or firmware types.
    pub fn new(device_id: impl Into<String>, credential: DeviceCredential) -> Self {
        OnboardingRow {
            device_id: device_id.into(),
            sub_type: None,
            tags: Vec::new(),
            firmware_types: Vec::new(),
            credential,
        }
    }

    /// Sets the sub-type.
    pub fn sub_type(mut self, sub_type: impl Into<String>) -> Self {
        self.sub_type = Some(sub_type.into());
        self
    }

    /// Sets the tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the supported firmware types.
    pub fn firmware_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.firmware_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Checks every field against the documentation's patterns. The error names the field.
    ///
    /// # Errors
    ///
    /// [`FieldError`] naming the first field that breaks a rule of the documentation's CSV
    /// (device id, tags, firmware types, credential).
    pub fn validate(&self) -> Result<(), FieldError> {
        check_device_id(&self.device_id)?;
        if let Some(s) = &self.sub_type {
            check_chars("subType", s, 0, 799, |c| {
                c.is_ascii_alphanumeric() || "_.,@/:#-".contains(c)
            })?;
        }
        for (i, tag) in self.tags.iter().enumerate() {
            check_chars(&format!("tags[{i}]"), tag, 1, usize::MAX, |c| {
                c.is_ascii_alphanumeric() || "_.@:#-".contains(c)
            })?;
        }
        for (i, t) in self.firmware_types.iter().enumerate() {
            let known = t.parse::<types::FirmwareTypesKnown>();
            if !known.is_ok_and(csv_supports) {
                let allowed: Vec<String> = FIRMWARE_TYPES
                    .into_iter()
                    .filter(|t| csv_supports(*t))
                    .map(|t| t.to_string())
                    .collect();
                return Err(FieldError::new(
                    format!("supportedFirmwareTypes[{i}]"),
                    format!("{t:?} is not one of {}", allowed.join(", ")),
                ));
            }
        }
        match &self.credential {
            DeviceCredential::Certificate(pem) => check_pem("certificate", pem, "CERTIFICATE"),
            DeviceCredential::PublicKey(pem) => check_pem("certificate", pem, "PUBLIC KEY"),
            DeviceCredential::OnboardingToken(t) => {
                check_chars("onboardingToken", t, 1, 8192, |c| c.is_ascii_graphic())
            }
        }
    }
}

/// A field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (`deviceId`, `tags[2]`, …).
    pub field: String,
    /// Why.
    pub reason: String,
}

impl FieldError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// `^[a-z0-9:_-]{1,128}$`, case-insensitive.
fn check_device_id(id: &str) -> Result<(), FieldError> {
    check_chars("deviceId", id, 1, 128, |c| {
        c.is_ascii_alphanumeric() || ":_-".contains(c)
    })
}

fn check_chars(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    ok: impl Fn(char) -> bool,
) -> Result<(), FieldError> {
    let len = value.chars().count();
    if len < min || len > max {
        let limits = if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(FieldError::new(
            field,
            format!("length {len}, must be {limits} characters"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !ok(*c)) {
        return Err(FieldError::new(
            field,
            format!("character {bad:?} is not allowed"),
        ));
    }
    Ok(())
}

/// `-----BEGIN <label>-----`, a line break, a body without `-`, a line break, the END line
/// and a final line break (added here when missing, as the pattern requires it).
fn check_pem(field: &str, pem: &str, label: &str) -> Result<(), FieldError> {
    let text = normalized_pem(pem);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text
        .strip_prefix(&begin)
        .and_then(|t| t.trim_end().strip_suffix(&end))
        .ok_or_else(|| FieldError::new(field, format!("not a PEM {}", label.to_lowercase())))?;
    let inner = body.trim_matches(['\r', '\n']);
    if inner.is_empty()
        || inner.contains('-')
        || !body.starts_with(['\r', '\n'])
        || !body.ends_with(['\r', '\n'])
    {
        return Err(FieldError::new(
            field,
            format!("malformed PEM {}", label.to_lowercase()),
        ));
    }
    Ok(())
}

/// The PEM with surrounding blanks removed and exactly one final line break.
fn normalized_pem(pem: &str) -> String {
    format!("{}\n", pem.trim())
}

/// The operation name in the errors of [`OnboardingHandler::device`].
const ONBOARD_DEVICE: &str = "OnboardDevice";

/// The OnboardDevice body for a row: `{certificate, …}` or `{onboardingToken, …}`.
fn onboard_device_body(row: &OnboardingRow) -> Result<types::OnboardDeviceBody, Error> {
    row.validate()
        .map_err(|e| Error::invalid(Some(ONBOARD_DEVICE), e.field, e.reason))?;
    let mut body = serde_json::Map::new();
    match &row.credential {
        DeviceCredential::Certificate(pem) => {
            body.insert("certificate".into(), normalized_pem(pem).into());
        }
        DeviceCredential::OnboardingToken(token) => {
            body.insert("onboardingToken".into(), token.clone().into());
        }
        DeviceCredential::PublicKey(_) => {
            return Err(Error::invalid(
                Some(ONBOARD_DEVICE),
                "credential",
                "OnboardDevice takes a certificate or an onboarding token, not a public key \
                 (register keys with register_public_keys)",
            ));
        }
    }
    if let Some(sub_type) = &row.sub_type {
        body.insert("subType".into(), sub_type.clone().into());
    }
    if !row.tags.is_empty() {
        body.insert("tags".into(), row.tags.clone().into());
    }
    if !row.firmware_types.is_empty() {
        body.insert(
            "supportedFirmwareTypes".into(),
            row.firmware_types.clone().into(),
        );
    }
    serde_json::from_value(serde_json::Value::Object(body))
        .map_err(|e| Error::invalid(Some(ONBOARD_DEVICE), "body", e.to_string()))
}

/// Which bulk operation to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    /// OnboardDevices.
    OnboardDevices,
    /// RegisterPublicKeys.
    RegisterPublicKeys,
    /// RegisterCertificates.
    RegisterCertificates,
}

/// Writes OnboardDevices CSV: the default column order without a header row, or with a header
/// row when any row uses an onboarding token. Rows are checked first.
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the first row and field that [`OnboardingRow::validate`]
/// refuses.
pub fn onboarding_csv(rows: &[OnboardingRow]) -> Result<String, Error> {
    check_rows(rows)?;
    let with_token = rows
        .iter()
        .any(|r| matches!(r.credential, DeviceCredential::OnboardingToken(_)));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut write = |record: &[&str]| {
        w.write_record(record)
            .map_err(|e| Error::invalid(None, "csv", e.to_string()))
    };
    if with_token {
        write(&ONBOARDING_COLUMNS)?;
    }
    for r in rows {
        let tags = r.tags.join("|");
        let fw = r.firmware_types.join("|");
        let (cert, token) = match &r.credential {
            DeviceCredential::Certificate(p) | DeviceCredential::PublicKey(p) => {
                (normalized_pem(p), String::new())
            }
            DeviceCredential::OnboardingToken(t) => (String::new(), t.clone()),
        };
        let sub = r.sub_type.clone().unwrap_or_default();
        if with_token {
            write(&[&r.device_id, &sub, &tags, &fw, &cert, &token])?;
        } else {
            write(&[&r.device_id, &sub, &tags, &fw, &cert])?;
        }
    }
    finish_csv(w)
}

/// Writes RegisterPublicKeys / RegisterCertificates CSV: `deviceId,"pem"`, no header row.
///
/// # Errors
///
/// [`Error::InvalidInput`] for an invalid device id or a PEM that is not one `label` block.
pub fn key_csv(rows: &[(String, String)], label: &str) -> Result<String, Error> {
    for (i, (id, pem)) in rows.iter().enumerate() {
        let at = |e: FieldError| Error::invalid(None, format!("rows[{i}].{}", e.field), e.reason);
        check_device_id(id).map_err(at)?;
        check_pem(
            if label == "CERTIFICATE" {
                "certificate"
            } else {
                "publicKey"
            },
            pem,
            label,
        )
        .map_err(at)?;
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for (id, pem) in rows {
        w.write_record([id.as_str(), normalized_pem(pem).as_str()])
            .map_err(|e| Error::invalid(None, "csv", e.to_string()))?;
    }
    finish_csv(w)
}

fn finish_csv(w: csv::Writer<Vec<u8>>) -> Result<String, Error> {
    let bytes = w
        .into_inner()
        .map_err(|e| Error::invalid(None, "csv", e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::invalid(None, "csv", e.to_string()))
}

fn check_rows(rows: &[OnboardingRow]) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        r.validate().map_err(|e| {
            Error::invalid(
                Some("OnboardDevices"),
                format!("rows[{i}].{}", e.field),
                e.reason,
            )
        })?;
        if !seen.insert(r.device_id.to_ascii_lowercase()) {
            return Err(Error::invalid(
                Some("OnboardDevices"),
                format!("rows[{i}].deviceId"),
                "duplicate device id",
            ));
        }
    }
    Ok(())
}

/// Progress of a bulk run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// A request of `rows` rows was accepted.
    Submitted {
        /// The bulk-ops request id.
        request_id: String,
        /// Rows in it.
        rows: usize,
    },
    /// A request ended.
    Finished {
        /// The bulk-ops request id.
        request_id: String,
        /// SUCCEEDED or FAILED (or a status this version does not know).
        status: types::BulkOpsRequestStatus,
        /// Rows of it that failed.
        failed: usize,
        /// Rows finished so far over all requests.
        done: usize,
        /// Rows in all.
        total: usize,
    },
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How a bulk run behaves.
#[derive(Clone)]
pub struct BulkOptions {
    /// Rows per request, at most 1,000.
    pub chunk_size: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How each bulk-ops request is polled until it finishes (default: first after 250 ms,
    /// doubling up to 5 s, giving up after 10 minutes).
    pub poll: PollOptions,
    /// The largest error summary (`errorSummaryUrl`) read, in bytes (default
    /// [`DEFAULT_MAX_ERROR_SUMMARY_BYTES`], 4 MiB; the client's
    /// [`max_response_bytes`](crate::ClientBuilder::max_response_bytes) when that is
    /// smaller). A larger file ends the run with [`Error::LimitExceeded`]
    /// ([`Limit::ErrorSummaryBytes`](crate::Limit::ErrorSummaryBytes)), not read past the
    /// limit.
    pub max_error_summary_bytes: u64,
    /// The most entries of one error summary that name no row kept in
    /// [`BulkReport::unmapped_errors`] (default [`DEFAULT_MAX_UNMAPPED_ERRORS`], 100); more
    /// are counted in one last entry that names this setting. Bounds the report's memory
    /// whatever the file holds.
    pub max_unmapped_errors: usize,
    /// Called for every [`Progress`] event.
    pub on_progress: Option<ProgressFn>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: MAX_ROWS_PER_REQUEST,
            concurrency: 4,
            poll: PollOptions {
                interval: Duration::from_millis(250),
                max_interval: Duration::from_secs(5),
                timeout: Duration::from_secs(600),
            },
            max_error_summary_bytes: DEFAULT_MAX_ERROR_SUMMARY_BYTES,
            max_unmapped_errors: DEFAULT_MAX_UNMAPPED_ERRORS,
            on_progress: None,
        }
    }
}

impl BulkOptions {
    /// Calls `f` for every [`Progress`] event (sets [`BulkOptions::on_progress`]), e.g.
    /// `BulkOptions::default().progress(|p| eprintln!("{p:?}"))`.
    pub fn progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }
}

impl std::fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkOptions")
            .field("chunk_size", &self.chunk_size)
            .field("concurrency", &self.concurrency)
            .field("poll", &self.poll)
            .field("max_error_summary_bytes", &self.max_error_summary_bytes)
            .field("max_unmapped_errors", &self.max_unmapped_errors)
            .finish_non_exhaustive()
    }
}

/// A row that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRow {
    /// Its device id.
    pub device_id: String,
    /// Why, as the error summary says.
    pub reason: String,
    /// The bulk-ops request it was in.
    pub request_id: String,
}

/// Something in an error summary that names no row: one entry, or the whole file when it is
/// in neither known format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedError {
    /// The bulk-ops request whose summary it is.
    pub request_id: String,
    /// Why it could not be mapped.
    pub reason: String,
    /// The entry (at most 200 characters), or the whole file as received (at most
    /// [`BulkOptions::max_error_summary_bytes`], decoded lossily as UTF-8).
    pub text: String,
}

/// The outcome of a bulk run: every row is in `succeeded` or `failed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkReport {
    /// Device ids whose rows succeeded.
    pub succeeded: Vec<String>,
    /// Rows that failed, with reasons.
    pub failed: Vec<FailedRow>,
    /// The bulk-ops request ids, in submission order.
    pub requests: Vec<String>,
    /// What the error summaries said that the client could not map to a row; a row of a
    /// FAILED request whose summary maps none of its rows is in `failed`, with a reason that
    /// points here.
    pub unmapped_errors: Vec<UnmappedError>,
}

/// One request's rows, as the report shows them.
struct RequestOutcome {
    succeeded: Vec<String>,
    failed: Vec<FailedRow>,
    unmapped: Vec<UnmappedError>,
}

impl RequestOutcome {
    /// Sorts the request's rows by what its status and error summary say.
    fn new(
        request_id: &str,
        status: &types::BulkOpsRequestStatus,
        ids: Vec<String>,
        summary: Option<Result<ErrorSummary, (SummaryFormatError, String)>>,
    ) -> Self {
        let failed_request = matches!(
            status,
            types::BulkOpsRequestStatus::BulkOpsRequestStatusKnown(
                types::BulkOpsRequestStatusKnown::Failed
            )
        );
        let mut unmapped = Vec::new();
        let (rows, none_named) = match summary {
            None => (
                BTreeMap::new(),
                "the bulk-ops request failed without an error summary".to_string(),
            ),
            Some(Ok(summary)) => {
                unmapped.extend(summary.unmapped.into_iter().map(|u| UnmappedError {
                    request_id: request_id.to_owned(),
                    reason: u.reason,
                    text: u.text,
                }));
                if summary.unmapped_not_kept > 0 {
                    unmapped.push(UnmappedError {
                        request_id: request_id.to_owned(),
                        reason: format!(
                            "{} more entries that name no row were not kept \
                             (BulkOptions::max_unmapped_errors)",
                            summary.unmapped_not_kept
                        ),
                        text: String::new(),
                    });
                }
                (
                    summary.rows,
                    "the bulk-ops request failed and its error summary names none of its rows \
                     (see BulkReport::unmapped_errors)"
                        .to_string(),
                )
            }
            Some(Err((e, raw))) => {
                unmapped.push(UnmappedError {
                    request_id: request_id.to_owned(),
                    reason: e.to_string(),
                    text: raw,
                });
                (
                    BTreeMap::new(),
                    "the bulk-ops request failed and its error summary could not be read \
                     (its text is in BulkReport::unmapped_errors)"
                        .to_string(),
                )
            }
        };
        let mut outcome = RequestOutcome {
            succeeded: Vec::new(),
            failed: Vec::new(),
            unmapped,
        };
        let nothing_mapped = rows.is_empty();
        for (index, id) in ids.into_iter().enumerate() {
            let reason = match rows.get(&index) {
                Some(reason) => Some(reason.clone()),
                None if failed_request && nothing_mapped => Some(none_named.clone()),
                None => None,
            };
            match reason {
                Some(reason) => outcome.failed.push(FailedRow {
                    device_id: id,
                    reason,
                    request_id: request_id.to_owned(),
                }),
                None => outcome.succeeded.push(id),
            }
        }
        outcome
    }
}

/// Onboarding devices and registering their keys and certificates, from [`Client::onboarding`].
#[derive(Debug, Clone, Copy)]
pub struct OnboardingHandler<'a> {
    client: &'a Client,
}

impl Client {
    /// Onboarding devices and registering their keys and certificates.
    pub fn onboarding(&self) -> OnboardingHandler<'_> {
        OnboardingHandler { client: self }
    }
}

impl OnboardingHandler<'_> {
    /// Onboards any number of devices (OnboardDevices), 1,000 rows per request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for the first invalid row (nothing is sent); else those of
    /// OnboardDevices and FetchBulkOpsRequest: [`Error::Api`] for an error answer (its nRF code
    /// in [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client
    /// holds no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body. Rows the server refused are not errors: they are in the
    /// [`BulkReport`].
    pub async fn devices(
        &self,
        rows: Vec<OnboardingRow>,
        options: BulkOptions,
    ) -> Result<BulkReport, Error> {
        check_rows(&rows)?;
        let ids: Vec<String> = rows.iter().map(|r| r.device_id.clone()).collect();
        let chunk = options.chunk_size.clamp(1, MAX_ROWS_PER_REQUEST);
        let bodies = rows
            .chunks(chunk)
            .map(onboarding_csv)
            .collect::<Result<Vec<_>, _>>()?;
        self.run_bulk(BulkKind::OnboardDevices, ids, bodies, options)
            .await
    }

    /// Onboards one device at once (OnboardDevice), with a
    /// [`DeviceCredential::Certificate`] or, for nrf93m devices, a
    /// [`DeviceCredential::OnboardingToken`] (the provisioning token the device generated).
    /// The row is checked by the same rules as an [`onboard_devices`](OnboardingHandler::devices)
    /// row (the CSV's `certificate` and `onboardingToken` columns) before anything is sent; a
    /// [`DeviceCredential::PublicKey`] is refused, since OnboardDevice takes none (register
    /// keys with [`register_public_keys`](OnboardingHandler::public_keys)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an invalid row or a public-key credential (nothing is sent);
    /// else those of OnboardDevice: [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body.
    pub async fn device(&self, row: &OnboardingRow) -> Result<(), Error> {
        let body = onboard_device_body(row)?;
        let id: types::DeviceId = row
            .device_id
            .parse()
            .map_err(|_| Error::invalid(Some(ONBOARD_DEVICE), "deviceId", "not a device id"))?;
        self.client
            .api()
            .onboard_device()
            .device_id(id)
            .body(body)
            .send()
            .await
    }

    /// Registers device public keys (RegisterPublicKeys): `(device id, PEM)` pairs.
    ///
    /// # Errors
    ///
    /// As [`OnboardingHandler::devices`], for RegisterPublicKeys.
    pub async fn public_keys(
        &self,
        rows: Vec<(String, String)>,
        options: BulkOptions,
    ) -> Result<BulkReport, Error> {
        self.register_keys(BulkKind::RegisterPublicKeys, "PUBLIC KEY", rows, options)
            .await
    }

    /// Registers device certificates (RegisterCertificates): `(device id, PEM)` pairs.
    ///
    /// # Errors
    ///
    /// As [`OnboardingHandler::devices`], for RegisterCertificates.
    pub async fn certificates(
        &self,
        rows: Vec<(String, String)>,
        options: BulkOptions,
    ) -> Result<BulkReport, Error> {
        self.register_keys(BulkKind::RegisterCertificates, "CERTIFICATE", rows, options)
            .await
    }

    async fn register_keys(
        &self,
        kind: BulkKind,
        label: &str,
        rows: Vec<(String, String)>,
        options: BulkOptions,
    ) -> Result<BulkReport, Error> {
        key_csv(&rows, label)?;
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let chunk = options.chunk_size.clamp(1, MAX_ROWS_PER_REQUEST);
        let bodies = rows
            .chunks(chunk)
            .map(|c| key_csv(c, label))
            .collect::<Result<Vec<_>, _>>()?;
        self.run_bulk(kind, ids, bodies, options).await
    }

    async fn run_bulk(
        &self,
        kind: BulkKind,
        ids: Vec<String>,
        bodies: Vec<String>,
        options: BulkOptions,
    ) -> Result<BulkReport, Error> {
        let chunk = options.chunk_size.clamp(1, MAX_ROWS_PER_REQUEST);
        let total = ids.len();
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let jobs = bodies.into_iter().enumerate().map(|(i, body)| {
            let chunk_ids = ids[i * chunk..((i + 1) * chunk).min(total)].to_vec();
            let options = options.clone();
            let done = done.clone();
            async move {
                let request_id = self.submit(kind, body).await?;
                emit(
                    &options,
                    Progress::Submitted {
                        request_id: request_id.clone(),
                        rows: chunk_ids.len(),
                    },
                );
                let outcome = self.wait(&request_id, &options).await?;
                let summary = match &outcome.error_summary_url {
                    Some(url) => {
                        let bytes = self
                            .client
                            .download_error_summary(url, options.max_error_summary_bytes)
                            .await?;
                        let kept = options.max_unmapped_errors;
                        Some(
                            read_error_summary(&bytes, &chunk_ids, kept)
                                .map_err(|e| (e, String::from_utf8_lossy(&bytes).into_owned())),
                        )
                    }
                    None => None,
                };
                let rows = chunk_ids.len();
                let result = RequestOutcome::new(&request_id, &outcome.status, chunk_ids, summary);
                let finished = done.fetch_add(rows, std::sync::atomic::Ordering::SeqCst) + rows;
                emit(
                    &options,
                    Progress::Finished {
                        request_id: request_id.clone(),
                        status: outcome.status.clone(),
                        failed: result.failed.len(),
                        done: finished,
                        total,
                    },
                );
                Ok::<_, Error>((i, request_id, result))
            }
        });
        let mut results: Vec<_> = stream::iter(jobs)
            .buffer_unordered(options.concurrency.max(1))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        results.sort_by_key(|r| r.0);
        let mut report = BulkReport::default();
        for (_, request_id, outcome) in results {
            report.succeeded.extend(outcome.succeeded);
            report.failed.extend(outcome.failed);
            report.unmapped_errors.extend(outcome.unmapped);
            report.requests.push(request_id);
        }
        Ok(report)
    }

    async fn submit(&self, kind: BulkKind, body: String) -> Result<String, Error> {
        use types::RestApiPayloadContentTypeWithCsv as Ct;
        let id = match kind {
            BulkKind::OnboardDevices => self
                .client
                .api()
                .onboard_devices()
                .content_type(Ct::ApplicationOctetStream)
                .body(body)
                .send()
                .await?
                .bulk_ops_request_id
                .to_string(),
            BulkKind::RegisterPublicKeys => self
                .client
                .api()
                .register_public_keys()
                .content_type(Ct::ApplicationOctetStream)
                .body(body)
                .send()
                .await?
                .bulk_ops_request_id
                .to_string(),
            BulkKind::RegisterCertificates => self
                .client
                .api()
                .register_certificates()
                .content_type(Ct::ApplicationOctetStream)
                .body(body)
                .send()
                .await?
                .bulk_ops_request_id
                .to_string(),
        };
        Ok(id)
    }

    /// Polls a bulk-ops request with backoff until it is SUCCEEDED or FAILED.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a request id that is not a ULID; those of
    /// FetchBulkOpsRequest for each poll: [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body. [`Error::Timeout`] when [`BulkOptions::poll`]'s timeout passes first.
    pub async fn wait(
        &self,
        request_id: &str,
        options: &BulkOptions,
    ) -> Result<BulkOutcome, Error> {
        let id: types::Ulid = request_id.parse().map_err(|_| {
            Error::invalid(
                Some("FetchBulkOpsRequest"),
                "bulkOpsRequestId",
                "not a ULID",
            )
        })?;
        let client = self.client;
        poll_until(
            client.time(),
            client.sleeper(),
            &options.poll,
            "FetchBulkOpsRequest",
            || {
                let sent = client
                    .api()
                    .fetch_bulk_ops_request()
                    .bulk_ops_request_id(id.clone())
                    .send();
                async move {
                    let details = sent.await?;
                    Ok(is_finished(&details.status).then_some(BulkOutcome {
                        status: details.status,
                        error_summary_url: details.error_summary_url,
                    }))
                }
            },
        )
        .await
    }
}

/// Whether a bulk-ops request has ended: SUCCEEDED or FAILED, the statuses the document
/// lists besides IN_PROGRESS (`types::BulkOpsRequestStatusKnown`). A status this version
/// does not know is taken as still running, until [`BulkOptions::poll`]'s timeout.
fn is_finished(status: &types::BulkOpsRequestStatus) -> bool {
    use types::BulkOpsRequestStatusKnown as Known;
    matches!(
        status,
        types::BulkOpsRequestStatus::BulkOpsRequestStatusKnown(Known::Succeeded | Known::Failed)
    )
}

/// How a bulk-ops request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    /// SUCCEEDED or FAILED.
    pub status: types::BulkOpsRequestStatus,
    /// Where the rows that failed are listed.
    pub error_summary_url: Option<String>,
}

fn emit(options: &BulkOptions, p: Progress) {
    if let Some(f) = &options.on_progress {
        f(&p);
    }
}

#[cfg(test)]
mod tests;
