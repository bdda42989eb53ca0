//! `nrfcloud fota create|wait|cancel`: FOTA jobs through `client.fota()`, waits with
//! progress.

use std::time::Duration;

use clap::{Args, Subcommand};
use nrfcloud::fota::{FotaJob, FotaTarget, JobState};
use nrfcloud::runtime::PollOptions;

use crate::Context;
use crate::error::CliError;

/// `nrfcloud fota …`.
#[derive(Debug, Subcommand)]
pub enum FotaCommand {
    /// Create a job for devices with a tag, or for listed devices.
    #[command(
        after_help = "Examples:\n  nrfcloud fota create --tag east --bundle 'APP*1e29dfa3*v1.0.0' --wait\n  \
        nrfcloud fota create --device nrf-352656100000000 --device nrf-352656100000001 --bundle ID"
    )]
    Create(CreateArgs),
    /// Wait until a job reaches a terminal status (exit 1 unless it completed).
    #[command(after_help = "Example:\n  nrfcloud fota wait 3b1a0c4e-…")]
    Wait {
        /// The job id.
        job: String,
        /// How to poll.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Cancel a job.
    #[command(after_help = "Example:\n  nrfcloud fota cancel 3b1a0c4e-… --reason 'wrong bundle'")]
    Cancel {
        /// The job id.
        job: String,
        /// Why (kept with the job).
        #[arg(long)]
        reason: Option<String>,
    },
}

/// `nrfcloud fota create` options.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["tag", "device"]))]
pub struct CreateArgs {
    /// Devices carrying this tag (repeat for more).
    #[arg(long, value_name = "T")]
    pub tag: Vec<String>,
    /// A device (repeat, at most 100).
    #[arg(long, value_name = "D")]
    pub device: Vec<String>,
    /// The firmware bundle id.
    #[arg(long, value_name = "ID")]
    pub bundle: String,
    /// A name for the job.
    #[arg(long)]
    pub name: Option<String>,
    /// Create it without starting it (apply later with `nrfcloud fota-jobs apply`).
    #[arg(long)]
    pub no_apply: bool,
    /// Wait for the job to end.
    #[arg(long)]
    pub wait: bool,
    /// How to poll with --wait.
    #[command(flatten)]
    pub wait_options: WaitArgs,
}

/// Polling options.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Time between polls, in ms.
    #[arg(long, value_name = "MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub poll_ms: u64,
    /// Give up after this many seconds (exit 4).
    #[arg(long, value_name = "S", default_value_t = 3600)]
    pub timeout_s: u64,
}

impl WaitArgs {
    fn options(&self) -> PollOptions {
        PollOptions::every(
            Duration::from_millis(self.poll_ms),
            Duration::from_secs(self.timeout_s),
        )
    }
}

/// Runs a `fota` command.
pub async fn run(ctx: &Context, cmd: &FotaCommand) -> Result<(), CliError> {
    match cmd {
        FotaCommand::Create(args) => {
            let target = if args.tag.is_empty() {
                if args.device.len() > nrfcloud::fota::MAX_JOB_DEVICES {
                    return Err(CliError::usage(format!(
                        "{} devices: a job takes at most {}",
                        args.device.len(),
                        nrfcloud::fota::MAX_JOB_DEVICES
                    )));
                }
                FotaTarget::Devices(args.device.clone())
            } else {
                FotaTarget::Tags(args.tag.clone())
            };
            let mut job = FotaJob::new(args.bundle.clone(), target);
            job.name = args.name.clone();
            job.auto_apply = !args.no_apply;
            let client = ctx.client("CreateFOTAJob", true)?;
            let job_id = client
                .fota()
                .create(&job)
                .await
                .map_err(|e| CliError::from_client("CreateFOTAJob", e))?;
            if !args.wait {
                return ctx.output().value(&serde_json::json!({ "jobId": job_id }));
            }
            if !ctx.global.quiet {
                eprintln!("created job {job_id}");
            }
            wait(ctx, &client, &job_id, &args.wait_options).await
        }
        FotaCommand::Wait { job, wait: w } => {
            let client = ctx.client("FetchFOTAJob", true)?;
            wait(ctx, &client, job, w).await
        }
        FotaCommand::Cancel { job, reason } => {
            let client = ctx.client("CancelFOTAJob", true)?;
            client
                .fota()
                .cancel(job, reason.as_deref())
                .await
                .map_err(|e| CliError::from_client("CancelFOTAJob", e))?;
            ctx.output()
                .value(&serde_json::json!({ "jobId": job, "cancelled": true }))
        }
    }
}

fn stats_line(state: &JobState) -> (u64, u64, String) {
    let stats = serde_json::to_value(&state.execution_stats).unwrap_or_default();
    let mut total = 0;
    let mut done = 0;
    let mut parts = Vec::new();
    if let Some(o) = stats.as_object() {
        for (k, v) in o {
            let n = v.as_u64().unwrap_or(0);
            total += n;
            if [
                "succeeded",
                "failed",
                "timedOut",
                "rejected",
                "cancelled",
                "removed",
                "completed",
            ]
            .contains(&k.as_str())
            {
                done += n;
            }
            if n > 0 {
                parts.push(format!("{k} {n}"));
            }
        }
    }
    (done, total, parts.join(", "))
}

async fn wait(
    ctx: &Context,
    client: &nrfcloud::Client,
    job_id: &str,
    w: &WaitArgs,
) -> Result<(), CliError> {
    let mut progress: Option<crate::progress::Progress> = None;
    let state = client
        .fota()
        .wait(job_id, w.options(), |state| {
            let (done, total, line) = stats_line(state);
            let p = progress.get_or_insert_with(|| ctx.progress("fota", Some(total.max(1))));
            p.set(done, &format!("{} {line}", state.status));
        })
        .await
        .map_err(|e| CliError::from_client("FetchFOTAJob", e))?;
    let (_, _, line) = stats_line(&state);
    if let Some(p) = progress {
        p.finish(&format!("{} {line}", state.status));
    }
    let status = state.status.to_string();
    ctx.output().value(&serde_json::json!({
        "jobId": job_id,
        "status": status,
        "executionStats": state.execution_stats,
    }))?;
    if status == "COMPLETED" || status == "SUCCEEDED" {
        Ok(())
    } else {
        Err(CliError::Api(format!("FOTA job {job_id} ended {status}")))
    }
}
