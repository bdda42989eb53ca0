//! FOTA jobs (create, list, fetch, apply, cancel, delete) and their executions (list per job
//! or per device, the current pending one, fetch, and status updates from devices).

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{accepted, json_body, ok};
use crate::app::App;
use crate::errors::{ApiError, ApiResult, json_response};
use crate::fota_engine::{Execution, Job};
use crate::gate::Ctx;
use crate::ids;
use crate::pagination::{ListKind, PageRequest, envelope};
use crate::state::StateData;

/// Execution statuses that FetchCurrentPendingFOTAJobExecution considers pending.
const PENDING: [&str; 3] = ["QUEUED", "IN_PROGRESS", "DOWNLOADING"];

fn strings(body: &Value, name: &str) -> Vec<String> {
    body.get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// CreateFOTAJob: 201 `{jobId}`; applied at once unless `autoApply` is false.
pub(crate) async fn create_job(State(app): State<App>, body: Bytes) -> ApiResult {
    let request = json_body(&body)?;
    let bundle_id = request
        .get("bundleId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut device_ids = strings(&request, "deviceIds");
    for id in strings(&request, "deviceIdentifiers") {
        if !device_ids.contains(&id) {
            device_ids.push(id);
        }
    }
    let tags = strings(&request, "tags");
    if device_ids.is_empty() && tags.is_empty() {
        return Err(ApiError::validation(
            "Validation failed: a FOTA job needs deviceIds (or deviceIdentifiers) or tags",
        ));
    }
    let auto_apply = match request.get("autoApply") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s != "false",
        _ => true,
    };
    let settings = app.settings().clone();
    let job_id = ids::uuid_v4();
    app.state.with(|d| {
        let bundle = d
            .bundles
            .get(&bundle_id)
            .cloned()
            .or_else(|| {
                super::firmware::modem_bundles()
                    .into_iter()
                    .find(|b| b.bundle_id == bundle_id)
            })
            .ok_or_else(|| ApiError::not_found(format!("Firmware bundle {bundle_id} not found")))?;
        let now = ids::now();
        let job = Job {
            job_id: job_id.clone(),
            name: request
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            description: request
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            bundle_id: bundle.bundle_id.clone(),
            fw_type: bundle.fw_type.clone(),
            version: bundle.version.clone(),
            file_size: bundle.size,
            host: settings.host().to_owned(),
            uris: bundle.uris.clone(),
            target_device_ids: device_ids,
            target_tags: tags,
            status: "CREATED".into(),
            status_detail: "Job created".into(),
            created_at: now,
            last_updated_at: now,
            completed_at: None,
            applied: false,
        };
        d.jobs.push(job);
        if auto_apply {
            apply(d, &job_id)?;
        }
        Ok::<_, ApiError>(())
    })?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "jobId": job_id }),
    ))
}

/// Creates the executions of a CREATED job: its listed devices that exist, and every device
/// carrying one of its tags.
fn apply(d: &mut StateData, job_id: &str) -> Result<(), ApiError> {
    let now = ids::now();
    let job = d
        .jobs
        .iter_mut()
        .find(|j| j.job_id == job_id)
        .ok_or_else(|| ApiError::not_found(format!("FOTA job {job_id} not found")))?;
    if job.applied || job.status != "CREATED" {
        return Err(ApiError::bad_request(format!(
            "FOTA job {job_id} cannot be applied: its status is {}",
            job.status
        )));
    }
    job.applied = true;
    job.status = "QUEUED".into();
    job.status_detail = "Job applied; executions queued".into();
    job.last_updated_at = now;
    let job = job.clone();
    let targets: Vec<String> = d
        .devices
        .values()
        .filter(|dev| {
            job.target_device_ids
                .iter()
                .any(|id| id.eq_ignore_ascii_case(&dev.id))
                || dev.tags.iter().any(|t| job.target_tags.contains(t))
        })
        .map(|dev| dev.id.clone())
        .collect();
    for device_id in targets {
        d.executions.push(Execution::queued(&job, &device_id, now));
    }
    d.refresh_job(job_id, now);
    Ok(())
}

/// ListFOTAJobs, newest first.
pub(crate) async fn list_jobs(State(app): State<App>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::FotaJobs)?;
    let items: Vec<Value> = app
        .state
        .with(|d| d.jobs.iter().rev().map(|j| d.job_json(j)).collect());
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "FOTA jobs")?;
    Ok(ok(&envelope(items, next)))
}

/// FetchFOTAJob.
pub(crate) async fn fetch_job(State(app): State<App>, Path(job_id): Path<String>) -> ApiResult {
    let job = app
        .state
        .with(|d| {
            d.jobs
                .iter()
                .find(|j| j.job_id == job_id)
                .map(|j| d.job_json(j))
        })
        .ok_or_else(|| ApiError::not_found(format!("FOTA job {job_id} not found")))?;
    Ok(ok(&job))
}

/// ApplyFOTAJob (a job created with `autoApply: false`).
pub(crate) async fn apply_job(State(app): State<App>, Path(job_id): Path<String>) -> ApiResult {
    app.state.with(|d| apply(d, &job_id))?;
    Ok(accepted())
}

/// CancelFOTAJob: the job and its unfinished executions become CANCELLED.
pub(crate) async fn cancel_job(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(job_id): Path<String>,
) -> ApiResult {
    let reason = ctx
        .query
        .get("reason")
        .unwrap_or("Cancelled by the user")
        .to_owned();
    app.state.with(|d| {
        let now = ids::now();
        let job = d
            .jobs
            .iter_mut()
            .find(|j| j.job_id == job_id)
            .ok_or_else(|| ApiError::not_found(format!("FOTA job {job_id} not found")))?;
        if job.status == "CANCELLED" || job.completed_at.is_some() {
            return Err(ApiError::bad_request(format!(
                "FOTA job {job_id} cannot be cancelled: its status is {}",
                job.status
            )));
        }
        job.status = "CANCELLED".into();
        job.status_detail = reason.clone();
        job.last_updated_at = now;
        job.completed_at = Some(now);
        for e in d
            .executions
            .iter_mut()
            .filter(|e| e.job_id == job_id && !e.is_terminal())
        {
            e.set_status("CANCELLED", &reason, now);
        }
        Ok(())
    })?;
    Ok(accepted())
}

/// DeleteFOTAJob (its executions stay).
pub(crate) async fn delete_job(State(app): State<App>, Path(job_id): Path<String>) -> ApiResult {
    let removed = app.state.with(|d| {
        let before = d.jobs.len();
        d.jobs.retain(|j| j.job_id != job_id);
        d.jobs.len() != before
    });
    if removed {
        Ok(accepted())
    } else {
        Err(ApiError::not_found(format!("FOTA job {job_id} not found")))
    }
}

/// ListFOTAJobExecutionStatuses.
pub(crate) async fn list_job_execution_statuses(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(job_id): Path<String>,
) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::JobExecutionStatuses)?;
    let status = ctx.query.get("status").map(str::to_owned);
    let items: Vec<Value> = app.state.with(|d| {
        if !d.jobs.iter().any(|j| j.job_id == job_id) {
            return Err(ApiError::not_found(format!("FOTA job {job_id} not found")));
        }
        Ok(d.executions
            .iter()
            .filter(|e| e.job_id == job_id)
            .filter(|e| status.as_deref().is_none_or(|s| e.status == s))
            .map(Execution::state_json)
            .collect())
    })?;
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "job executions")?;
    Ok(ok(&envelope(items, next)))
}

/// ListFOTAJobExecutionsForDevice, newest first.
pub(crate) async fn list_executions_for_device(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(device_id): Path<String>,
) -> ApiResult {
    let page = PageRequest::from_query(&ctx.query, ListKind::DeviceExecutions)?;
    let tenant = app.settings().tenant_id.clone();
    let items: Vec<Value> = app.state.with(|d| {
        if !d.devices.contains_key(&device_id) {
            return Err(ApiError::device_not_found(&device_id));
        }
        Ok(d.executions
            .iter()
            .rev()
            .filter(|e| e.device_id == device_id)
            .map(|e| e.to_json(&tenant))
            .collect())
    })?;
    let (items, next) = page.slice(items);
    app.check_empty(items.is_empty() && page.offset == 0, "job executions")?;
    Ok(ok(&envelope(items, next)))
}

/// FetchCurrentPendingFOTAJobExecution: the oldest pending execution; 404 / 40499 if none.
pub(crate) async fn fetch_current_pending_execution(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    Path(device_id): Path<String>,
) -> ApiResult {
    let firmware_type = ctx.query.get("firmwareType").map(str::to_owned);
    let tenant = app.settings().tenant_id.clone();
    let found = app.state.with(|d| {
        d.executions
            .iter()
            .filter(|e| e.device_id == device_id && PENDING.contains(&e.status.as_str()))
            .filter(|e| {
                firmware_type.as_deref().is_none_or(|t| {
                    e.document.get("firmwareType").and_then(Value::as_str) == Some(t)
                })
            })
            .min_by_key(|e| e.created_at)
            .map(|e| e.to_json(&tenant))
    });
    found
        .map(|e| ok(&e))
        .ok_or_else(|| ApiError::empty(format!("No pending job execution for device {device_id}")))
}

/// FetchFOTAJobExecution.
pub(crate) async fn fetch_execution(
    State(app): State<App>,
    Path((device_id, job_id)): Path<(String, String)>,
) -> ApiResult {
    let tenant = app.settings().tenant_id.clone();
    app.state
        .with(|d| {
            d.executions
                .iter()
                .find(|e| e.device_id == device_id && e.job_id == job_id)
                .map(|e| e.to_json(&tenant))
        })
        .map(|e| ok(&e))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No execution of job {job_id} for device {device_id}"
            ))
        })
}

/// UpdateFOTAJobExecutionStatus: a device reports its progress; the clock stops driving that
/// execution from then on.
pub(crate) async fn update_execution_status(
    State(app): State<App>,
    Path((device_id, job_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let request = json_body(&body)?;
    let status = request
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let details = request
        .get("details")
        .and_then(Value::as_str)
        .unwrap_or("Reported by the device")
        .to_owned();
    app.state.with(|d| {
        let now = ids::now();
        let execution = d
            .executions
            .iter_mut()
            .find(|e| e.device_id == device_id && e.job_id == job_id)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "No execution of job {job_id} for device {device_id}"
                ))
            })?;
        if execution.is_terminal() {
            return Err(ApiError::bad_request(format!(
                "The execution is already in terminal status {}",
                execution.status
            )));
        }
        execution.automatic = false;
        execution.set_status(&status, &details, now);
        d.refresh_job(&job_id, now);
        Ok(())
    })?;
    Ok(accepted())
}
