//! FOTA jobs and their executions: the execution state machine that advances over time
//! (QUEUED → IN_PROGRESS → DOWNLOADING → SUCCEEDED, or FAILED for a deterministic share of
//! devices) and the job status derived from its executions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::ids::{fnv1a, iso};

/// Execution statuses after which nothing changes.
pub(crate) const TERMINAL: [&str; 5] =
    ["SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "REJECTED"];

/// Whether the FOTA executions of `device_id` fail, for a failure share of `failure_percent`
/// (0–100): decided by a hash of the device id alone, so tests can predict it.
pub fn fota_execution_fails(device_id: &str, failure_percent: u8) -> bool {
    fnv1a(device_id.as_bytes()) % 100 < u64::from(failure_percent.min(100))
}

/// A FOTA job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) job_id: String,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) bundle_id: String,
    pub(crate) fw_type: String,
    pub(crate) version: String,
    pub(crate) file_size: u64,
    pub(crate) host: String,
    pub(crate) uris: Vec<String>,
    pub(crate) target_device_ids: Vec<String>,
    pub(crate) target_tags: Vec<String>,
    pub(crate) status: String,
    pub(crate) status_detail: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) last_updated_at: DateTime<Utc>,
    pub(crate) completed_at: Option<DateTime<Utc>>,
    pub(crate) applied: bool,
}

impl Job {
    /// The job document each execution carries.
    pub(crate) fn document(&self) -> Value {
        json!({
            "bundleId": self.bundle_id,
            "fileSize": self.file_size,
            "firmwareType": self.fw_type,
            "host": self.host,
            "path": self.uris.first().cloned().unwrap_or_default(),
            "version": self.version,
        })
    }

    /// The job as FetchFOTAJob / ListFOTAJobs show it.
    pub(crate) fn to_json<'a>(&self, executions: impl Iterator<Item = &'a Execution>) -> Value {
        let mut stats = Stats::default();
        for e in executions {
            stats.count(&e.status);
        }
        let mut out = json!({
            "jobId": self.job_id,
            "name": self.name.clone().unwrap_or_else(|| self.job_id.clone()),
            "status": self.status,
            "statusDetail": self.status_detail,
            "createdAt": iso(self.created_at),
            "lastUpdatedAt": iso(self.last_updated_at),
            "target": { "deviceIds": self.target_device_ids, "tags": self.target_tags },
            "firmware": {
                "bundleId": self.bundle_id,
                "host": self.host,
                "fileSize": self.file_size,
                "firmwareType": self.fw_type,
                "version": self.version,
                "uris": self.uris,
            },
            "executionStats": stats.to_json(),
        });
        if let Some(description) = &self.description {
            out["description"] = json!(description);
        }
        if let Some(done) = self.completed_at {
            out["completedAt"] = json!(iso(done));
        }
        out
    }

    /// Recomputes the status of an applied, not cancelled job from its executions.
    pub(crate) fn refresh<'a>(
        &mut self,
        executions: impl Iterator<Item = &'a Execution>,
        now: DateTime<Utc>,
    ) {
        if !self.applied || self.status == "CANCELLED" || self.completed_at.is_some() {
            return;
        }
        let mut stats = Stats::default();
        for e in executions {
            stats.count(&e.status);
        }
        let (status, detail) = if stats.executions == 0 {
            ("COMPLETED", "No device matched the job's target")
        } else if stats.completed == stats.executions {
            if stats.succeeded == stats.executions {
                ("SUCCEEDED", "All executions succeeded")
            } else if stats.failed == stats.executions {
                ("FAILED", "All executions failed")
            } else {
                ("COMPLETED", "All executions in terminal status")
            }
        } else if stats.queued == stats.executions {
            ("QUEUED", "Job applied; executions queued")
        } else {
            ("IN_PROGRESS", "Job in progress")
        };
        if self.status != status {
            self.status = status.to_owned();
            self.status_detail = detail.to_owned();
            self.last_updated_at = now;
            if stats.completed == stats.executions {
                self.completed_at = Some(now);
            }
        }
    }
}

#[derive(Debug, Default)]
struct Stats {
    executions: u64,
    completed: u64,
    queued: u64,
    in_progress: u64,
    downloading: u64,
    succeeded: u64,
    failed: u64,
    timed_out: u64,
    cancelled: u64,
    rejected: u64,
}

impl Stats {
    fn count(&mut self, status: &str) {
        self.executions += 1;
        if TERMINAL.contains(&status) {
            self.completed += 1;
        }
        match status {
            "QUEUED" => self.queued += 1,
            "IN_PROGRESS" => self.in_progress += 1,
            "DOWNLOADING" => self.downloading += 1,
            "SUCCEEDED" => self.succeeded += 1,
            "FAILED" => self.failed += 1,
            "TIMED_OUT" => self.timed_out += 1,
            "CANCELLED" => self.cancelled += 1,
            "REJECTED" => self.rejected += 1,
            _ => {}
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "completedExecutions": self.completed,
            "executions": self.executions,
            "devices": self.executions,
            "timedOut": self.timed_out,
            "removed": 0,
            "downloading": self.downloading,
            "inProgress": self.in_progress,
            "queued": self.queued,
            "rejected": self.rejected,
            "failed": self.failed,
            "succeeded": self.succeeded,
            "cancelled": self.cancelled,
        })
    }
}

/// One device's execution of a job.
#[derive(Debug, Clone)]
pub(crate) struct Execution {
    pub(crate) execution_id: String,
    pub(crate) job_id: String,
    pub(crate) device_id: String,
    pub(crate) status: String,
    pub(crate) status_detail: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) last_updated_at: DateTime<Utc>,
    last_step_at: DateTime<Utc>,
    /// Advanced by the clock until a device reports its own status.
    pub(crate) automatic: bool,
    pub(crate) document: Value,
}

impl Execution {
    /// A QUEUED execution created now.
    pub(crate) fn queued(job: &Job, device_id: &str, now: DateTime<Utc>) -> Self {
        Self {
            execution_id: crate::ids::uuid_v4(),
            job_id: job.job_id.clone(),
            device_id: device_id.to_owned(),
            status: "QUEUED".into(),
            status_detail: "Queued".into(),
            created_at: now,
            last_updated_at: now,
            last_step_at: now,
            automatic: true,
            document: job.document(),
        }
    }

    /// Whether the execution reached a final status.
    pub(crate) fn is_terminal(&self) -> bool {
        TERMINAL.contains(&self.status.as_str())
    }

    /// Sets a status (as reported by a device or by a cancellation).
    pub(crate) fn set_status(&mut self, status: &str, detail: &str, now: DateTime<Utc>) {
        self.status = status.to_owned();
        self.status_detail = detail.to_owned();
        self.last_updated_at = now;
    }

    /// Moves the execution on by as many steps as have elapsed; `true` if it changed.
    pub(crate) fn advance(
        &mut self,
        now: DateTime<Utc>,
        step: Duration,
        failure_percent: u8,
    ) -> bool {
        if !self.automatic || self.is_terminal() {
            return false;
        }
        let steps = if step.is_zero() {
            3
        } else {
            let elapsed = (now - self.last_step_at).to_std().unwrap_or_default();
            (elapsed.as_nanos() / step.as_nanos().max(1)).min(3) as u32
        };
        if steps == 0 {
            return false;
        }
        for _ in 0..steps {
            let (next, detail) = match self.status.as_str() {
                "QUEUED" => ("IN_PROGRESS", "Device received the job"),
                "IN_PROGRESS" => ("DOWNLOADING", "Downloading the firmware"),
                "DOWNLOADING" if fota_execution_fails(&self.device_id, failure_percent) => {
                    ("FAILED", "Firmware update failed on the device")
                }
                "DOWNLOADING" => ("SUCCEEDED", "Job Completed"),
                _ => break,
            };
            self.status = next.to_owned();
            self.status_detail = detail.to_owned();
            if self.is_terminal() {
                break;
            }
        }
        self.last_step_at = if step.is_zero() {
            now
        } else {
            self.last_step_at + chrono::Duration::from_std(step * steps).unwrap_or_default()
        };
        self.last_updated_at = now;
        true
    }

    /// The execution as FetchFOTAJobExecution shows it.
    pub(crate) fn to_json(&self, tenant_id: &str) -> Value {
        json!({
            "executionId": self.execution_id,
            "jobId": self.job_id,
            "deviceId": self.device_id,
            "status": self.status,
            "statusDetail": self.status_detail,
            "createdAt": iso(self.created_at),
            "lastUpdatedAt": iso(self.last_updated_at),
            "tenantId": tenant_id,
            "jobDocument": self.document,
        })
    }

    /// The short form ListFOTAJobExecutionStatuses shows.
    pub(crate) fn state_json(&self) -> Value {
        json!({
            "deviceId": self.device_id,
            "status": self.status,
            "statusDetail": self.status_detail,
            "lastUpdatedAt": iso(self.last_updated_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        let now = Utc::now();
        Job {
            job_id: "j".into(),
            name: None,
            description: None,
            bundle_id: "APP*12345678*1.0".into(),
            fw_type: "APP".into(),
            version: "1.0".into(),
            file_size: 1,
            host: "h".into(),
            uris: vec!["p".into()],
            target_device_ids: vec![],
            target_tags: vec![],
            status: "CREATED".into(),
            status_detail: String::new(),
            created_at: now,
            last_updated_at: now,
            completed_at: None,
            applied: true,
        }
    }

    #[test]
    fn executions_reach_a_terminal_status() {
        let now = Utc::now();
        let job = job();
        let mut e = Execution::queued(&job, "dev", now);
        let step = Duration::from_millis(10);
        assert!(!e.advance(now, step, 0));
        assert!(e.advance(now + chrono::Duration::milliseconds(10), step, 0));
        assert_eq!(e.status, "IN_PROGRESS");
        e.advance(now + chrono::Duration::milliseconds(100), step, 0);
        assert_eq!(e.status, "SUCCEEDED");
        let mut f = Execution::queued(&job, "dev", now);
        f.advance(now, Duration::ZERO, 100);
        assert_eq!(f.status, "FAILED");
    }

    #[test]
    fn job_status_follows_executions() {
        let now = Utc::now();
        let mut job = job();
        let mut a = Execution::queued(&job, "a", now);
        job.refresh([&a].into_iter(), now);
        assert_eq!(job.status, "QUEUED");
        a.advance(now, Duration::ZERO, 0);
        job.refresh([&a].into_iter(), now);
        assert_eq!(job.status, "SUCCEEDED");
        assert!(job.completed_at.is_some());
    }
}
