//! Instruction counts (callgrind, through gungraun): the figures that do not move with the
//! machine's load, each next to its baseline.
//!
//! `cargo bench -p nrfcloud-bench --bench instructions` needs valgrind and `gungraun-runner` (the
//! version of the `gungraun` dev-dependency: `cargo install gungraun-runner --version 0.20.0`).
//! `cargo run --release -p xtask -- bench-report --only instructions` runs it and prints the
//! ratios; `--check` gates on them.
//!
//! What is measured:
//! - `client`: FetchDevice and one ListDevices page of 100, through the wrapper and through the
//!   hand-written `reqwest` + `serde` client, on warm connections. The minimal server runs in
//!   a child process (this bench binary again, started natively, outside valgrind), so only
//!   the client side is counted.
//! - `decode`: the device document and the page, into the generated types and into the
//!   hand-written structs.
//! - `jwt`: a cached device token against minting one (ES256).
//! - `transform`: `{ "id": id, "type": type }` over one device document, by the local JSONata
//!   engine and by reading the two fields directly.
//! - `onboarding`: one OnboardDevices CSV chunk (1,000 rows), checked and written by the
//!   wrapper, and written by the `csv` crate with no checks.
//! - `codegen`: the build step (`nrfcloud_codegen::generate` over `spec/openapi.json`).
//!
//! Every measured function repeats its work a fixed number of times ([`CALLS`], [`PAGES`],
//! …); bench-report divides by it. Every row runs with glibc's fastbins off
//! ([`ALLOCATOR_TUNABLES`]), so that the counts do not depend on timing.

use nrfcloud_bench::fixtures as common;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};
use serde_json::Value;

/// FetchDevice calls per measured run.
pub const CALLS: usize = 20;
/// ListDevices pages per measured run.
pub const PAGES: usize = 5;
/// Decodes of the device document per measured run.
pub const DECODES: usize = 20;
/// Tokens per measured run (cached and minted).
pub const TOKENS: usize = 10;
/// Transform evaluations (and direct reads) per measured run.
pub const EVALUATIONS: usize = 100;
/// Rows of the onboarding CSV chunk (what one OnboardDevices request carries).
pub const CHUNK_ROWS: usize = 1_000;

// ---------------------------------------------------------------------------------------------
// The server process.

/// Set in the environment of the child process that serves instead of benchmarking.
const SERVE_ENV: &str = "NRFCLOUD_BENCH_SERVE";

/// Runs before `main` (gungraun's `main!` owns `main`): in the server child, serves the
/// minimal server on a free port, prints the port, and exits when its standard input closes
/// (the benchmark process ended or dropped it).
#[used]
#[unsafe(link_section = ".init_array")]
static SERVE_BEFORE_MAIN: extern "C" fn() = serve_if_asked;

extern "C" fn serve_if_asked() {
    if std::env::var_os(SERVE_ENV).is_none() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        std::process::exit(2);
    };
    let Ok(server) = runtime.block_on(common::BenchServer::start()) else {
        std::process::exit(2);
    };
    let port = server
        .base_url(0)
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .unwrap_or("")
        .to_string();
    println!("{port}");
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(server);
    std::process::exit(0);
}

/// The server child; killed when dropped.
struct ServerProcess {
    child: Child,
    _stdin: Option<ChildStdin>,
    base: String,
}

impl ServerProcess {
    fn start() -> ServerProcess {
        let exe = std::env::current_exe().expect("the bench binary's path");
        let mut child = Command::new(exe)
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server process");
        let stdin = child.stdin.take();
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let port = line.trim();
        assert!(!port.is_empty(), "the server process printed no port");
        ServerProcess {
            child,
            _stdin: stdin,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn base_url(&self, total: usize) -> String {
        format!("{}/n{total}", self.base)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Client side: FetchDevice and one page, ours vs hand-written.

/// What a client benchmark needs: a single-threaded runtime (one thread to count), the server
/// process and both clients with warm connections.
pub struct Calls {
    runtime: tokio::runtime::Runtime,
    _server: ServerProcess,
    ours: nrfcloud::Client,
    hand: common::Hand,
    id: String,
}

fn calls_setup() -> Calls {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let server = ServerProcess::start();
    let base = server.base_url(100);
    let ours = common::ours(&base, common::API_KEY).expect("our client");
    let hand = common::Hand::new(&base, common::API_KEY).expect("the hand-written client");
    let id = common::device_id(0);
    runtime.block_on(async {
        for _ in 0..3 {
            common::ours_fetch_device(&ours, &id)
                .await
                .expect("FetchDevice (ours)");
            hand.fetch_device(&id)
                .await
                .expect("FetchDevice (hand-written)");
            let page = common::ours_list_page(&ours)
                .await
                .expect("ListDevices (ours)");
            assert_eq!(page.items.len(), 100);
            let page = hand.list_page(None).await.expect("ListDevices (hand)");
            assert_eq!(page.items.len(), 100);
        }
    });
    Calls {
        runtime,
        _server: server,
        ours,
        hand,
        id,
    }
}

// The state is returned, so that tearing it down is not counted.

#[library_benchmark]
#[bench::ours(setup = calls_setup)]
fn fetch_device_ours(c: Calls) -> Calls {
    c.runtime.block_on(async {
        for _ in 0..CALLS {
            black_box(common::ours_fetch_device(&c.ours, &c.id).await.ok());
        }
    });
    c
}

#[library_benchmark]
#[bench::hand(setup = calls_setup)]
fn fetch_device_hand(c: Calls) -> Calls {
    c.runtime.block_on(async {
        for _ in 0..CALLS {
            black_box(c.hand.fetch_device(&c.id).await.ok());
        }
    });
    c
}

#[library_benchmark]
#[bench::ours(setup = calls_setup)]
fn list_page_ours(c: Calls) -> Calls {
    c.runtime.block_on(async {
        for _ in 0..PAGES {
            black_box(common::ours_list_page(&c.ours).await.ok());
        }
    });
    c
}

#[library_benchmark]
#[bench::hand(setup = calls_setup)]
fn list_page_hand(c: Calls) -> Calls {
    c.runtime.block_on(async {
        for _ in 0..PAGES {
            black_box(c.hand.list_page(None).await.ok());
        }
    });
    c
}

library_benchmark_group!(
    name = client;
    benchmarks = fetch_device_ours, fetch_device_hand, list_page_ours, list_page_hand
);

// ---------------------------------------------------------------------------------------------
// Decoding.

fn device_bytes() -> Vec<u8> {
    common::device_json(&common::device_id(0)).into_bytes()
}

fn page_bytes() -> Vec<u8> {
    common::page_json(100, 0, 100).into_bytes()
}

/// Decodes `bytes` `n` times with `decode`: the generated calls' response decoder
/// (`hooks::decode_body`) for ours, `serde_json::from_slice` for the hand-written structs.
fn decode<T>(decode: fn(&[u8]) -> serde_json::Result<T>, bytes: &[u8], n: usize) {
    for _ in 0..n {
        black_box(decode(black_box(bytes)).ok());
    }
}

use nrfcloud::api::hooks::decode_body;

/// `serde_json::from_slice`, for the hand-written structs (a `fn` pointer for any input).
fn from_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(bytes)
}

#[library_benchmark]
#[bench::ours(setup = device_bytes)]
fn decode_device_ours(bytes: Vec<u8>) -> Vec<u8> {
    decode(
        decode_body::<nrfcloud::types::FetchDeviceResponse>,
        &bytes,
        DECODES,
    );
    bytes
}

#[library_benchmark]
#[bench::hand(setup = device_bytes)]
fn decode_device_hand(bytes: Vec<u8>) -> Vec<u8> {
    decode(from_slice::<common::HandDevice>, &bytes, DECODES);
    bytes
}

#[library_benchmark]
#[bench::ours(setup = page_bytes)]
fn decode_page_ours(bytes: Vec<u8>) -> Vec<u8> {
    decode(
        decode_body::<nrfcloud::types::ListDevicesResponse>,
        &bytes,
        1,
    );
    bytes
}

#[library_benchmark]
#[bench::hand(setup = page_bytes)]
fn decode_page_hand(bytes: Vec<u8>) -> Vec<u8> {
    decode(from_slice::<common::HandPage>, &bytes, 1);
    bytes
}

library_benchmark_group!(
    name = decoding;
    benchmarks = decode_device_ours, decode_device_hand, decode_page_ours, decode_page_hand
);

// ---------------------------------------------------------------------------------------------
// JWT, transform, onboarding CSV.

fn device_key() -> nrfcloud::DeviceKey {
    let key = nrfcloud::DeviceKey::from_pem(common::device_id(0), &common::device_key_pem())
        .expect("the bench key");
    // The first token is minted here, so the measured calls read the cache.
    black_box(
        nrfcloud::testing::token_at(&key, &nrfcloud::runtime::SystemTimeSource)
            .expect("the bench key signs"),
    );
    key
}

#[library_benchmark]
#[bench::cached(setup = device_key)]
fn jwt_cached(key: nrfcloud::DeviceKey) -> nrfcloud::DeviceKey {
    for _ in 0..TOKENS {
        black_box(
            nrfcloud::testing::token_at(&key, &nrfcloud::runtime::SystemTimeSource)
                .expect("the bench key signs"),
        );
    }
    key
}

/// A key that has minted nothing yet.
fn fresh_device_key() -> nrfcloud::DeviceKey {
    nrfcloud::DeviceKey::from_pem(common::device_id(0), &common::device_key_pem())
        .expect("the bench key")
}

#[library_benchmark]
#[bench::minted(setup = fresh_device_key)]
fn jwt_minted(key: nrfcloud::DeviceKey) -> nrfcloud::DeviceKey {
    // Every reading two hours later: every call mints.
    let clock = common::AdvancingClock::default();
    for _ in 0..TOKENS {
        black_box(nrfcloud::testing::token_at(&key, &clock).expect("the bench key signs"));
    }
    key
}

fn transform_input() -> (nrfcloud::Transform, Value) {
    let transform = nrfcloud::Transform::new(common::TRANSFORM).expect("the transform");
    let doc = serde_json::from_str(&common::device_json(&common::device_id(0))).expect("a device");
    (transform, doc)
}

#[library_benchmark]
#[bench::local(setup = transform_input)]
fn transform_local(input: (nrfcloud::Transform, Value)) -> (nrfcloud::Transform, Value) {
    let (transform, doc) = &input;
    for _ in 0..EVALUATIONS {
        black_box(transform.evaluate(black_box(doc)).ok());
    }
    input
}

#[library_benchmark]
#[bench::direct(setup = transform_input)]
fn transform_direct(input: (nrfcloud::Transform, Value)) -> (nrfcloud::Transform, Value) {
    let (_, doc) = &input;
    for _ in 0..EVALUATIONS {
        let doc = black_box(doc);
        let mut out = serde_json::Map::new();
        for key in ["id", "type"] {
            if let Some(v) = doc.get(key) {
                out.insert(key.to_string(), v.clone());
            }
        }
        black_box(Value::Object(out));
    }
    input
}

fn chunk_rows() -> Vec<nrfcloud::onboarding::OnboardingRow> {
    common::onboarding_rows(CHUNK_ROWS)
}

#[library_benchmark]
#[bench::ours(setup = chunk_rows)]
fn onboarding_chunk_ours(
    rows: Vec<nrfcloud::onboarding::OnboardingRow>,
) -> Vec<nrfcloud::onboarding::OnboardingRow> {
    black_box(nrfcloud::onboarding::onboarding_csv(&rows).ok());
    rows
}

fn plain_rows() -> Vec<[String; 5]> {
    let pem =
        nrfcloud_mock::test_support::KeyPair::from_seed(b"nrfcloud-bench-fleet").public_key_pem();
    (0..CHUNK_ROWS)
        .map(|i| {
            [
                common::device_id(i),
                String::new(),
                "warehouse-east".to_string(),
                "APP|MODEM".to_string(),
                pem.clone(),
            ]
        })
        .collect()
}

#[library_benchmark]
#[bench::plain(setup = plain_rows)]
fn onboarding_chunk_plain(rows: Vec<[String; 5]>) -> Vec<[String; 5]> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for r in &rows {
        let _ = w.write_record(r);
    }
    black_box(w.into_inner().ok());
    rows
}

library_benchmark_group!(
    name = local;
    benchmarks = jwt_cached, jwt_minted, transform_local, transform_direct,
        onboarding_chunk_ours, onboarding_chunk_plain
);

// ---------------------------------------------------------------------------------------------
// The codegen step.

fn spec_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/openapi.json"
    ))
    .expect("spec/openapi.json")
}

#[library_benchmark]
#[bench::generate(setup = spec_text)]
fn codegen(text: String) -> String {
    black_box(nrfcloud_codegen::generate(&text).ok());
    text
}

library_benchmark_group!(name = build; benchmarks = codegen);

/// glibc's malloc without fastbins, for every row. With them, a free of a small block is
/// deferred to the next large allocation (`malloc_consolidate`), and how much is waiting then
/// depends on how the server's answers met the client's polls: the same run of either client
/// counted 3 to 4 % more or less from one run to the next. Without them each free does its
/// own work, and both clients' counts repeat to within 0.1 %. Both clients run under the same
/// setting; the tunable changes no code, only when glibc coalesces free blocks.
const ALLOCATOR_TUNABLES: &str = "glibc.malloc.mxfast=0";

main!(
    config = LibraryBenchmarkConfig::default().env("GLIBC_TUNABLES", ALLOCATOR_TUNABLES);
    library_benchmark_groups = client, decoding, local, build
);
