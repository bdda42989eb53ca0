//! The `attacks` group: the mock's peak resident memory after hostile requests (issue #18),
//! measured on the built `nrfcloud-mock` binary in its own process, so the figure is the
//! mock's alone. Each attack gets a fresh mock (one seeded device, so transforms evaluate);
//! the row is its peak RSS (`VmHWM` of `/proc/<pid>/status`) against a 100 MB limit, after
//! the attack and one `GET /v1/account` that shows the mock still answers. An attack that gets
//! no answer within [`ATTACK_TIMEOUT`] is reported as "did not answer", not waited for.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use nrfcloud_testkit::zips::{ZipEntry, firmware_manifest, write_zip};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{Kind, Row, Target, build_binary, err, format_bytes};

/// The limit of every row: the mock's peak RSS after the attack.
const RSS_LIMIT_BYTES: f64 = 100e6;
/// How long one attack may take before it counts as unanswered.
const ATTACK_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the mock may take to start, and to answer the check after an attack.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
const MIB: u64 = 1 << 20;

/// One hostile request.
enum Attack {
    /// POST /v1/firmwares with this zip.
    Upload(Vec<u8>),
    /// GET /v1/devices?transform=…
    Transform(&'static str),
}

/// The attacks, each with the name of its row.
fn attacks() -> Vec<(&'static str, Attack)> {
    let one_entry_24_times = write_zip(&[
        ZipEntry::deflated("manifest.json", &firmware_manifest(&["bomb.bin"; 24])),
        ZipEntry::zeros("bomb.bin", 64 * MIB),
    ]);
    let names: Vec<String> = (0..14).map(|i| format!("bomb{i:02}.bin")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut entries = vec![ZipEntry::deflated(
        "manifest.json",
        &firmware_manifest(&refs),
    )];
    entries.extend(names.iter().map(|n| ZipEntry::zeros(n, 64 * MIB)));
    let fourteen_entries = write_zip(&entries);
    vec![
        (
            "mock peak RSS after a zip bomb: a 64 MiB entry listed 24 times (64 KB upload)",
            Attack::Upload(one_entry_24_times),
        ),
        (
            "mock peak RSS after a zip bomb: 14 distinct 64 MiB entries (0.9 MB upload)",
            Attack::Upload(fourteen_entries),
        ),
        (
            "mock peak RSS after the JSONata transform `($f := function($x){$f($x)}; $f(1))`",
            Attack::Transform("($f := function($x){$f($x)}; $f(1))"),
        ),
        (
            "mock peak RSS after the JSONata transform `[1..10000000]`",
            Attack::Transform("[1..10000000]"),
        ),
    ]
}

/// `attacks`: a row per attack.
pub(super) async fn attacks_group(rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let target = Target::AtMost(1.0);
    if !std::path::Path::new("/proc/self/status").exists() {
        for (name, _) in attacks() {
            rows.push(Row::skipped(name, target, "needs Linux's /proc"));
        }
        return;
    }
    let binary = match build_mock() {
        Ok(binary) => binary,
        Err(e) => {
            for (name, _) in attacks() {
                rows.push(Row::failed(name, target, e.clone()).kind(Kind::ResidentBytes));
            }
            return;
        }
    };
    let mut answers = Vec::new();
    for (name, attack) in attacks() {
        eprintln!("bench-report: attacks: {name}");
        match run_attack(&binary, &attack).await {
            Ok(outcome) => {
                answers.push(format!(
                    "{}: {}; idle {}, /v1/account afterwards: {}",
                    short(name),
                    outcome.answer,
                    format_bytes(outcome.idle_rss),
                    outcome.check
                ));
                let problem = (!outcome.answered || !outcome.still_answers).then(|| {
                    format!(
                        "{}; peak {}",
                        if outcome.answered {
                            "no longer answers /v1/account"
                        } else {
                            "did not answer"
                        },
                        format_bytes(outcome.peak_rss)
                    )
                });
                rows.push(match problem {
                    Some(why) => Row::failed(name, target, why).kind(Kind::ResidentBytes),
                    None => Row::new(
                        name,
                        format_bytes(outcome.peak_rss),
                        "100 MB (limit)".into(),
                        Some(outcome.peak_rss / RSS_LIMIT_BYTES),
                    )
                    .target(target)
                    .kind(Kind::ResidentBytes),
                });
            }
            Err(e) => rows.push(Row::failed(name, target, e).kind(Kind::ResidentBytes)),
        }
    }
    notes.push(format!(
        "Attacks: the built `nrfcloud-mock` binary, a fresh process per attack with one device; \
         peak RSS is its `VmHWM`, the ratio is peak ÷ 100 MB; an attack gets {} s to be \
         answered. Answers: {}.",
        ATTACK_TIMEOUT.as_secs(),
        answers.join("; ")
    ));
}

/// The row name without its common prefix, for the note.
fn short(name: &str) -> &str {
    name.strip_prefix("mock peak RSS after ").unwrap_or(name)
}

/// Builds the mock binary (this program's profile) and returns its path.
fn build_mock() -> Result<PathBuf, String> {
    build_binary("nrfcloud-mock", "nrfcloud-mock")
}

/// What one attack did.
struct Outcome {
    answered: bool,
    answer: String,
    still_answers: bool,
    check: String,
    idle_rss: f64,
    peak_rss: f64,
}

/// A running mock binary; killed (it is ours) when dropped.
struct Mock {
    child: Child,
    base_url: String,
    api_key: String,
}

impl Mock {
    async fn start(binary: &PathBuf) -> Result<Self, String> {
        let mut child = Command::new(binary)
            .args(["--port", "0", "--devices", "1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the mock: {}", err(e)))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let banner = async {
            let mut lines = BufReader::new(stdout).lines();
            let (mut url, mut key) = (None, None);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(u) = line.strip_prefix("nRF Cloud mock listening on ") {
                    url = Some(u.trim().to_owned());
                }
                if let Some(k) = line.strip_prefix("API key:") {
                    key = Some(k.trim().to_owned());
                }
                if let (Some(u), Some(k)) = (&url, &key) {
                    let found = (u.clone(), k.clone());
                    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                    return Ok(found);
                }
            }
            Err("the mock ended before printing its URL".to_string())
        };
        let (base_url, api_key) = tokio::time::timeout(START_TIMEOUT, banner)
            .await
            .map_err(|_| "the mock did not start".to_string())??;
        Ok(Mock {
            child,
            base_url,
            api_key,
        })
    }

    /// `(VmRSS, VmHWM)` in bytes.
    fn rss(&self) -> Result<(f64, f64), String> {
        let pid = self.child.id().ok_or("the mock has exited (it crashed)")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(err)?;
        let field = |name: &str| -> Option<f64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024.0)
        };
        Ok((
            field("VmRSS:").ok_or("no VmRSS")?,
            field("VmHWM:").ok_or("no VmHWM")?,
        ))
    }
}

async fn run_attack(binary: &PathBuf, attack: &Attack) -> Result<Outcome, String> {
    let mock = Mock::start(binary).await?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(ATTACK_TIMEOUT)
        .build()
        .map_err(err)?;
    let (idle_rss, _) = mock.rss()?;
    let request = match attack {
        Attack::Upload(zip) => http
            .post(format!("{}/v1/firmwares", mock.base_url))
            .header("content-type", "application/zip")
            .body(zip.clone()),
        Attack::Transform(expression) => http
            .get(format!("{}/v1/devices", mock.base_url))
            .query(&[("transform", *expression)]),
    };
    let (answered, answer) = match request.bearer_auth(&mock.api_key).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let code = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("code").and_then(serde_json::Value::as_u64));
            let answer = match code {
                Some(code) => format!("{status} / {code}"),
                None => status.to_string(),
            };
            (true, answer)
        }
        Err(e) if e.is_timeout() => (
            false,
            format!("did not answer in {} s", ATTACK_TIMEOUT.as_secs()),
        ),
        Err(e) => (false, format!("no answer ({})", err(e.without_url()))),
    };
    let check = http
        .get(format!("{}/v1/account", mock.base_url))
        .bearer_auth(&mock.api_key)
        .timeout(CHECK_TIMEOUT)
        .send()
        .await;
    let (still_answers, check) = match check {
        Ok(r) => (r.status().is_success(), r.status().as_u16().to_string()),
        Err(e) if e.is_timeout() => (false, format!("no answer in {} s", CHECK_TIMEOUT.as_secs())),
        Err(e) => (false, format!("no answer ({})", err(e.without_url()))),
    };
    let (_, peak_rss) = mock.rss()?;
    Ok(Outcome {
        answered,
        answer,
        still_answers,
        check,
        idle_rss,
        peak_rss,
    })
}
