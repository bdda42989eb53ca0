//! `nrfcloud onboard FILE.csv` and `nrfcloud register-keys FILE.csv`: rows checked before
//! anything is sent, 1,000 rows per request, the bulk-ops requests polled with progress,
//! failed rows reported with their reasons and a result CSV written.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::Args;
use nrfcloud::onboarding::{self, BulkOptions, BulkReport, Progress as BulkProgress};

use crate::Context;
use crate::error::CliError;

/// `nrfcloud onboard` options.
#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The OnboardDevices CSV (with or without a header row).
    pub file: PathBuf,
    /// Where to write the result CSV (deviceId,status,reason); default: FILE with
    /// `.result.csv`.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
    /// Rows per request (at most 1,000).
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub chunk_size: u64,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u64).range(1..=16))]
    pub concurrency: u64,
}

/// `nrfcloud register-keys` options.
#[derive(Debug, Args)]
pub struct RegisterKeysArgs {
    /// The CSV: `deviceId,"PEM public key"` rows, no header.
    pub file: PathBuf,
    /// The file holds certificates (RegisterCertificates) instead of public keys.
    #[arg(long)]
    pub certificates: bool,
    /// Where to write the result CSV; default: FILE with `.result.csv`.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
}

fn read_file(path: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

fn result_path(input: &Path, given: &Option<PathBuf>) -> PathBuf {
    given
        .clone()
        .unwrap_or_else(|| input.with_extension("result.csv"))
}

/// A bad row: the wrapper's error names the line and the column.
fn row_error(path: &Path, e: nrfcloud::Error) -> CliError {
    match e {
        nrfcloud::Error::InvalidInput { .. } => {
            CliError::usage(format!("{}: {e}; nothing was sent", path.display()))
        }
        other => CliError::usage(format!("{}: {other}", path.display())),
    }
}

fn options(
    ctx: &Context,
    label: &str,
    total: usize,
    chunk: usize,
    concurrency: usize,
) -> (BulkOptions, Arc<Mutex<crate::progress::Progress>>) {
    let progress = Arc::new(Mutex::new(ctx.progress(label, Some(total as u64))));
    let p = Arc::clone(&progress);
    let options = BulkOptions {
        chunk_size: chunk,
        concurrency,
        ..Default::default()
    }
    .progress(move |event| {
        let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            BulkProgress::Submitted { request_id, rows } => {
                p.message(&format!("request {request_id} accepted ({rows} rows)"));
            }
            BulkProgress::Finished {
                done,
                failed,
                status,
                ..
            } => {
                p.set(
                    *done as u64,
                    &format!("last request {status}, {failed} failed"),
                );
            }
            _ => {}
        }
    });
    (options, progress)
}

fn write_report(
    ctx: &Context,
    report: &BulkReport,
    path: &Path,
    progress: Arc<Mutex<crate::progress::Progress>>,
) -> Result<(), CliError> {
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))?;
    let csv_err = |e: csv::Error| CliError::usage(format!("cannot write {}: {e}", path.display()));
    w.write_record(["deviceId", "status", "reason", "bulkOpsRequestId"])
        .map_err(csv_err)?;
    for id in &report.succeeded {
        w.write_record([id.as_str(), "SUCCEEDED", "", ""])
            .map_err(csv_err)?;
    }
    for f in &report.failed {
        w.write_record([
            f.device_id.as_str(),
            "FAILED",
            f.reason.as_str(),
            f.request_id.as_str(),
        ])
        .map_err(csv_err)?;
    }
    w.flush()?;
    let summary = format!(
        "{} succeeded, {} failed",
        report.succeeded.len(),
        report.failed.len()
    );
    if let Ok(p) =
        Arc::try_unwrap(progress).map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
    {
        p.finish(&summary);
    }
    if !ctx.global.quiet {
        for f in report.failed.iter().take(20) {
            eprintln!("failed: {}: {}", f.device_id, f.reason);
        }
        if report.failed.len() > 20 {
            eprintln!(
                "… and {} more failed rows (see {})",
                report.failed.len() - 20,
                path.display()
            );
        }
        for u in report.unmapped_errors.iter().take(5) {
            eprintln!(
                "error summary of {}: {}: {}",
                u.request_id, u.reason, u.text
            );
        }
        eprintln!("{summary}; results in {}", path.display());
    }
    let mut out = ctx.output();
    out.value(&serde_json::json!({
        "succeeded": report.succeeded.len(),
        "failed": report.failed.len(),
        "requests": report.requests,
        "result": path.display().to_string(),
    }))?;
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Api(format!(
            "{} of {} rows failed (reasons in {})",
            report.failed.len(),
            report.failed.len() + report.succeeded.len(),
            path.display()
        )))
    }
}

/// `nrfcloud onboard FILE.csv`.
pub async fn onboard(ctx: &Context, args: &OnboardArgs) -> Result<(), CliError> {
    let rows = onboarding::read_onboarding_csv(read_file(&args.file)?)
        .map_err(|e| row_error(&args.file, e))?;
    if rows.is_empty() {
        return Err(CliError::usage(format!("{}: no rows", args.file.display())));
    }
    let client = ctx.client("OnboardDevices", true)?;
    let (options, progress) = options(
        ctx,
        "onboarding",
        rows.len(),
        args.chunk_size as usize,
        args.concurrency as usize,
    );
    let report = client
        .onboarding()
        .devices(rows, options)
        .await
        .map_err(|e| CliError::from_client("OnboardDevices", e))?;
    write_report(
        ctx,
        &report,
        &result_path(&args.file, &args.result),
        progress,
    )
}

/// `nrfcloud register-keys FILE.csv`.
pub async fn register_keys(ctx: &Context, args: &RegisterKeysArgs) -> Result<(), CliError> {
    let file = read_file(&args.file)?;
    let (rows, op) = if args.certificates {
        (
            onboarding::read_certificates_csv(file),
            "RegisterCertificates",
        )
    } else {
        (onboarding::read_public_keys_csv(file), "RegisterPublicKeys")
    };
    let rows = rows.map_err(|e| row_error(&args.file, e))?;
    if rows.is_empty() {
        return Err(CliError::usage(format!("{}: no rows", args.file.display())));
    }
    let client = ctx.client(op, true)?;
    let (options, progress) = options(ctx, "registering", rows.len(), 1000, 4);
    let handler = client.onboarding();
    let report = if args.certificates {
        handler.certificates(rows, options).await
    } else {
        handler.public_keys(rows, options).await
    }
    .map_err(|e| CliError::from_client(op, e))?;
    write_report(
        ctx,
        &report,
        &result_path(&args.file, &args.result),
        progress,
    )
}
