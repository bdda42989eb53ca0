//! Readers for the CSV files the documentation describes: OnboardDevices rows (with or
//! without a header row), RegisterPublicKeys and RegisterCertificates rows (`deviceId,"PEM"`,
//! no header). Every row is checked by the same rules as rows built in code, and an error
//! names the line and the column.
//!
//! ```
//! let csv = "deviceId,subType,tags,supportedFirmwareTypes,certificate,onboardingToken\n\
//!            sensor-1,humidity-sensor,east|floor-2,APP|MODEM,,token-1\n";
//! let rows = nrfcloud::onboarding::read_onboarding_csv(csv.as_bytes())?;
//! assert_eq!(rows[0].tags, ["east", "floor-2"]);
//! # Ok::<(), nrfcloud::Error>(())
//! ```

use std::io::Read;

use super::{DeviceCredential, FieldError, OnboardingRow, check_device_id, check_pem};
use crate::Error;

/// The columns of an OnboardDevices file without a header row, in the documentation's
/// strict default order (`onboardingToken` needs a header row).
pub const DEFAULT_ONBOARDING_COLUMNS: [&str; 5] = [
    "deviceId",
    "subType",
    "tags",
    "supportedFirmwareTypes",
    "certificate",
];

/// Every column an OnboardDevices header row may name, in any order.
pub const ONBOARDING_COLUMNS: [&str; 6] = [
    "deviceId",
    "subType",
    "tags",
    "supportedFirmwareTypes",
    "certificate",
    "onboardingToken",
];

/// Reads an OnboardDevices CSV file. A first row with a `deviceId` column is a header row
/// (its columns in any order, `onboardingToken` allowed); otherwise every row has the five
/// default columns. Tags and firmware types are `|`-separated. The `certificate` column holds
/// a certificate or a public key (PEM); a row has it or an `onboardingToken`, not both.
///
/// # Errors
/// [`Error::InvalidInput`] for the first bad row, its `field` naming the line and the column
/// (`line 3, column 3 (tags)`), its reason the rule; also for a file that is not CSV or
/// not UTF-8, an unknown or repeated header column, and a row with too many or too few
/// fields.
pub fn read_onboarding_csv(reader: impl Read) -> Result<Vec<OnboardingRow>, Error> {
    let mut records = records(reader);
    let mut rows = Vec::new();
    let mut columns: Option<Vec<&'static str>> = None;
    let mut first = true;
    for record in &mut records {
        let record = record.map_err(|e| csv_error(OPERATION, e))?;
        let line = line_of(&record);
        if first {
            first = false;
            if record.iter().any(|f| f.trim() == "deviceId") {
                columns = Some(header(&record, line)?);
                continue;
            }
        }
        let names: &[&'static str] = columns.as_deref().unwrap_or(&DEFAULT_ONBOARDING_COLUMNS);
        if record.len() != names.len() {
            return Err(at(
                OPERATION,
                line,
                None,
                format!(
                    "{} fields where {} columns are expected ({})",
                    record.len(),
                    names.len(),
                    names.join(",")
                ),
            ));
        }
        rows.push(onboarding_row(&record, names, line)?);
    }
    Ok(rows)
}

/// Reads a RegisterPublicKeys CSV file: `deviceId,"PEM public key"` rows, no header.
///
/// # Errors
/// [`Error::InvalidInput`] naming the line and the column of the first bad row (a device id
/// outside the pattern, a PEM that is not a public key, a wrong number of fields).
pub fn read_public_keys_csv(reader: impl Read) -> Result<Vec<(String, String)>, Error> {
    read_key_rows(reader, "RegisterPublicKeys", "keyPem", "PUBLIC KEY")
}

/// Reads a RegisterCertificates CSV file: `deviceId,"PEM certificate"` rows, no header.
///
/// # Errors
/// [`Error::InvalidInput`] naming the line and the column of the first bad row.
pub fn read_certificates_csv(reader: impl Read) -> Result<Vec<(String, String)>, Error> {
    read_key_rows(reader, "RegisterCertificates", "certPem", "CERTIFICATE")
}

const OPERATION: &str = "OnboardDevices";

fn read_key_rows(
    reader: impl Read,
    operation: &'static str,
    column: &'static str,
    label: &str,
) -> Result<Vec<(String, String)>, Error> {
    let mut rows = Vec::new();
    for record in records(reader) {
        let record = record.map_err(|e| csv_error(operation, e))?;
        let line = line_of(&record);
        if record.len() != 2 {
            return Err(at(
                operation,
                line,
                None,
                format!(
                    "{} fields where 2 are expected (deviceId,{column})",
                    record.len()
                ),
            ));
        }
        let id = record[0].trim();
        check_device_id(id).map_err(|e| at(operation, line, Some((1, "deviceId")), e.reason))?;
        check_pem(column, &record[1], label)
            .map_err(|e| at(operation, line, Some((2, column)), e.reason))?;
        rows.push((id.to_owned(), record[1].to_owned()));
    }
    Ok(rows)
}

fn records(reader: impl Read) -> csv::StringRecordsIntoIter<impl Read> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader)
        .into_records()
}

fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

/// The columns a header row names, each known and named once.
fn header(record: &csv::StringRecord, line: u64) -> Result<Vec<&'static str>, Error> {
    let mut columns = Vec::new();
    for (i, name) in record.iter().enumerate() {
        let name = name.trim();
        let known = ONBOARDING_COLUMNS
            .iter()
            .find(|c| **c == name)
            .ok_or_else(|| {
                at(
                    OPERATION,
                    line,
                    Some((i + 1, name)),
                    format!(
                        "unknown column; the columns are {}",
                        ONBOARDING_COLUMNS.join(", ")
                    ),
                )
            })?;
        if columns.contains(known) {
            return Err(at(
                OPERATION,
                line,
                Some((i + 1, name)),
                "column named twice",
            ));
        }
        columns.push(*known);
    }
    Ok(columns)
}

fn onboarding_row(
    record: &csv::StringRecord,
    names: &[&'static str],
    line: u64,
) -> Result<OnboardingRow, Error> {
    let field = |name: &str| -> Option<&str> {
        names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| record.get(i))
            .filter(|v| !v.trim().is_empty())
    };
    let column = |name: &'static str| {
        (
            names.iter().position(|n| *n == name).map_or(0, |i| i + 1),
            name,
        )
    };
    let list = |name: &str| -> Vec<String> {
        field(name)
            .map(|v| v.split('|').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default()
    };
    let credential = match (field("certificate"), field("onboardingToken")) {
        (Some(_), Some(_)) => {
            return Err(at(
                OPERATION,
                line,
                Some(column("onboardingToken")),
                "a row has a certificate or an onboarding token, not both",
            ));
        }
        (Some(pem), None) if pem.contains("BEGIN PUBLIC KEY") => {
            DeviceCredential::PublicKey(pem.to_owned())
        }
        (Some(pem), None) => DeviceCredential::Certificate(pem.to_owned()),
        (None, Some(token)) => DeviceCredential::OnboardingToken(token.trim().to_owned()),
        (None, None) => {
            return Err(at(
                OPERATION,
                line,
                Some(column("certificate")),
                "a row needs a certificate (or public key) or, with a header row, an onboardingToken",
            ));
        }
    };
    let row = OnboardingRow {
        device_id: field("deviceId").unwrap_or_default().trim().to_owned(),
        sub_type: field("subType").map(|s| s.trim().to_owned()),
        tags: list("tags"),
        firmware_types: list("supportedFirmwareTypes"),
        credential,
    };
    row.validate().map_err(|FieldError { field, reason }| {
        // `tags[1]` is the `tags` column; `certificate` also holds public keys.
        let base = field.split('[').next().unwrap_or(&field);
        let name = ONBOARDING_COLUMNS
            .iter()
            .find(|c| **c == base)
            .copied()
            .unwrap_or("certificate");
        let reason = if base == field {
            reason
        } else {
            format!("{field}: {reason}")
        };
        at(OPERATION, line, Some(column(name)), reason)
    })?;
    Ok(row)
}

/// An error at `line` (and a 1-based column with its name).
fn at(
    operation: &'static str,
    line: u64,
    column: Option<(usize, &str)>,
    reason: impl Into<String>,
) -> Error {
    let field = match column {
        Some((n, name)) => format!("line {line}, column {n} ({name})"),
        None => format!("line {line}"),
    };
    Error::invalid(Some(operation), field, reason)
}

fn csv_error(operation: &'static str, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
        _ => e.to_string(),
    };
    at(operation, line, None, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str =
        "-----BEGIN CERTIFICATE-----\nMIIB7DCCAZMCFDabc\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n-----END PUBLIC KEY-----\n";

    fn field_and_reason(e: Error) -> (String, String) {
        match e {
            Error::InvalidInput { field, reason, .. } => (field, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_documentations_forms_read() {
        // A header with every column, a certificate row and a token row.
        let text = format!(
            "deviceId,subType,tags,supportedFirmwareTypes,certificate,onboardingToken\n\
             f69c0e45-7f04-4949-8def-bb2215b4223e,my-thing-type,tag1|tag2,APP|MODEM,\"{CERT}\",\n\
             a1b2c3d4-5e6f-7890-abcd-ef1234567890,my-thing-type,tag1|tag2,APP|MODEM,,eyJhbGciOi.x.y\n"
        );
        let rows = read_onboarding_csv(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].sub_type.as_deref(), Some("my-thing-type"));
        assert_eq!(rows[0].tags, ["tag1", "tag2"]);
        assert_eq!(rows[0].firmware_types, ["APP", "MODEM"]);
        assert_eq!(
            rows[0].credential,
            DeviceCredential::Certificate(CERT.into())
        );
        assert_eq!(
            rows[1].credential,
            DeviceCredential::OnboardingToken("eyJhbGciOi.x.y".into())
        );
        // Fewer columns, in another order, and a public key.
        let text =
            format!("supportedFirmwareTypes,deviceId,certificate\nAPP|MODEM,dev-1,\"{KEY}\"\n");
        let rows = read_onboarding_csv(text.as_bytes()).unwrap();
        assert_eq!(rows[0].device_id, "dev-1");
        assert_eq!(rows[0].credential, DeviceCredential::PublicKey(KEY.into()));
        assert!(rows[0].tags.is_empty() && rows[0].sub_type.is_none());
        // No header: the strict default order.
        let text = format!("f69c0e45-7f04-4949-8def-bb2215b4223e,,tag1|tag2,,\"{CERT}\"\n");
        let rows = read_onboarding_csv(text.as_bytes()).unwrap();
        assert_eq!((rows[0].tags.len(), rows[0].sub_type.is_none()), (2, true));
    }

    #[test]
    fn bad_rows_name_their_line_and_column() {
        let cases = [
            (
                format!("dev-1,,bad tag,,\"{CERT}\"\n"),
                "line 1, column 3 (tags)",
                "tags[0]",
            ),
            (
                format!("deviceId,certificate\ndev-1,\"{CERT}\"\ndev 2,\"{CERT}\"\n"),
                "line 6, column 1 (deviceId)",
                "' ' is not allowed",
            ),
            (
                format!("dev-1,,,APP|FLASH,\"{CERT}\"\n"),
                "line 1, column 4 (supportedFirmwareTypes)",
                "FLASH",
            ),
            (
                "dev-1,,,,not a pem\n".to_string(),
                "line 1, column 5 (certificate)",
                "",
            ),
            ("dev-1,,,\n".to_string(), "line 1", "4 fields where 5"),
            (
                "deviceId,colour\ndev-1,red\n".to_string(),
                "line 1, column 2 (colour)",
                "unknown column",
            ),
            (
                "deviceId,certificate,onboardingToken\ndev-1,,\n".to_string(),
                "line 2, column 2 (certificate)",
                "needs a certificate",
            ),
            (
                format!("deviceId,certificate,onboardingToken\ndev-1,\"{CERT}\",tok\n"),
                "column 3 (onboardingToken)",
                "not both",
            ),
        ];
        for (text, field, reason) in cases {
            let (f, r) = field_and_reason(read_onboarding_csv(text.as_bytes()).unwrap_err());
            assert!(f.contains(field), "{text:?}: {f} / {r}");
            assert!(r.contains(reason), "{text:?}: {f} / {r}");
        }
        let (f, r) = field_and_reason(read_onboarding_csv(&b"dev-1,,,,\xff\n"[..]).unwrap_err());
        assert_eq!((f.as_str(), r.as_str()), ("line 1", "not UTF-8 text"));
    }

    #[test]
    fn key_and_certificate_files_read_and_refuse_the_other_kind() {
        let keys = format!("dev-1,\"{KEY}\"\ndev-2,\"{KEY}\"\n");
        let rows = read_public_keys_csv(keys.as_bytes()).unwrap();
        assert_eq!(
            rows,
            [("dev-1".into(), KEY.into()), ("dev-2".into(), KEY.into())]
        );
        let certs = format!("dev-1,\"{CERT}\"\n");
        assert_eq!(read_certificates_csv(certs.as_bytes()).unwrap().len(), 1);
        let (f, _) = field_and_reason(read_public_keys_csv(certs.as_bytes()).unwrap_err());
        assert_eq!(f, "line 1, column 2 (keyPem)");
        let (f, r) = field_and_reason(read_certificates_csv(&b"dev-1\n"[..]).unwrap_err());
        assert_eq!(f, "line 1");
        assert!(r.contains("1 fields where 2"), "{r}");
        let (f, _) = field_and_reason(
            read_certificates_csv(format!("bad id,\"{CERT}\"\n").as_bytes()).unwrap_err(),
        );
        assert_eq!(f, "line 1, column 1 (deviceId)");
    }
}
