//! Bulk-ops requests: a CSV accepted with 202 stays IN_PROGRESS for a while, then its valid rows
//! are applied and it ends SUCCEEDED, or FAILED with an error summary listing the bad rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use p256::ecdsa::VerifyingKey;
use serde_json::{Value, json};

use crate::csv_rows::{BulkEndpoint, ParsedCsv, Row, RowError};
use crate::ids::iso;
use crate::keys;
use crate::model::Device;

/// One bulk-ops request.
#[derive(Debug, Clone)]
pub(crate) struct BulkOp {
    pub(crate) id: String,
    pub(crate) endpoint: BulkEndpoint,
    pub(crate) requested_at: DateTime<Utc>,
    pub(crate) completes_at: DateTime<Utc>,
    pub(crate) completed_at: Option<DateTime<Utc>>,
    pub(crate) uploaded: String,
    pending: Vec<Row>,
    pub(crate) errors: Vec<RowError>,
}

impl BulkOp {
    /// A request accepted now, to complete at `completes_at`.
    pub(crate) fn new(
        id: String,
        endpoint: BulkEndpoint,
        uploaded: String,
        parsed: ParsedCsv,
        now: DateTime<Utc>,
        completes_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            endpoint,
            requested_at: now,
            completes_at,
            completed_at: None,
            uploaded,
            pending: parsed.rows,
            errors: parsed.errors,
        }
    }

    /// `IN_PROGRESS`, then `SUCCEEDED` or `FAILED`.
    pub(crate) fn status(&self) -> &'static str {
        match (self.completed_at, self.errors.is_empty()) {
            (None, _) => "IN_PROGRESS",
            (Some(_), true) => "SUCCEEDED",
            (Some(_), false) => "FAILED",
        }
    }

    /// The request as FetchBulkOpsRequest shows it; file URLs point at this mock.
    pub(crate) fn to_json(&self, base_url: &str) -> Value {
        let mut out = json!({
            "bulkOpsRequestId": self.id,
            "endpoint": self.endpoint.name(),
            "requestedAt": iso(self.requested_at),
            "status": self.status(),
            "uploadedDataUrl": format!("{base_url}/files/bulk-ops/{}/upload.csv", self.id),
        });
        if let Some(done) = self.completed_at {
            out["completedAt"] = json!(iso(done));
            if !self.errors.is_empty() {
                out["errorSummaryUrl"] =
                    json!(format!("{base_url}/files/bulk-ops/{}/errors.json", self.id));
            }
        }
        out
    }

    /// The error summary document, in the format Nordic's onboarding tool (nrfcloud-utils)
    /// parses: `{"errors": ["[<0-based data row>]: <message>", …]}`, one entry per rejected
    /// row, in row order. The index counts data rows only (a header row is not counted: a
    /// choice, the documentation does not show the file).
    pub(crate) fn error_summary(&self) -> Value {
        let mut errors: Vec<&RowError> = self.errors.iter().collect();
        errors.sort_by_key(|e| e.row);
        json!({
            "errors": errors
                .iter()
                .map(|e| format!("[{}]: {}", e.row.saturating_sub(1), e.message))
                .collect::<Vec<_>>(),
        })
    }

    /// Applies the valid rows to the team's devices (and the keys of devices that were never
    /// onboarded) and marks the request complete.
    pub(crate) fn complete(
        &mut self,
        devices: &mut BTreeMap<String, Device>,
        key_only: &mut BTreeMap<String, VerifyingKey>,
        now: DateTime<Utc>,
    ) {
        for row in std::mem::take(&mut self.pending) {
            if let Err(message) = apply(self.endpoint, &row, devices, key_only, now) {
                self.errors.push(RowError {
                    row: row.row,
                    message,
                });
            }
        }
        self.completed_at = Some(now);
    }
}

fn apply(
    endpoint: BulkEndpoint,
    row: &Row,
    devices: &mut BTreeMap<String, Device>,
    key_only: &mut BTreeMap<String, VerifyingKey>,
    now: DateTime<Utc>,
) -> Result<(), String> {
    match endpoint {
        BulkEndpoint::OnboardDevices => {
            if devices.contains_key(&row.device_id) {
                return Err(format!("device {} is already onboarded", row.device_id));
            }
            let mut device = Device::new(&row.device_id, now);
            if let Some(sub_type) = &row.sub_type {
                device.sub_type = sub_type.clone();
            }
            device.tags = row.tags.clone();
            device.supports = row.supports.clone();
            if let Some(pem) = &row.pem {
                device.public_key = keys::public_key_from_pem(pem);
                if pem.contains("CERTIFICATE") {
                    device.certificate = Some(pem.clone());
                }
            }
            device.onboarding_token = row.onboarding_token.clone();
            // A key registered before onboarding stays the device's JWT key unless the row
            // brings its own.
            let registered = key_only.remove(&row.device_id);
            if device.public_key.is_none() {
                device.public_key = registered;
            }
            devices.insert(row.device_id.clone(), device);
            Ok(())
        }
        BulkEndpoint::RegisterPublicKeys => {
            let pem = row.pem.as_deref().unwrap_or_default();
            let key = keys::public_key_from_pem(pem)
                .ok_or_else(|| "the public key is not an ES256 (P-256) key".to_owned())?;
            match devices.get_mut(&row.device_id) {
                Some(device) => {
                    device.public_key = Some(key);
                    device.updated_at = now;
                }
                // Nordic's location-services tests register a key for a brand-new device id
                // and expect SUCCEEDED, then call location services with its JWT.
                None => {
                    key_only.insert(row.device_id.clone(), key);
                }
            }
            Ok(())
        }
        BulkEndpoint::RegisterCertificates => {
            let device = devices
                .get_mut(&row.device_id)
                .ok_or_else(|| format!("device {} is not onboarded", row.device_id))?;
            let pem = row.pem.clone().unwrap_or_default();
            if let Some(key) = keys::public_key_from_pem(&pem) {
                device.public_key = Some(key);
            }
            device.certificate = Some(pem);
            device.updated_at = now;
            Ok(())
        }
    }
}
