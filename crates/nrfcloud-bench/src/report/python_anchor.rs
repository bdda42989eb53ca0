//! The `python` group: a cross-language anchor. The same FetchDevice and ListDevices workload
//! against the same mock, through this client and through the Python client that
//! `openapi-python-client` generates from this project's own document after the fixups.
//!
//! Set-up (once, in `target/bench-py`): a virtual environment with `openapi-python-client`
//! ([`GENERATOR_VERSION`], pinned), the fixed-up document (`nrfcloud_codegen::generate`'s
//! `fixed`), and the client it generates. Each round runs ours, then the Python script, against
//! one `nrfcloud_mock::MockServer` in this process: requests per second, one caller in
//! sequence and [`TASKS`] concurrent callers (tokio tasks sharing one client; asyncio tasks
//! sharing one `AuthenticatedClient`).

use super::*;

/// The pinned generator.
const GENERATOR_VERSION: &str = "0.29.1";
/// The generated package's name (its directory under `target/bench-py`).
const PACKAGE: &str = "nrfcloud_py_client";
/// FetchDevice calls in sequence per round.
const SEQUENTIAL_FETCHES: usize = 300;
/// ListDevices pages of 100 in sequence per round.
const SEQUENTIAL_PAGES: usize = 30;

const PY_SCRIPT: &str = r#"# Written by `cargo xtask bench-report`: the Python side of the `python` group.
import asyncio, glob, importlib, json, os, sys, time

pkg_dir, base_url, key, ids_arg, fetches, pages, tasks, per_task = sys.argv[1:9]
ids = ids_arg.split(",")
fetches, pages, tasks, per_task = int(fetches), int(pages), int(tasks), int(per_task)
sys.path.insert(0, os.path.dirname(pkg_dir))
pkg = os.path.basename(pkg_dir)
client_mod = importlib.import_module(pkg + ".client")

def operation(name):
    (path,) = glob.glob(os.path.join(pkg_dir, "api", "*", name + ".py"))
    tag = os.path.basename(os.path.dirname(path))
    return importlib.import_module(f"{pkg}.api.{tag}.{name}")

fetch_device = operation("fetch_device")
list_devices = operation("list_devices")

def checked(response):
    if response.status_code != 200 or response.parsed is None:
        raise SystemExit(f"unexpected answer: {response.status_code} {response.content[:200]!r}")
    return response.parsed

client = client_mod.AuthenticatedClient(base_url=base_url, token=key)
with client as c:
    checked(fetch_device.sync_detailed(device_id=ids[0], client=c))
    t0 = time.perf_counter()
    for i in range(fetches):
        checked(fetch_device.sync_detailed(device_id=ids[i % len(ids)], client=c))
    fetch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(pages):
        page = checked(list_devices.sync_detailed(client=c, page_limit=100))
        if len(page.items) != 100:
            raise SystemExit(f"a page of {len(page.items)} items")
    pages_s = time.perf_counter() - t0

async def concurrent():
    async with client_mod.AuthenticatedClient(base_url=base_url, token=key) as c:
        async def task(t):
            for _ in range(per_task):
                checked(await fetch_device.asyncio_detailed(device_id=ids[t % len(ids)], client=c))
        t0 = time.perf_counter()
        await asyncio.gather(*(task(t) for t in range(tasks)))
        return time.perf_counter() - t0

concurrent_s = asyncio.run(concurrent())
print(json.dumps({"fetch": fetch_s, "pages": pages_s, "concurrent": concurrent_s}))
"#;

fn bench_py_dir() -> PathBuf {
    crate::workspace_root().join("target").join("bench-py")
}

/// The venv's python with the generator, and the generated package (made when missing).
fn python_client(dir: &Path) -> Result<(PathBuf, PathBuf, String), String> {
    let python = dir.join("venv").join("bin").join("python");
    let generator = dir.join("venv").join("bin").join("openapi-python-client");
    let installed = Command::new(&generator)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let version = match installed {
        Some(v) if v.ends_with(GENERATOR_VERSION) => v,
        _ => {
            std::fs::create_dir_all(dir).map_err(err)?;
            eprintln!(
                "bench-report: python3 -m venv {0}/venv; pip install openapi-python-client=={GENERATOR_VERSION}",
                dir.display()
            );
            let venv = Command::new("python3")
                .args(["-m", "venv"])
                .arg(dir.join("venv"))
                .status()
                .map_err(|_| "python3 unavailable".to_string())?;
            if !venv.success() {
                return Err("python3 -m venv failed".into());
            }
            let pip = Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg(format!("openapi-python-client=={GENERATOR_VERSION}"))
                .status()
                .map_err(err)?;
            if !pip.success() {
                return Err(format!(
                    "pip install openapi-python-client=={GENERATOR_VERSION} failed"
                ));
            }
            format!("openapi-python-client {GENERATOR_VERSION}")
        }
    };
    // The document after the fixups, regenerated when it changed.
    let spec_text =
        std::fs::read_to_string(crate::workspace_root().join("spec/openapi.json")).map_err(err)?;
    let fixed = nrfcloud_codegen::generate(&spec_text).map_err(err)?.fixed;
    let fixed_text = serde_json::to_string_pretty(&fixed).map_err(err)?;
    let spec = dir.join("openapi.fixed.json");
    let package = dir.join(PACKAGE);
    let current = std::fs::read_to_string(&spec).ok().as_deref() == Some(fixed_text.as_str());
    if !current || !package.join("client.py").exists() {
        std::fs::write(&spec, &fixed_text).map_err(err)?;
        let output = Command::new(&generator)
            .arg("generate")
            .arg("--path")
            .arg(&spec)
            .arg("--output-path")
            .arg(&package)
            .args(["--overwrite", "--meta", "none"])
            .output()
            .map_err(err)?;
        if !output.status.success() || !package.join("client.py").exists() {
            return Err(format!(
                "openapi-python-client generate failed: {}",
                err(String::from_utf8_lossy(&output.stderr))
            ));
        }
    }
    Ok((python, package, version))
}

/// Ours: the same three workloads, then the hand-written client's FetchDevice calls, in seconds.
async fn ours_round(base_url: &str, key: &str, ids: &[String]) -> Result<[f64; 4], String> {
    let client = common::ours(base_url, key).map_err(err)?;
    let t = Instant::now();
    for i in 0..SEQUENTIAL_FETCHES {
        std::hint::black_box(
            common::ours_fetch_device(&client, &ids[i % ids.len()])
                .await
                .map_err(err)?,
        );
    }
    let fetch = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..SEQUENTIAL_PAGES {
        let page = common::ours_list_page(&client).await.map_err(err)?;
        if page.items.len() != 100 {
            return Err(format!("a page of {} items", page.items.len()));
        }
    }
    let pages = t.elapsed().as_secs_f64();
    let concurrent = common::calls_from_tasks(&client, TASKS, CALLS_PER_TASK)
        .await?
        .as_secs_f64();
    // The floor: the hand-written reqwest + serde client, FetchDevice in sequence.
    let hand = common::Hand::new(base_url, key)?;
    let t = Instant::now();
    for i in 0..SEQUENTIAL_FETCHES {
        std::hint::black_box(hand.fetch_device(&ids[i % ids.len()]).await.map_err(err)?);
    }
    let hand_fetch = t.elapsed().as_secs_f64();
    Ok([fetch, pages, concurrent, hand_fetch])
}

fn python_round(
    python: &Path,
    script: &Path,
    package: &Path,
    base_url: &str,
    key: &str,
    ids: &[String],
) -> Result<[f64; 3], String> {
    let output = Command::new(python)
        .arg(script)
        .arg(package)
        .arg(base_url)
        .arg(key)
        .arg(ids.join(","))
        .arg(SEQUENTIAL_FETCHES.to_string())
        .arg(SEQUENTIAL_PAGES.to_string())
        .arg(TASKS.to_string())
        .arg(CALLS_PER_TASK.to_string())
        .output()
        .map_err(err)?;
    if !output.status.success() {
        return Err(format!(
            "python: {}",
            err(String::from_utf8_lossy(&output.stderr))
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(output.stdout.trim_ascii()).map_err(err)?;
    let get = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| format!("python printed no {k}"))
    };
    Ok([get("fetch")?, get("pages")?, get("concurrent")?])
}

pub(super) async fn python_anchor(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    // Each row: its name, the column of ours_round it reads, the column of python_round it
    // compares with, and its target. The floor row compares the hand-written client with
    // Python's FetchDevice.
    const ROWS: [(&str, usize, usize, Target); 4] = [
        (
            "Python anchor: FetchDevice, one caller, requests/s, ours vs openapi-python-client",
            0,
            0,
            Target::AtMost(0.1),
        ),
        (
            "Python anchor: ListDevices pages of 100, one caller, requests/s, ours vs openapi-python-client",
            1,
            1,
            Target::AtMost(0.1),
        ),
        (
            "Python anchor: FetchDevice, 64 concurrent callers, requests/s, ours vs openapi-python-client",
            2,
            2,
            Target::AtMost(0.1),
        ),
        (
            "Python anchor floor: FetchDevice, one caller, the hand-written reqwest client vs openapi-python-client (the best a Rust client gets against this mock)",
            3,
            0,
            Target::Info,
        ),
    ];
    const NAMES: [&str; 4] = [ROWS[0].0, ROWS[1].0, ROWS[2].0, ROWS[3].0];
    let fail = |rows: &mut Vec<Row>, why: String| {
        for name in NAMES {
            rows.push(Row::failed(name, Target::Info, why.clone()));
        }
    };
    let dir = bench_py_dir();
    let (python, package, version) = match python_client(&dir) {
        Ok(p) => p,
        Err(why) => {
            for name in NAMES {
                rows.push(Row::skipped(
                    name,
                    Target::Info,
                    format!("Python client unavailable ({why})"),
                ));
            }
            return;
        }
    };
    let script = dir.join("bench.py");
    if let Err(e) = std::fs::write(&script, PY_SCRIPT) {
        return fail(rows, err(e));
    }
    let config = nrfcloud_mock::MockConfig {
        devices: 1_000,
        ..Default::default()
    };
    let server = match nrfcloud_mock::MockServer::start_with(config).await {
        Ok(s) => s,
        Err(e) => return fail(rows, err(e)),
    };
    let (base_url, key) = (server.base_url().to_owned(), server.api_key().to_owned());
    // The document's paths start after `/v1` (its server URL ends there): the Python client
    // takes that URL, ours the origin.
    let api_url = server.api_url();
    let ids: Vec<String> = (0..TASKS).map(common::device_id).collect();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..rounds.calls.clamp(1, 5) {
        match ours_round(&base_url, &key, &ids).await {
            Ok(r) => ours.push(r),
            Err(e) => return fail(rows, format!("ours: {e}")),
        }
        let (python, script, package, base_url, key, ids) = (
            python.clone(),
            script.clone(),
            package.clone(),
            api_url.clone(),
            key.clone(),
            ids.clone(),
        );
        let round = tokio::task::spawn_blocking(move || {
            python_round(&python, &script, &package, &base_url, &key, &ids)
        })
        .await
        .map_err(err)
        .and_then(|r| r);
        match round {
            Ok(r) => theirs.push(r),
            Err(e) => return fail(rows, e),
        }
    }
    server.shutdown().await;
    let requests = [
        SEQUENTIAL_FETCHES as f64,
        SEQUENTIAL_PAGES as f64,
        (TASKS * CALLS_PER_TASK) as f64,
        SEQUENTIAL_FETCHES as f64,
    ];
    for (name, ours_column, their_column, target) in ROWS {
        let a = median(ours.iter().map(|r| r[ours_column]).collect());
        let b = median(theirs.iter().map(|r| r[their_column]).collect());
        let (ours_rate, their_rate) = (requests[ours_column] / a, requests[their_column] / b);
        // As every row: ours ÷ theirs in time (per request), so the goal of 10x the
        // requests per second is a ratio of at most 0.1.
        rows.push(
            Row::new(
                name,
                format!("{ours_rate:.0} req/s"),
                format!("{their_rate:.0} req/s"),
                Some(a / b),
            )
            .target(target),
        );
    }
    notes.push(format!(
        "Python anchor: {version} on `spec/openapi.json` after the fixups, `--meta none`, its \
         sync client in sequence and its asyncio client with {TASKS} tasks, against one \
         nrfcloud-mock in this process ({} rounds, medians); the ratio is ours ÷ theirs in time \
         per request, so the goal of 10x their requests per second is ≤ 0.1. Both sides check \
         each answer (status 200, decoded).",
        ours.len()
    ));
}
