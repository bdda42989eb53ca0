//! FOTA jobs: create one for tags or up to 100 devices, apply it, wait for a terminal status
//! (including the statuses the API document's enum lacks, such as `SUCCEEDED`), cancel it,
//! list its executions (one per device) as a stream.
//!
//! `examples/fota.rs` runs the whole flow against an embedded mock
//! (`cargo run -p nrfcloud --example fota`): upload a bundle, create a job for a tag, wait
//! with progress, list the executions. In short:
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client, bundle_id: &str) -> Result<(), nrfcloud::Error> {
//! use nrfcloud::fota::{DEFAULT_WAIT, FotaJob, FotaTarget};
//! let job = FotaJob::new(bundle_id, FotaTarget::Tags(vec!["warehouse-east".into()]));
//! let job_id = client.fota().create(&job).await?;
//! let done = client
//!     .fota()
//!     .wait(&job_id, DEFAULT_WAIT, |state| println!("{}", state.status))
//!     .await?;
//! println!("{job_id}: {}", done.status);
//! # Ok(()) }
//! ```

use std::time::Duration;

use nrfcloud_api::types;

use crate::runtime::{PollOptions, poll_until};
use crate::{Client, Error};

/// The most device ids one job may target.
pub const MAX_JOB_DEVICES: usize = 100;

/// Which devices a job updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FotaTarget {
    /// Devices carrying any of these tags.
    Tags(Vec<String>),
    /// These devices (at most 100).
    Devices(Vec<String>),
}

/// A job to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FotaJob {
    /// The firmware bundle to deploy.
    pub bundle_id: String,
    /// The target devices.
    pub target: FotaTarget,
    /// Optional name (at most 64 characters).
    pub name: Option<String>,
    /// Optional description (at most 1,024 characters).
    pub description: Option<String>,
    /// Start at once (the API's default) or wait for [`FotaHandler::apply`].
    pub auto_apply: bool,
}

impl FotaJob {
    /// A job that deploys `bundle_id` to `target` and starts at once.
    pub fn new(bundle_id: impl Into<String>, target: FotaTarget) -> Self {
        FotaJob {
            bundle_id: bundle_id.into(),
            target,
            name: None,
            description: None,
            auto_apply: true,
        }
    }

    /// The request body: the document's alternative for the target (fixup
    /// `request_alternatives_are_named`), every value checked by its generated type.
    fn body(&self) -> Result<types::CreateFotaJobBody, Error> {
        let bad = |field: &str, reason: &str| Error::invalid(Some(CREATE), field, reason);
        if self.name.as_ref().is_some_and(|n| n.chars().count() > 64) {
            return Err(bad("name", "at most 64 characters"));
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 1024)
        {
            return Err(bad("description", "at most 1024 characters"));
        }
        Ok(match &self.target {
            FotaTarget::Tags(tags) => {
                if tags.is_empty() || tags.len() > 100 {
                    return Err(bad("tags", "1 to 100 tags"));
                }
                types::FotaJobByTags {
                    auto_apply: self.auto_apply,
                    bundle_id: typed("bundleId", &self.bundle_id)?,
                    description: optional("description", self.description.as_deref())?,
                    name: optional("name", self.name.as_deref())?,
                    tags: tags
                        .iter()
                        .map(|t| typed("tags", t))
                        .collect::<Result<_, _>>()?,
                }
                .into()
            }
            FotaTarget::Devices(ids) => {
                if ids.is_empty() || ids.len() > MAX_JOB_DEVICES {
                    return Err(bad("deviceIds", "1 to 100 device ids"));
                }
                types::FotaJobByDeviceIds {
                    auto_apply: self.auto_apply,
                    bundle_id: typed("bundleId", &self.bundle_id)?,
                    description: optional("description", self.description.as_deref())?,
                    name: optional("name", self.name.as_deref())?,
                    device_ids: ids
                        .iter()
                        .map(|id| typed("deviceIds", id))
                        .collect::<Result<_, _>>()?,
                }
                .into()
            }
        })
    }
}

/// The operation [`FotaHandler::create`] sends.
const CREATE: &str = "CreateFOTAJob";

/// `value` as its generated type, or the type's reason as [`Error::InvalidInput`].
fn typed<T>(field: &str, value: &str) -> Result<T, Error>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| Error::invalid(Some(CREATE), field, format!("{value:?}: {e}")))
}

/// [`typed`] for an optional field.
fn optional<T>(field: &str, value: Option<&str>) -> Result<Option<T>, Error>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.map(|v| typed(field, v)).transpose()
}

/// Job statuses after which nothing changes any more.
pub const TERMINAL_STATUSES: [&str; 7] = [
    "COMPLETED",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
    "TIMED_OUT",
    "REJECTED",
    "DELETION_IN_PROGRESS",
];

/// A job's state as seen by a poll.
#[derive(Debug, Clone)]
pub struct JobState {
    /// The status: an open enum whose known values include the statuses the server sends
    /// beyond the document's enum (`SUCCEEDED`, `QUEUED`, …; fixup
    /// `fota_job_statuses_the_server_sends`); an unknown one is kept as its string. Compare
    /// with `state.status == "COMPLETED"`, print with `Display`.
    pub status: types::FotaV2JobEvents,
    /// `executionStats`: counts per execution status, as integers (fixup
    /// `execution_counts_are_integers`).
    pub execution_stats: types::Fotav2JobExecutionStats,
    /// The whole job document.
    pub job: types::Fotav2Job,
}

impl JobState {
    /// Whether the status is terminal (one of [`TERMINAL_STATUSES`]).
    pub fn is_terminal(&self) -> bool {
        is_terminal_status(&self.status)
    }
}

fn is_terminal_status(status: &types::FotaV2JobEvents) -> bool {
    TERMINAL_STATUSES.contains(&status.to_string().as_str())
}

/// How [`FotaHandler::wait`] polls by default: every 5 s, giving up after 1 hour (a FOTA job
/// on real devices takes minutes to hours: devices download the image when they next
/// connect). Tests against the mock want much shorter values, e.g.
/// `PollOptions::every(Duration::from_millis(200), Duration::from_secs(60))`.
pub const DEFAULT_WAIT: PollOptions =
    PollOptions::every(Duration::from_secs(5), Duration::from_secs(3600));

/// FOTA jobs: create, apply, cancel, follow, list executions, from [`Client::fota`].
#[derive(Debug, Clone, Copy)]
pub struct FotaHandler<'a> {
    client: &'a Client,
}

impl Client {
    /// FOTA jobs: create, apply, cancel, follow, list executions.
    pub fn fota(&self) -> FotaHandler<'_> {
        FotaHandler { client: self }
    }
}

impl<'a> FotaHandler<'a> {
    /// Creates a job; returns its id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a job that breaks a rule of the API (no target, more than
    /// 100 devices, an invalid id; nothing is sent); else those of CreateFOTAJob:
    /// [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body.
    pub async fn create(&self, job: &FotaJob) -> Result<String, Error> {
        let body = job.body()?;
        let created = self
            .client
            .api()
            .create_fota_job()
            .body(body)
            .send()
            .await?;
        Ok(created.job_id.to_string())
    }

    /// Starts a job created with `auto_apply: false`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a job id that is not a UUID (nothing is sent); else those of
    /// ApplyFOTAJob: [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body.
    pub async fn apply(&self, job_id: &str) -> Result<(), Error> {
        let id = job_id_of(job_id)?;
        self.client.api().apply_fota_job().job_id(id).send().await
    }

    /// Cancels a job.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a job id that is not a UUID (nothing is sent); else those of
    /// CancelFOTAJob: [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body.
    pub async fn cancel(&self, job_id: &str, reason: Option<&str>) -> Result<(), Error> {
        let id = job_id_of(job_id)?;
        let request = self.client.api().cancel_fota_job().job_id(id);
        match reason {
            Some(r) => request.reason(r).send().await,
            None => request.send().await,
        }
    }

    /// The job's executions, one per device, every page in turn (ListFOTAJobExecutionStatuses
    /// with the largest page; the same stream as
    /// `client.api().list_fota_job_execution_statuses().job_id(id).items()`). Each status is the
    /// open execution-status enum (fixup `execution_states_use_the_execution_status_enum`).
    ///
    /// ```no_run
    /// # async fn f(client: nrfcloud::Client, job_id: &str) -> Result<(), nrfcloud::Error> {
    /// use futures_util::TryStreamExt;
    /// let mut executions = client.fota().executions(job_id);
    /// while let Some(e) = executions.try_next().await? {
    ///     println!("{} {}", e.device_id.as_str(), e.status);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Each item is a `Result`: [`Error::InvalidInput`] (the only item) for a job id that is
    /// not a UUID (nothing is sent); else those of ListFOTAJobExecutionStatuses for the page
    /// that failed: [`Error::Api`], [`Error::Credentials`], [`Error::Timeout`],
    /// [`Error::Transport`], [`Error::Decode`], and [`Error::LimitExceeded`] past the page
    /// stream's bounds.
    pub fn executions(
        &self,
        job_id: &str,
    ) -> futures_util::stream::BoxStream<'a, Result<types::FotaJobExecutionState, Error>> {
        use futures_util::StreamExt;
        let client: &'a Client = self.client;
        match job_id_of(job_id) {
            Ok(id) => client
                .api()
                .list_fota_job_execution_statuses()
                .job_id(id)
                .items(),
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// The job's current state.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a job id that is not a UUID (nothing is sent); else those of
    /// FetchFOTAJob: [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body.
    pub async fn state(&self, job_id: &str) -> Result<JobState, Error> {
        let id = job_id_of(job_id)?;
        let job = self.client.api().fetch_fota_job().job_id(id).send().await?;
        Ok(JobState {
            status: job.status.clone(),
            execution_stats: job.execution_stats.clone(),
            job,
        })
    }

    /// Polls until the job reaches a terminal status, calling `on_progress` with each state.
    ///
    /// # Errors
    ///
    /// As [`FotaHandler::state`] for each poll; [`Error::Timeout`] (operation `FetchFOTAJob`)
    /// when [`PollOptions::timeout`] passes before a terminal status (on the client's
    /// [`time_source`](crate::ClientBuilder::time_source)).
    pub async fn wait(
        &self,
        job_id: &str,
        options: PollOptions,
        on_progress: impl FnMut(&JobState) + Send,
    ) -> Result<JobState, Error> {
        let client = self.client;
        // Each poll's future calls it; they run one after the other.
        let on_progress = std::sync::Mutex::new(on_progress);
        let on_progress = &on_progress;
        poll_until(
            client.time(),
            client.sleeper(),
            &options,
            "FetchFOTAJob",
            || {
                let state = self.state(job_id);
                async move {
                    let state = state.await?;
                    (on_progress
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner))(
                        &state
                    );
                    Ok(state.is_terminal().then_some(state))
                }
            },
        )
        .await
    }
}

fn job_id_of(job_id: &str) -> Result<types::JobId, Error> {
    job_id
        .parse()
        .map_err(|_| Error::invalid(None, "jobId", format!("{job_id:?} is not a job id (UUID)")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_by_tags_and_by_devices() {
        let job = FotaJob::new("APP*1e29dfa3*v1.0.0", FotaTarget::Tags(vec!["east".into()]));
        let v = serde_json::to_value(job.body().unwrap()).unwrap();
        assert_eq!(
            v,
            json!({"bundleId": "APP*1e29dfa3*v1.0.0", "autoApply": true, "tags": ["east"]})
        );
        let job = FotaJob {
            auto_apply: false,
            ..FotaJob::new(
                "APP*1e29dfa3*v1.0.0",
                FotaTarget::Devices(vec!["nrf-1".into()]),
            )
        };
        let v = serde_json::to_value(job.body().unwrap()).unwrap();
        assert_eq!(
            v,
            json!({"bundleId": "APP*1e29dfa3*v1.0.0", "autoApply": false, "deviceIds": ["nrf-1"]})
        );
    }

    #[test]
    fn limits_are_checked_before_sending() {
        let many = FotaTarget::Devices((0..101).map(|i| format!("nrf-{i}")).collect());
        assert!(
            matches!(FotaJob::new("APP*1e29dfa3*v1", many).body(), Err(Error::InvalidInput { field, .. }) if field == "deviceIds")
        );
        assert!(
            FotaJob::new("APP*1e29dfa3*v1", FotaTarget::Tags(vec![]))
                .body()
                .is_err()
        );
        let long = FotaJob {
            name: Some("n".repeat(65)),
            ..FotaJob::new("APP*1e29dfa3*v1", FotaTarget::Tags(vec!["t".into()]))
        };
        assert!(long.body().is_err());
        assert!(job_id_of("not-a-uuid").is_err());
    }

    #[test]
    fn statuses_the_enum_lacks_are_known_and_terminal_too() {
        let s = |status: &str| -> types::FotaV2JobEvents {
            serde_json::from_value(json!(status)).unwrap()
        };
        for known in [
            "SUCCEEDED",
            "QUEUED",
            "TIMED_OUT",
            "DOWNLOADING",
            "COMPLETED",
        ] {
            assert!(
                matches!(s(known), types::FotaV2JobEvents::FotaV2JobEventsKnown(_)),
                "{known}"
            );
            assert!(s(known) == known);
        }
        assert!(matches!(s("NEW_ONE"), types::FotaV2JobEvents::String(_)));
        assert_eq!(
            format!("{:?} {}", s("NEW_ONE"), s("NEW_ONE")),
            "\"NEW_ONE\" NEW_ONE"
        );
        assert!(
            is_terminal_status(&s("SUCCEEDED"))
                && is_terminal_status(&s("COMPLETED"))
                && is_terminal_status(&s("FAILED"))
        );
        assert!(
            !is_terminal_status(&s("IN_PROGRESS"))
                && !is_terminal_status(&s("QUEUED"))
                && !is_terminal_status(&s("CREATED"))
        );
    }
}
