//! `nrfcloud firmware upload BUNDLE.zip`: the zip's `manifest.json` is checked (the wrapper's
//! `FirmwareBundle::from_zip`) before the upload.

use std::path::PathBuf;

use clap::Args;
use nrfcloud::firmware::FirmwareBundle;

use crate::Context;
use crate::error::CliError;

/// `nrfcloud firmware upload` options.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The bundle: a zip with `manifest.json` and the files it names.
    pub bundle: PathBuf,
}

/// Checks and uploads the bundle; prints the bundle id and URIs.
pub async fn upload(ctx: &Context, args: &UploadArgs) -> Result<(), CliError> {
    let zip = std::fs::read(&args.bundle)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", args.bundle.display())))?;
    let bundle = FirmwareBundle::from_zip(&zip)
        .and_then(|b| b.validate().map(|()| b))
        .map_err(|e| {
            CliError::usage(format!("{}: {e}; nothing was sent", args.bundle.display()))
        })?;
    let manifest = bundle.manifest();
    let client = ctx.client("UploadFirmware", true)?;
    let mut progress = ctx.progress("uploading", None);
    progress.message(&format!("{} ({} bytes)", args.bundle.display(), zip.len()));
    let uploaded = client
        .firmware()
        .upload_zip(zip)
        .await
        .map_err(|e| CliError::from_client("UploadFirmware", e))?;
    progress.finish(&format!(
        "bundle {}",
        uploaded.bundle_id.as_deref().unwrap_or("(no id)")
    ));
    ctx.output().value(&serde_json::json!({
        "bundleId": uploaded.bundle_id,
        "uris": uploaded.uris,
        "manifest": manifest,
    }))
}
