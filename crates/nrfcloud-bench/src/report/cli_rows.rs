//! The `cli` group: the `nrfcloud` command (crates/nrfcloud-cli), built in this program's
//! profile and run as a child process. Benchmarks, never timed tests:
//!
//! - start-up: `nrfcloud --help`, the median of [`STARTUP_RUNS`] runs;
//! - `nrfcloud devices list -o ndjson` over 10,000 and 100,000 devices on the mock (started
//!   with `nrfcloud mock` in a process of its own, so neither its time nor its memory counts
//!   for the CLI): time per item, and the CLI's peak RSS (`VmHWM` of `/proc/<pid>/status`,
//!   read every few ms until it exits) at 100k against 10k (goal ≤ 1.2), and the CLI's own
//!   CPU time per item (the wall time includes the mock's, which grows with the offset).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Kind, Row, Target, build_binary, format_bytes, format_secs};

const STARTUP_RUNS: usize = 20;
const SMALL: usize = 10_000;
const LARGE: usize = 100_000;

/// Builds the `nrfcloud` binary (this program's profile) and returns its path.
fn build_cli() -> Result<PathBuf, String> {
    build_binary("nrfcloud-cli", "nrfcloud")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `nrfcloud mock --devices n` in its own process; killed (it is ours) when dropped.
struct Mock {
    child: Child,
    base_url: String,
    api_key: String,
}

impl Mock {
    fn start(binary: &Path, devices: usize) -> Result<Mock, String> {
        let mut child = Command::new(binary)
            .args(["mock", "--devices", &devices.to_string()])
            .env("NRFCLOUD_CONFIG", "/nonexistent/nrfcloud-bench.toml")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start `nrfcloud mock`: {e}"))?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
        let (url, key) = (next(), next());
        let mock = Mock {
            base_url: url
                .strip_prefix("export NRFCLOUD_BASE_URL=")
                .unwrap_or_default()
                .to_string(),
            api_key: key
                .strip_prefix("export NRFCLOUD_API_KEY=")
                .unwrap_or_default()
                .to_string(),
            child,
        };
        if mock.base_url.is_empty() || mock.api_key.is_empty() {
            return Err("`nrfcloud mock` printed no export lines".into());
        }
        Ok(mock)
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn vm_hwm(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// The CPU time (user + system) of a process so far, from `/proc/<pid>/stat` (clock ticks
/// of 1/100 s, Linux's `USER_HZ`).
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// One listing: wall time, items read, the CLI's peak RSS and CPU time.
fn list_once(binary: &Path, mock: &Mock) -> Result<(f64, usize, f64, f64), String> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["devices", "list", "-o", "ndjson"])
        .env("NRFCLOUD_BASE_URL", &mock.base_url)
        .env("NRFCLOUD_API_KEY", &mock.api_key)
        .env("NRFCLOUD_CONFIG", "/nonexistent/nrfcloud-bench.toml")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run the CLI: {e}"))?;
    let pid = child.id();
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let counter = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut lines = 0usize;
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        }
        lines
    });
    let mut peak = 0.0f64;
    let mut cpu = 0.0f64;
    let status = loop {
        if let Some(hwm) = vm_hwm(pid) {
            peak = peak.max(hwm);
        }
        if let Some(c) = cpu_secs(pid) {
            cpu = cpu.max(c);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for the CLI: {e}")),
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let items = counter.join().unwrap_or(0);
    if !status.success() {
        return Err(format!("the CLI exited with {status}"));
    }
    Ok((elapsed, items, peak, cpu))
}

/// `cli`: start-up, and the listing's time per item and peak RSS.
pub(super) fn cli_group(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: usize) {
    const STARTUP: &str = "CLI: `nrfcloud --help` start-up (median of 20 runs)";
    const PER_ITEM: &str = "CLI: `nrfcloud devices list -o ndjson` on the mock, time per item (100,000 vs 10,000 devices)";
    const CPU: &str =
        "↳ the CLI's own CPU time per item (user + system), 100,000 vs 10,000 devices";
    const RSS: &str = "CLI: `nrfcloud devices list -o ndjson` peak RSS, 100,000 vs 10,000 devices";
    let rss_target = Target::AtMost(1.2);
    if !Path::new("/proc/self/status").exists() {
        for name in [STARTUP, PER_ITEM, CPU, RSS] {
            rows.push(Row::skipped(name, Target::Info, "needs Linux's /proc"));
        }
        return;
    }
    let binary = match build_cli() {
        Ok(b) => b,
        Err(e) => {
            rows.push(Row::failed(STARTUP, Target::Info, e.clone()));
            rows.push(Row::failed(PER_ITEM, Target::Info, e.clone()));
            rows.push(Row::failed(CPU, Target::Info, e.clone()));
            rows.push(Row::failed(RSS, rss_target, e).kind(Kind::ResidentBytes));
            return;
        }
    };
    let mut times = Vec::new();
    for _ in 0..STARTUP_RUNS {
        let t = Instant::now();
        let ok = Command::new(&binary)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            rows.push(Row::failed(
                STARTUP,
                Target::Info,
                "`nrfcloud --help` failed",
            ));
            times.clear();
            break;
        }
        times.push(t.elapsed().as_secs_f64());
    }
    if !times.is_empty() {
        rows.push(Row::new(
            STARTUP,
            format_secs(median(times)),
            "—".into(),
            None,
        ));
    }

    let measure = |devices: usize| -> Result<(f64, f64, f64), String> {
        let mock = Mock::start(&binary, devices)?;
        let (mut per_item, mut cpu_per_item, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds.max(1) {
            let (secs, items, peak, cpu) = list_once(&binary, &mock)?;
            if items != devices {
                return Err(format!("listed {items} of {devices} devices"));
            }
            per_item.push(secs / items as f64);
            cpu_per_item.push(cpu / items as f64);
            peaks.push(peak);
        }
        Ok((median(per_item), median(cpu_per_item), median(peaks)))
    };
    match (measure(SMALL), measure(LARGE)) {
        (Ok((small_t, small_cpu, small_rss)), Ok((large_t, large_cpu, large_rss))) => {
            rows.push(Row::new(
                PER_ITEM,
                format_secs(large_t),
                format_secs(small_t),
                Some(large_t / small_t),
            ));
            rows.push(Row::new(
                CPU,
                format_secs(large_cpu),
                format_secs(small_cpu),
                Some(large_cpu / small_cpu),
            ));
            rows.push(
                Row::new(
                    RSS,
                    format_bytes(large_rss),
                    format_bytes(small_rss),
                    Some(large_rss / small_rss),
                )
                .target(rss_target)
                .kind(Kind::ResidentBytes),
            );
            notes.push(format!(
                "CLI: the built `nrfcloud` in a child process, against `nrfcloud mock` in another; \
                 stdout read and counted by this program; pages of 100, the next fetched while one \
                 prints; peak RSS is `VmHWM` and CPU time `/proc/<pid>/stat` (1/100 s ticks), \
                 sampled every 5 ms; medians of {} runs each. The wall time per item grows with \
                 the listing because the mock's time per page grows with its offset; the CLI's \
                 own CPU time per item is the figure of the CLI.",
                rounds.max(1)
            ));
        }
        (Err(e), _) | (_, Err(e)) => {
            rows.push(Row::failed(PER_ITEM, Target::Info, e.clone()));
            rows.push(Row::failed(CPU, Target::Info, e.clone()));
            rows.push(Row::failed(RSS, rss_target, e).kind(Kind::ResidentBytes));
        }
    }
}
