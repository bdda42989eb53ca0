//! The in-memory state of one mock server behind a single lock, the clock-driven work done
//! whenever the lock is taken (completing bulk-ops requests, advancing FOTA executions), the
//! devices seeded at start, and the read/write helpers tests use through [`MockState`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use p256::ecdsa::VerifyingKey;
use serde_json::{Map, Value, json};

use crate::bulk_ops::BulkOp;
use crate::config::MockConfig;
use crate::fota_engine::{Execution, Job};
use crate::ids::{self, uuid_v4};
use crate::keys::KeyPair;
use crate::limits::{BundleRules, JwtRules};
use crate::model::{
    Alert, Anchor, Bundle, Contribution, Device, EvaluationToken, LocationRecord, ServiceKey,
    StoredFile, StoredMessage, TeamDevice,
};

/// Fixed facts about the team and the pace of asynchronous work.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) api_key: String,
    pub(crate) tenant_id: String,
    pub(crate) team_name: String,
    pub(crate) user_id: String,
    pub(crate) base_url: String,
    /// What a firmware upload may unpack to.
    pub(crate) bundle_limits: BundleRules,
    /// The time rules for JWTs.
    pub(crate) jwt_rules: JwtRules,
    pub(crate) bulk_ops_delay: Duration,
    pub(crate) fota_step: Duration,
    pub(crate) fota_failure_percent: u8,
}

impl Settings {
    /// The `host:port` of this server, used as the host of firmware and P-GPS files.
    pub(crate) fn host(&self) -> &str {
        self.base_url
            .strip_prefix("http://")
            .unwrap_or(&self.base_url)
    }
}

/// Everything the server holds.
#[derive(Debug)]
pub(crate) struct StateData {
    pub(crate) devices: BTreeMap<String, Device>,
    /// Keys registered with RegisterPublicKeys for device ids that were never onboarded: such a
    /// device signs JWTs for location services, but is not listed among the team's devices.
    pub(crate) key_only_devices: BTreeMap<String, VerifyingKey>,
    pub(crate) bulk_ops: BTreeMap<String, BulkOp>,
    pending_bulk: VecDeque<String>,
    pub(crate) messages: Vec<StoredMessage>,
    pub(crate) alerts: Vec<Alert>,
    pub(crate) bundles: BTreeMap<String, Bundle>,
    pub(crate) jobs: Vec<Job>,
    pub(crate) executions: Vec<Execution>,
    pub(crate) locations: Vec<LocationRecord>,
    pub(crate) team_devices: BTreeMap<String, TeamDevice>,
    pub(crate) service_key: Option<ServiceKey>,
    pub(crate) evaluation_token: Option<EvaluationToken>,
    pub(crate) files: HashMap<String, StoredFile>,
    pub(crate) anchors: BTreeMap<String, Anchor>,
    pub(crate) contributions: Vec<Contribution>,
    /// Bluetooth LE characteristic and descriptor values, by `device/characteristic[/descriptor]`.
    pub(crate) ble_values: HashMap<String, Vec<f64>>,
    /// Signs evaluation tokens and the team devices' certificates.
    pub(crate) authority: KeyPair,
}

impl StateData {
    /// Queues a bulk-ops request for completion.
    pub(crate) fn add_bulk_op(&mut self, op: BulkOp) {
        self.pending_bulk.push_back(op.id.clone());
        self.bulk_ops.insert(op.id.clone(), op);
    }

    /// Completes due bulk-ops requests and advances FOTA executions.
    fn tick(&mut self, now: DateTime<Utc>, settings: &Settings) {
        while let Some(id) = self.pending_bulk.front() {
            let Some(op) = self.bulk_ops.get_mut(id) else {
                self.pending_bulk.pop_front();
                continue;
            };
            if op.completes_at > now {
                break;
            }
            op.complete(&mut self.devices, &mut self.key_only_devices, now);
            self.pending_bulk.pop_front();
        }
        let mut touched: Vec<String> = Vec::new();
        for e in self.executions.iter_mut() {
            if e.advance(now, settings.fota_step, settings.fota_failure_percent)
                && !touched.contains(&e.job_id)
            {
                touched.push(e.job_id.clone());
            }
        }
        for job_id in touched {
            self.refresh_job(&job_id, now);
        }
    }

    /// Recomputes the status of one job.
    pub(crate) fn refresh_job(&mut self, job_id: &str, now: DateTime<Utc>) {
        let executions = &self.executions;
        if let Some(job) = self.jobs.iter_mut().find(|j| j.job_id == job_id) {
            job.refresh(executions.iter().filter(|e| e.job_id == job_id), now);
        }
    }

    /// The job as the API shows it.
    pub(crate) fn job_json(&self, job: &Job) -> Value {
        job.to_json(self.executions.iter().filter(|e| e.job_id == job.job_id))
    }

    /// All distinct device tags, sorted.
    pub(crate) fn all_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .devices
            .values()
            .flat_map(|d| d.tags.iter().cloned())
            .collect();
        tags.sort();
        tags.dedup();
        tags
    }
}

/// The state of a running mock server. Get it with `MockServer::state()`; every method takes
/// the lock briefly and never across an `.await`.
pub struct MockState {
    data: Mutex<StateData>,
    pub(crate) settings: Settings,
}

impl std::fmt::Debug for MockState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockState")
            .field("tenant_id", &self.settings.tenant_id)
            .field("base_url", &self.settings.base_url)
            .field("api_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl MockState {
    /// A new state for `config`, seeded with its devices; `base_url` is the server's address.
    pub(crate) fn new(config: &MockConfig, base_url: String) -> Self {
        let settings = Settings {
            api_key: config.api_key.clone(),
            tenant_id: config.tenant_id.clone(),
            team_name: config.team_name.clone(),
            user_id: uuid_v4(),
            base_url,
            bundle_limits: config.bundle_limits,
            jwt_rules: config.jwt_rules,
            bulk_ops_delay: config.bulk_ops_delay,
            fota_step: config.fota_step,
            fota_failure_percent: config.fota_failure_percent,
        };
        let mut data = StateData {
            devices: BTreeMap::new(),
            bulk_ops: BTreeMap::new(),
            pending_bulk: VecDeque::new(),
            messages: Vec::new(),
            alerts: Vec::new(),
            bundles: BTreeMap::new(),
            jobs: Vec::new(),
            executions: Vec::new(),
            locations: Vec::new(),
            team_devices: BTreeMap::new(),
            service_key: None,
            evaluation_token: None,
            files: HashMap::new(),
            anchors: BTreeMap::new(),
            contributions: Vec::new(),
            ble_values: HashMap::new(),
            key_only_devices: BTreeMap::new(),
            authority: KeyPair::generate(),
        };
        seed(
            &mut data,
            &settings,
            config.devices,
            config.seed_progress.as_ref(),
        );
        Self {
            data: Mutex::new(data),
            settings,
        }
    }

    /// Runs `f` with the state locked, after completing the work that is due.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut StateData) -> R) -> R {
        let mut guard: MutexGuard<'_, StateData> =
            self.data.lock().unwrap_or_else(PoisonError::into_inner);
        guard.tick(ids::now(), &self.settings);
        f(&mut guard)
    }

    /// The team id (`team.tenantId`).
    pub fn tenant_id(&self) -> &str {
        &self.settings.tenant_id
    }

    /// The team's API key.
    pub fn api_key(&self) -> &str {
        &self.settings.api_key
    }

    /// How many devices the team has.
    pub fn device_count(&self) -> usize {
        self.with(|d| d.devices.len())
    }

    /// The ids of all devices, sorted.
    pub fn device_ids(&self) -> Vec<String> {
        self.with(|d| d.devices.keys().cloned().collect())
    }

    /// A device as FetchDevice would show it.
    pub fn device(&self, device_id: &str) -> Option<Value> {
        let tenant = self.settings.tenant_id.clone();
        self.with(|d| {
            d.devices
                .get(device_id)
                .map(|dev| dev.to_json(&tenant, true, true))
        })
    }

    /// The key pair of a device the mock created itself (seeded at start or added with
    /// [`MockState::add_device`]): sign device JWTs with it.
    pub fn device_key(&self, device_id: &str) -> Option<KeyPair> {
        let key = derived_key(&self.settings.tenant_id, device_id);
        self.with(|d| {
            d.devices
                .get(device_id)
                .and_then(|dev| match dev.public_key {
                    Some(pk) => Some(pk),
                    None if dev.derived_key => Some(*key.verifying_key()),
                    None => None,
                })
                .filter(|pk| pk == key.verifying_key())
                .map(|_| key.clone())
        })
    }

    /// Adds a device with these tags and a key pair (returned) registered for its JWTs.
    /// Replaces a device with the same id.
    pub fn add_device(&self, device_id: &str, tags: &[&str]) -> KeyPair {
        let key = derived_key(&self.settings.tenant_id, device_id);
        let public = *key.verifying_key();
        self.with(|d| {
            let mut device = Device::new(device_id, ids::now());
            device.tags = tags.iter().map(|t| (*t).to_owned()).collect();
            device.supports = vec!["APP".into(), "MODEM".into(), "BOOT".into()];
            device.public_key = Some(public);
            d.devices.insert(device_id.to_owned(), device);
        });
        key
    }

    /// Registers a PEM public key or certificate for a device's JWTs; `false` if the device is
    /// unknown or the PEM holds no P-256 key.
    pub fn set_device_public_key(&self, device_id: &str, pem: &str) -> bool {
        let Some(key) = crate::keys::public_key_from_pem(pem) else {
            return false;
        };
        self.with(|d| match d.devices.get_mut(device_id) {
            Some(dev) => {
                dev.public_key = Some(key);
                true
            }
            None => false,
        })
    }

    /// How many messages are stored.
    pub fn message_count(&self) -> usize {
        self.with(|d| d.messages.len())
    }

    /// The stored messages of a device, oldest first, as ListMessages shows them.
    pub fn messages(&self, device_id: &str) -> Vec<Value> {
        let tenant = self.settings.tenant_id.clone();
        self.with(|d| {
            d.messages
                .iter()
                .filter(|m| m.device_id == device_id)
                .map(|m| m.to_json(&tenant))
                .collect()
        })
    }

    /// Adds an ACTIVE alert for a device, triggered by `message`; returns its id.
    pub fn add_alert(&self, device_id: &str, message: Value) -> String {
        let id = uuid_v4();
        let user = self.settings.user_id.clone();
        self.with(|d| {
            let now = ids::now();
            d.alerts.push(Alert {
                id: id.clone(),
                device_id: device_id.to_owned(),
                created_at: now,
                received_at: now,
                archived: false,
                status_changed_at: now,
                status_changed_by: user,
                original_message: message,
            });
        });
        id
    }

    /// How many alerts exist (active and archived).
    pub fn alert_count(&self) -> usize {
        self.with(|d| d.alerts.len())
    }

    /// How many bulk-ops requests were accepted.
    pub fn bulk_ops_request_count(&self) -> usize {
        self.with(|d| d.bulk_ops.len())
    }

    /// A FOTA job as FetchFOTAJob shows it.
    pub fn fota_job(&self, job_id: &str) -> Option<Value> {
        self.with(|d| {
            d.jobs
                .iter()
                .find(|j| j.job_id == job_id)
                .map(|j| d.job_json(j))
        })
    }

    /// How many firmware bundles were uploaded.
    pub fn firmware_count(&self) -> usize {
        self.with(|d| d.bundles.len())
    }

    /// How many location fixes the history holds.
    pub fn location_count(&self) -> usize {
        self.with(|d| d.locations.len())
    }
}

/// The key pair the mock derives for a device it creates itself.
pub(crate) fn derived_key(tenant_id: &str, device_id: &str) -> KeyPair {
    KeyPair::from_seed(format!("nrfcloud-mock/{tenant_id}/{device_id}").as_bytes())
}

/// The id of the `index`-th seeded device: `nrf-` and an IMEI-like number.
pub(crate) fn seeded_device_id(index: usize) -> String {
    format!("nrf-{}", 352_656_100_000_000u64 + index as u64)
}

fn seed(
    data: &mut StateData,
    settings: &Settings,
    count: usize,
    progress: Option<&crate::config::SeedProgress>,
) {
    let now = ids::now();
    for i in 0..count {
        let id = seeded_device_id(i);
        let mut device = Device::new(&id, now);
        device.sub_type = "jitp-nordic-hardware".into();
        device.tags = vec![
            if i % 2 == 0 { "even" } else { "odd" }.to_owned(),
            "seeded".into(),
        ];
        device.supports = vec!["APP".into(), "MODEM".into(), "BOOT".into()];
        let mut firmware = Map::new();
        firmware.insert(
            "app".into(),
            json!({"name": "asset_tracker_v2", "version": "1.0.0"}),
        );
        firmware.insert("modem".into(), json!("mfw_nrf91x1_2.0.1"));
        device.firmware = firmware;
        device.derived_key = true;
        device.shadow.update(
            None,
            Some(&json!({
                "connected": true,
                "device": {
                    "deviceInfo": {
                        "imei": id.trim_start_matches("nrf-"),
                        "appName": "asset_tracker_v2",
                        "appVersion": "1.0.0",
                        "modemFirmware": "mfw_nrf91x1_2.0.1",
                        "board": "thingy91x",
                    },
                    "networkInfo": {"mccmnc": "24202", "areaCode": 2305, "cellID": 33703712},
                    "serviceInfo": {"fota_v2": ["APP", "MODEM", "BOOT"]},
                },
            })),
            now.timestamp(),
        );
        data.devices.insert(id.clone(), device);
        if i < 5 {
            seed_history(data, settings, &id, i, now);
        }
        let created = i + 1;
        if let Some(progress) = progress
            && (created % crate::config::SEED_PROGRESS_STEP == 0 || created == count)
        {
            progress(created, count);
        }
    }
}

fn seed_history(data: &mut StateData, settings: &Settings, id: &str, i: usize, now: DateTime<Utc>) {
    for (k, (app_id, value)) in [("TEMP", "23.5"), ("HUMID", "41.0"), ("AIR_PRESS", "101.2")]
        .into_iter()
        .enumerate()
    {
        data.messages.push(StoredMessage {
            device_id: id.to_owned(),
            topic: format!("prod/{}/m/d/{id}/d2c", settings.tenant_id),
            received_at: now - chrono::Duration::minutes(10 - k as i64),
            message: json!({"appId": app_id, "messageType": "DATA", "data": value}),
        });
    }
    data.alerts.push(Alert {
        id: uuid_v4(),
        device_id: id.to_owned(),
        created_at: now - chrono::Duration::minutes(5),
        received_at: now - chrono::Duration::minutes(5),
        archived: i % 2 == 1,
        status_changed_at: now - chrono::Duration::minutes(5),
        status_changed_by: settings.user_id.clone(),
        original_message: json!({"appId": "TEMP", "messageType": "ALERT", "data": "45.0", "alert": "high temperature"}),
    });
    for k in 0..2 {
        data.locations.push(LocationRecord {
            id: uuid_v4(),
            device_id: id.to_owned(),
            service_type: if k == 0 { "MCELL" } else { "GNSS" }.to_owned(),
            inserted_at: now - chrono::Duration::minutes(30 - k * 10),
            lat: 63.4305 + 0.001 * i as f64 + 0.0001 * k as f64,
            lon: 10.3951 + 0.001 * i as f64,
            uncertainty: if k == 0 { 900.0 } else { 12.0 },
            meta: if k == 0 {
                json!({})
            } else {
                json!({"acc": 12.0, "alt": 35.0, "spd": 0.4, "hdg": 90.0})
            },
        });
    }
}
