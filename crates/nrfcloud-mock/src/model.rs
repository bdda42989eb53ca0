//! The records the mock keeps (devices, messages, alerts, firmware bundles, location fixes,
//! team devices, service keys) and how each is shown in API responses.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use p256::ecdsa::VerifyingKey;
use serde_json::{Map, Value, json};

use crate::ids::iso;
use crate::shadow::Shadow;

/// A device of the team.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) sub_type: String,
    pub(crate) tags: Vec<String>,
    pub(crate) supports: Vec<String>,
    /// Extra `firmware` fields (app name and version, modem, boot).
    pub(crate) firmware: Map<String, Value>,
    pub(crate) image: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) shadow: Shadow,
    /// The key that device JWTs must be signed with (from a certificate or a public key).
    pub(crate) public_key: Option<VerifyingKey>,
    /// A device seeded at start: with no `public_key`, its JWT key is derived from the team
    /// and device ids when first needed (deriving 100,000 keys up front took most of the
    /// start-up time).
    pub(crate) derived_key: bool,
    pub(crate) certificate: Option<String>,
    pub(crate) onboarding_token: Option<String>,
    /// Added with AssociateDevice (and so removable with DissociateDevice).
    pub(crate) associated: bool,
}

impl Device {
    /// A new Generic device with default name (its id) and an empty shadow.
    pub(crate) fn new(id: &str, now: DateTime<Utc>) -> Self {
        Self {
            id: id.to_owned(),
            name: id.to_owned(),
            sub_type: "unknown".to_owned(),
            tags: Vec::new(),
            supports: Vec::new(),
            firmware: Map::new(),
            image: None,
            created_at: now,
            updated_at: now,
            shadow: Shadow::new(),
            public_key: None,
            derived_key: false,
            certificate: None,
            onboarding_token: None,
            associated: false,
        }
    }

    /// The device as FetchDevice / ListDevices show it.
    pub(crate) fn to_json(
        &self,
        tenant_id: &str,
        include_state: bool,
        include_state_meta: bool,
    ) -> Value {
        let mut firmware = self.firmware.clone();
        firmware.insert("supports".into(), json!(self.supports));
        let mut out = json!({
            "id": self.id,
            "name": self.name,
            "type": "Generic",
            "subType": self.sub_type,
            "tags": self.tags,
            "tenantId": tenant_id,
            "firmware": firmware,
            "$meta": {
                "createdAt": iso(self.created_at),
                "updatedAt": iso(self.updated_at),
                "version": self.shadow.version,
            },
        });
        if let Some(image) = &self.image {
            out["image"] = json!(image);
        }
        if include_state {
            out["state"] = self.shadow.to_json(include_state_meta);
        }
        out
    }

    /// Whether the device's name contains `needle`, ignoring case.
    pub(crate) fn name_matches(&self, needle: &str) -> bool {
        self.name.to_lowercase().contains(&needle.to_lowercase())
    }
}

/// A stored device message.
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub(crate) device_id: String,
    pub(crate) topic: String,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) message: Value,
}

impl StoredMessage {
    /// The `appId` property of the message body, if any.
    pub(crate) fn app_id(&self) -> Option<&str> {
        self.message.get("appId").and_then(Value::as_str)
    }

    /// Binary log payloads are base64 strings sent on a `…/d2c/bin` topic.
    pub(crate) fn is_binary_log(&self) -> bool {
        self.message.is_string() || self.topic.ends_with("/bin")
    }

    /// The message as ListMessages shows it.
    pub(crate) fn to_json(&self, tenant_id: &str) -> Value {
        let message = match &self.message {
            Value::Object(_) => self.message.clone(),
            other => json!({ "data": other }),
        };
        json!({
            "tenantId": tenant_id,
            "deviceId": self.device_id,
            "topic": self.topic,
            "receivedAt": iso(self.received_at),
            "message": message,
        })
    }
}

/// A device alert.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    pub(crate) id: String,
    pub(crate) device_id: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) archived: bool,
    pub(crate) status_changed_at: DateTime<Utc>,
    pub(crate) status_changed_by: String,
    pub(crate) original_message: Value,
}

impl Alert {
    /// The alert as the Alerts operations show it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "deviceId": self.device_id,
            "createdAt": iso(self.created_at),
            "receivedAt": iso(self.received_at),
            "status": if self.archived { "ARCHIVED" } else { "ACTIVE" },
            "statusChangedAt": iso(self.status_changed_at),
            "statusChangedBy": self.status_changed_by,
            "originalMessage": self.original_message,
        })
    }
}

/// An uploaded firmware bundle.
#[derive(Debug, Clone)]
pub(crate) struct Bundle {
    pub(crate) bundle_id: String,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) version: String,
    pub(crate) fw_type: String,
    pub(crate) filenames: Vec<String>,
    pub(crate) size: u64,
    pub(crate) last_modified: DateTime<Utc>,
    /// Paths (relative to the firmware host) of the files, in manifest order.
    pub(crate) uris: Vec<String>,
}

impl Bundle {
    /// The bundle as ListFirmware shows it.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "bundleId": self.bundle_id,
            "version": self.version,
            "type": self.fw_type,
            "filenames": self.filenames,
            "size": self.size,
            "lastModified": iso(self.last_modified),
        });
        if let Some(name) = &self.name {
            out["name"] = json!(name);
        }
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        out
    }
}

/// One location fix in the history.
#[derive(Debug, Clone)]
pub(crate) struct LocationRecord {
    pub(crate) id: String,
    pub(crate) device_id: String,
    pub(crate) service_type: String,
    pub(crate) inserted_at: DateTime<Utc>,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) uncertainty: f64,
    pub(crate) meta: Value,
}

impl LocationRecord {
    /// The record as GetLocationHistory shows it (coordinates as strings, like the service).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "deviceId": self.device_id,
            "serviceType": self.service_type,
            "insertedAt": iso(self.inserted_at),
            "lat": format!("{}", self.lat),
            "lon": format!("{}", self.lon),
            "uncertainty": format!("{}", self.uncertainty),
            "meta": self.meta,
        })
    }
}

/// An MQTT team device and its current credentials.
#[derive(Debug, Clone)]
pub(crate) struct TeamDevice {
    pub(crate) client_cert: String,
    pub(crate) private_key: String,
}

/// The team's service key (its public half) and the token issued with it.
#[derive(Debug, Clone)]
pub(crate) struct ServiceKey {
    pub(crate) public_key: VerifyingKey,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) token: String,
}

/// The team's service evaluation token.
#[derive(Debug, Clone)]
pub(crate) struct EvaluationToken {
    pub(crate) token: String,
    pub(crate) expires: DateTime<Utc>,
}

/// A file served by the mock itself (no credentials needed): bulk-ops uploads and error
/// summaries, firmware images, P-GPS predictions, binary-log archives, device images.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

/// A Wi-Fi anchor: an access point with a known position.
#[derive(Debug, Clone)]
pub(crate) struct Anchor {
    pub(crate) mac_address: String,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) name: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl Anchor {
    /// The anchor as FetchAnchor / ListAnchors show it.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "macAddress": self.mac_address,
            "lat": self.lat,
            "lon": self.lon,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        });
        if let Some(name) = &self.name {
            out["name"] = json!(name);
        }
        out
    }
}

/// A location contribution (observations plus the position they were made at).
#[derive(Debug, Clone)]
pub(crate) struct Contribution {
    pub(crate) id: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) body: Value,
}

impl Contribution {
    /// The contribution as GetContributions shows it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": iso(self.created_at),
            "device": self.body.get("device").cloned().unwrap_or_else(|| json!({})),
            "contributions": self.body.get("contributions").cloned().unwrap_or_else(|| json!([])),
            "position": self.body.get("position").cloned().unwrap_or_else(|| json!({})),
        })
    }
}
