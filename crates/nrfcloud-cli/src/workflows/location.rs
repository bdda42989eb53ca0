//! `nrfcloud agnss download` (HEAD for the size, then `Range` fragments, then a summary of
//! the parsed records) and `nrfcloud ground-fix` (from flags or a JSON file), through
//! `client.location()`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use nrfcloud::ground_fix::{GroundFixOptions, access_point};
use nrfcloud::{AgnssData, AgnssDownload, types};
use serde_json::{Value, json};

use crate::Context;
use crate::error::CliError;

/// `nrfcloud agnss …`.
#[derive(Debug, Subcommand)]
pub enum AgnssCommand {
    /// Download A-GNSS data for a cell in Range fragments, write it, and summarise its records.
    #[command(
        after_help = "Example:\n  nrfcloud agnss download --mcc 242 --mnc 2 --tac 2305 --eci 33703712 -O agnss.bin"
    )]
    Download(AgnssArgs),
}

/// `nrfcloud agnss download` options.
#[derive(Debug, Args)]
pub struct AgnssArgs {
    /// Mobile country code of the serving cell.
    #[arg(long)]
    pub mcc: u16,
    /// Mobile network code.
    #[arg(long)]
    pub mnc: u16,
    /// Tracking area code.
    #[arg(long)]
    pub tac: u32,
    /// E-UTRAN cell id.
    #[arg(long)]
    pub eci: u32,
    /// Element types to ask for (nRF message type ids, comma-separated; default: the
    /// document's 1,2,3,4,6,7,9).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub types: Vec<u8>,
    /// Bytes per fragment (Range request).
    #[arg(long, value_name = "BYTES", default_value_t = 1700,
          value_parser = clap::value_parser!(u64).range(64..))]
    pub fragment_size: u64,
    /// Where to write the data.
    #[arg(short = 'O', long = "output-file", value_name = "FILE")]
    pub output_file: PathBuf,
}

/// Runs an `agnss` command.
pub async fn agnss(ctx: &Context, cmd: &AgnssCommand) -> Result<(), CliError> {
    let AgnssCommand::Download(args) = cmd;
    let mut body = json!({"mcc": args.mcc, "mnc": args.mnc, "tac": args.tac, "eci": args.eci});
    let types_list: Vec<u8> = if args.types.is_empty() {
        vec![1, 2, 3, 4, 6, 7, 9] // the document's default
    } else {
        args.types.clone()
    };
    body["types"] = json!(types_list);
    let request: types::GetAssistanceDataBody = serde_json::from_value(body)
        .map_err(|e| CliError::usage(format!("GetAssistanceData: invalid request: {e}")))?;
    let client = ctx.client("GetAssistanceData", true)?;
    let mut progress = ctx.progress("agnss", None);
    progress.message(&format!(
        "downloading in {}-byte fragments",
        args.fragment_size
    ));
    let bytes = client
        .location()
        .agnss(
            request,
            AgnssDownload::new().fragment_size(args.fragment_size),
        )
        .await
        .map_err(|e| CliError::from_client("GetAssistanceData", e))?;
    progress.finish(&format!("{} bytes", bytes.len()));
    std::fs::write(&args.output_file, &bytes).map_err(|e| {
        CliError::usage(format!("cannot write {}: {e}", args.output_file.display()))
    })?;
    let summary = match AgnssData::parse(&bytes) {
        Ok(data) => {
            let records: Vec<Value> = data
                .entries()
                .into_iter()
                .map(|(t, n)| json!({"type": t.name(), "id": t.id(), "records": n}))
                .collect();
            json!({"file": args.output_file.display().to_string(), "bytes": bytes.len(), "elements": records})
        }
        Err(e) => {
            json!({"file": args.output_file.display().to_string(), "bytes": bytes.len(), "parseError": e.to_string()})
        }
    };
    ctx.output().value(&summary)
}

/// `nrfcloud ground-fix` options.
#[derive(Debug, Args)]
pub struct GroundFixArgs {
    /// A whole GetLocationFromCellsOrWifiNetworks body (JSON file, or - for stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["lte", "wifi"])]
    pub file: Option<String>,
    /// An LTE cell: MCC,MNC,TAC,ECI (repeat for more).
    #[arg(long, value_name = "MCC,MNC,TAC,ECI")]
    pub lte: Vec<String>,
    /// A Wi-Fi access point's MAC address (repeat; at least two).
    #[arg(long, value_name = "MAC")]
    pub wifi: Vec<String>,
    /// Ask for a 95% confidence uncertainty instead of 68%.
    #[arg(long)]
    pub hi_conf: bool,
    /// No coarse fallback: fail when there is no precise fix.
    #[arg(long)]
    pub no_fallback: bool,
}

fn lte_cell(text: &str) -> Result<types::LteCell, CliError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let bad = || {
        CliError::usage(format!(
            "--lte {text:?}: expected MCC,MNC,TAC,ECI (four integers)"
        ))
    };
    if parts.len() != 4 {
        return Err(bad());
    }
    let mcc: i32 = parts[0].parse().map_err(|_| bad())?;
    let mnc: i64 = parts[1].parse().map_err(|_| bad())?;
    let tac: i32 = parts[2].parse().map_err(|_| bad())?;
    let eci: i32 = parts[3].parse().map_err(|_| bad())?;
    Ok(nrfcloud::ground_fix::lte_cell(mcc, mnc, tac, eci))
}

/// `nrfcloud ground-fix`.
pub async fn ground_fix(ctx: &Context, args: &GroundFixArgs) -> Result<(), CliError> {
    let fix: types::GetLocationFromCellsOrWifiNetworksBody = match &args.file {
        Some(path) => {
            let bytes = crate::api_commands::read_input_file(path)?;
            serde_json::from_slice(&bytes).map_err(|e| {
                CliError::usage(format!(
                    "{path} is not a GetLocationFromCellsOrWifiNetworks body: {e}"
                ))
            })?
        }
        None => {
            if args.lte.is_empty() && args.wifi.is_empty() {
                return Err(CliError::usage("ground-fix needs --lte, --wifi or --file"));
            }
            let lte = args
                .lte
                .iter()
                .map(|l| lte_cell(l))
                .collect::<Result<Vec<_>, _>>()?;
            let wifi: Vec<_> = args.wifi.iter().map(|m| access_point(m.clone())).collect();
            types::GroundFixCurrentForm {
                lte: (!lte.is_empty()).then_some(lte),
                wifi: (!wifi.is_empty()).then_some(wifi),
                ..Default::default()
            }
            .into()
        }
    };
    nrfcloud::ground_fix::validate(&fix).map_err(|e| {
        CliError::usage(format!(
            "GetLocationFromCellsOrWifiNetworks: {e}; nothing was sent"
        ))
    })?;
    let mut options = GroundFixOptions::new();
    if args.hi_conf {
        options = options.hi_conf(true);
    }
    if args.no_fallback {
        options = options.fallback(false);
    }
    let client = ctx.client("GetLocationFromCellsOrWifiNetworks", true)?;
    let location = client
        .location()
        .ground_fix(fix, &options)
        .await
        .map_err(|e| CliError::from_client("GetLocationFromCellsOrWifiNetworks", e))?;
    let v = serde_json::to_value(&location)
        .map_err(|e| CliError::Api(format!("cannot show the answer: {e}")))?;
    ctx.output().value(&v)
}
