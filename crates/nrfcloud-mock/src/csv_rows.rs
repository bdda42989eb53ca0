//! The CSV bodies of OnboardDevices, RegisterPublicKeys and RegisterCertificates: header rows
//! (or the default column order), quoted PEM with line breaks, pipe-separated tags and firmware
//! types, and the documentation's validation patterns. Problems with the request as a whole are
//! errors; problems with single rows are collected per row.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

/// At most this many rows per request.
pub(crate) const MAX_ROWS: usize = 1000;

static DEVICE_ID: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^[a-z0-9:_-]{1,128}$"));
static TAG: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-zA-Z0-9_.@:#-]+$"));
static FIRMWARE_TYPE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(APP|MODEM|BOOT|SOFTDEVICE|BOOTLOADER|MDM_FULL)$"));
static CERTIFICATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^-{5}BEGIN CERTIFICATE-{5}(\r\n|\r|\n)([^-]+)(\r\n|\r|\n)-{5}END CERTIFICATE-{5}(\r\n|\r|\n)$",
    )
});
static PUBLIC_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^-{5}BEGIN PUBLIC KEY-{5}(\r\n|\r|\n)([^-]+)(\r\n|\r|\n)-{5}END PUBLIC KEY-{5}(\r\n|\r|\n)$",
    )
});

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file (not request data); the unit tests compile them.
    Regex::new(pattern).expect("constant pattern compiles")
}

/// Which bulk endpoint a CSV was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BulkEndpoint {
    OnboardDevices,
    RegisterPublicKeys,
    RegisterCertificates,
}

impl BulkEndpoint {
    /// The `endpoint` value of the bulk-ops request.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::OnboardDevices => "ONBOARD_DEVICES",
            Self::RegisterPublicKeys => "REGISTER_PUBLIC_KEYS",
            Self::RegisterCertificates => "REGISTER_CERTIFICATES",
        }
    }
}

/// One valid row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    /// 1-based index among the data rows (a header row is not counted).
    pub(crate) row: usize,
    pub(crate) device_id: String,
    pub(crate) sub_type: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) supports: Vec<String>,
    pub(crate) pem: Option<String>,
    pub(crate) onboarding_token: Option<String>,
}

/// One rejected row.
#[derive(Debug, Clone)]
pub(crate) struct RowError {
    /// 1-based index among the data rows.
    pub(crate) row: usize,
    pub(crate) message: String,
}

/// The rows of a request: the valid ones and the rejected ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedCsv {
    pub(crate) rows: Vec<Row>,
    pub(crate) errors: Vec<RowError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    DeviceId,
    SubType,
    Tags,
    FirmwareTypes,
    Certificate,
    OnboardingToken,
}

const DEFAULT_ORDER: [Column; 5] = [
    Column::DeviceId,
    Column::SubType,
    Column::Tags,
    Column::FirmwareTypes,
    Column::Certificate,
];

fn column(name: &str) -> Option<Column> {
    match name.trim() {
        "deviceId" => Some(Column::DeviceId),
        "subType" => Some(Column::SubType),
        "tags" => Some(Column::Tags),
        "supportedFirmwareTypes" => Some(Column::FirmwareTypes),
        "certificate" => Some(Column::Certificate),
        "onboardingToken" => Some(Column::OnboardingToken),
        _ => None,
    }
}

/// Parses and validates a CSV body. `Err` is a problem with the whole request (422).
pub(crate) fn parse(endpoint: BulkEndpoint, text: &str) -> Result<ParsedCsv, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| format!("the CSV cannot be read at record {}: {e}", i + 1))?;
        let fields: Vec<String> = record.iter().map(str::to_owned).collect();
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        records.push(fields);
    }
    if records.is_empty() {
        return Err("the CSV has no rows".into());
    }
    let looks_like_header = records[0]
        .iter()
        .any(|f| f.trim().eq_ignore_ascii_case("deviceId"));
    let (columns, data, strict_default) = match endpoint {
        BulkEndpoint::OnboardDevices if looks_like_header => {
            let header = records.remove(0);
            let mut columns = Vec::new();
            for name in &header {
                let c = column(name).ok_or_else(|| {
                    format!(
                        "unknown column '{}' in the header row (allowed: deviceId, subType, tags, supportedFirmwareTypes, certificate, onboardingToken)",
                        name.trim()
                    )
                })?;
                if columns.contains(&c) {
                    return Err(format!(
                        "column '{}' appears twice in the header row",
                        name.trim()
                    ));
                }
                columns.push(c);
            }
            if !columns.contains(&Column::DeviceId) {
                return Err("the header row has no deviceId column".into());
            }
            (columns, records, false)
        }
        BulkEndpoint::OnboardDevices => (DEFAULT_ORDER.to_vec(), records, true),
        _ if looks_like_header => {
            return Err("this endpoint takes no header row: each row is deviceId,\"PEM\"".into());
        }
        _ => (vec![Column::DeviceId, Column::Certificate], records, true),
    };
    if data.len() > MAX_ROWS {
        return Err(format!(
            "the CSV has {} rows; at most {MAX_ROWS} are allowed per request",
            data.len()
        ));
    }
    let mut parsed = ParsedCsv::default();
    let mut seen = HashSet::new();
    for (i, fields) in data.into_iter().enumerate() {
        let row_number = i + 1;
        match parse_row(endpoint, &columns, strict_default, fields, row_number) {
            Ok(row) => {
                if seen.insert(row.device_id.to_lowercase()) {
                    parsed.rows.push(row);
                } else {
                    parsed.errors.push(RowError {
                        row: row_number,
                        message: "the deviceId appears more than once in this CSV".into(),
                    });
                }
            }
            Err(e) => parsed.errors.push(e),
        }
    }
    Ok(parsed)
}

fn parse_row(
    endpoint: BulkEndpoint,
    columns: &[Column],
    strict_default: bool,
    mut fields: Vec<String>,
    row: usize,
) -> Result<Row, RowError> {
    let fail = |message: String| RowError { row, message };
    if fields.len() == columns.len() + 1 && fields.last().is_some_and(|f| f.is_empty()) {
        fields.pop();
    }
    if fields.len() != columns.len() {
        let names = if strict_default && columns.len() == DEFAULT_ORDER.len() {
            " (deviceId,subType,tags,supportedFirmwareTypes,certificate)"
        } else if strict_default {
            " (deviceId,\"PEM\")"
        } else {
            ""
        };
        return Err(fail(format!(
            "expected {} columns{names}, found {}",
            columns.len(),
            fields.len()
        )));
    }
    let mut out = Row {
        row,
        ..Row::default()
    };
    for (column, value) in columns.iter().zip(fields) {
        match column {
            Column::DeviceId => {
                let id = value.trim().to_owned();
                if !DEVICE_ID.is_match(&id) {
                    return Err(fail(format!(
                        "deviceId '{id}' does not match /^[a-z0-9:_-]{{1,128}}$/i"
                    )));
                }
                out.device_id = id;
            }
            Column::SubType => {
                let v = value.trim();
                if v.chars().count() > 799 {
                    return Err(fail("subType is longer than 799 characters".into()));
                }
                out.sub_type = (!v.is_empty()).then(|| v.to_owned());
            }
            Column::Tags => {
                for tag in value.split('|').map(str::trim).filter(|t| !t.is_empty()) {
                    if !TAG.is_match(tag) {
                        return Err(fail(format!(
                            "tag '{tag}' does not match /^[a-zA-Z0-9_.@:#-]+$/"
                        )));
                    }
                    out.tags.push(tag.to_owned());
                }
            }
            Column::FirmwareTypes => {
                for t in value.split('|').map(str::trim).filter(|t| !t.is_empty()) {
                    if !FIRMWARE_TYPE.is_match(t) {
                        return Err(fail(format!(
                            "firmware type '{t}' is not one of APP, MODEM, BOOT, SOFTDEVICE, BOOTLOADER, MDM_FULL"
                        )));
                    }
                    out.supports.push(t.to_owned());
                }
            }
            Column::Certificate => {
                if !value.trim().is_empty() {
                    out.pem = Some(value);
                }
            }
            Column::OnboardingToken => {
                let v = value.trim();
                out.onboarding_token = (!v.is_empty()).then(|| v.to_owned());
            }
        }
    }
    match (endpoint, &out.pem, &out.onboarding_token) {
        (BulkEndpoint::OnboardDevices, Some(_), Some(_)) => {
            return Err(fail(
                "give either a certificate or an onboardingToken, not both".into(),
            ));
        }
        (BulkEndpoint::OnboardDevices, None, None) => {
            return Err(fail(
                "a certificate (or, with a header row, an onboardingToken) is required".into(),
            ));
        }
        (BulkEndpoint::OnboardDevices, _, _) => {}
        (_, None, _) => return Err(fail("the PEM column is empty".into())),
        _ => {}
    }
    if let Some(pem) = &out.pem {
        let ok = match endpoint {
            BulkEndpoint::OnboardDevices => CERTIFICATE.is_match(pem) || PUBLIC_KEY.is_match(pem),
            BulkEndpoint::RegisterCertificates => CERTIFICATE.is_match(pem),
            BulkEndpoint::RegisterPublicKeys => PUBLIC_KEY.is_match(pem),
        };
        if !ok {
            let what = match endpoint {
                BulkEndpoint::OnboardDevices => "a PEM certificate or public key",
                BulkEndpoint::RegisterCertificates => "a PEM certificate",
                BulkEndpoint::RegisterPublicKeys => "a PEM public key",
            };
            return Err(fail(format!(
                "expected {what} with BEGIN/END lines and a final line break, quoted"
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB7DCCAZMCFD\nAv3CVgjzn5BLS03X7lyf4w==\n-----END CERTIFICATE-----\n";

    #[test]
    fn header_row_any_order_and_tokens() {
        let csv = format!(
            "tags,deviceId,certificate,onboardingToken\nt1|t2,dev-1,\"{CERT}\",\nt3,dev-2,,tok\n"
        );
        let parsed = parse(BulkEndpoint::OnboardDevices, &csv).expect("parses");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].tags, vec!["t1", "t2"]);
        assert_eq!(parsed.rows[1].onboarding_token.as_deref(), Some("tok"));
    }

    #[test]
    fn default_order_and_bad_rows() {
        let csv = format!(
            "dev-1,,tag1|tag2,APP|MODEM,\"{CERT}\"\nbad id!,,,,\"{CERT}\"\ndev-3,,,NOPE,\"{CERT}\"\ndev-1,,,,\"{CERT}\"\ndev-5,,,,\"-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\"\n"
        );
        let parsed = parse(BulkEndpoint::OnboardDevices, &csv).expect("parses");
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].supports, vec!["APP", "MODEM"]);
        let rows: Vec<usize> = parsed.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![2, 3, 4, 5]);
    }

    #[test]
    fn whole_request_errors() {
        assert!(parse(BulkEndpoint::OnboardDevices, "").is_err());
        assert!(parse(BulkEndpoint::OnboardDevices, "deviceId,colour\nx,red\n").is_err());
        assert!(parse(BulkEndpoint::RegisterPublicKeys, "deviceId,keyPem\n").is_err());
        let many: String = (0..=MAX_ROWS)
            .map(|i| format!("d{i},\"{CERT}\"\n"))
            .collect();
        assert!(parse(BulkEndpoint::RegisterCertificates, &many).is_err());
    }

    #[test]
    fn public_keys_need_public_key_pems() {
        let csv = format!("dev-1,\"{CERT}\"\n");
        let parsed = parse(BulkEndpoint::RegisterPublicKeys, &csv).expect("parses");
        assert_eq!(parsed.errors.len(), 1);
    }
}
