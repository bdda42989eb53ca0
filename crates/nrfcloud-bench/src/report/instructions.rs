//! The `instructions` group: instruction counts under callgrind (gungraun), from
//! `cargo bench -p nrfcloud-bench --bench instructions`. They do not move with the machine's load,
//! so `--check` gates on their ratios; the wall-clock rows stay a report.
//!
//! The bench (crates/nrfcloud/benches/instructions.rs) prints one JSON summary per benchmark
//! (`--output-format=json`); each row here pairs two of them, divides each count by the
//! repetitions of its measured function, and shows the ratio.

use super::*;

/// One row: the two benchmarks (`function_name`), the repetitions in each measured run, the
/// target.
struct Pair {
    name: &'static str,
    ours: &'static str,
    baseline: Option<&'static str>,
    /// Repetitions inside the measured function (the bench's constants).
    per: f64,
    target: Target,
}

/// The bench's repetitions (crates/nrfcloud/benches/instructions.rs: CALLS, PAGES, DECODES,
/// TOKENS, EVALUATIONS).
const CALLS: f64 = 20.0;
const PAGES: f64 = 5.0;
const DECODES: f64 = 20.0;
const TOKENS: f64 = 10.0;
const EVALUATIONS: f64 = 100.0;

/// The gates of the two client rows, at the issue's goals: FetchDevice 1.02 and a page of
/// 100 1.01. On 2026-12-05 they measured 1.017 and 1.003. The bench runs without glibc's
/// fastbins (`ALLOCATOR_TUNABLES` in the bench), under which both clients' counts repeat to
/// within 0.1 % from run to run; with them, FetchDevice's moved by 3 to 4 % (deferred
/// `malloc_consolidate` work that depends on timing). docs/benchmarks.md attributes what is
/// left of the difference with a profile.
const FETCH_CEILING: f64 = 1.02;
const PAGE_CEILING: f64 = 1.01;

const PAIRS: &[Pair] = &[
    Pair {
        name: "FetchDevice (5.5 kB device with shadow), client side, per call (issue goal ≤ 1.02, gated)",
        ours: "fetch_device_ours",
        baseline: Some("fetch_device_hand"),
        per: CALLS,
        target: Target::AtMost(FETCH_CEILING),
    },
    Pair {
        name: "ListDevices, one page of 100, client side, per call (issue goal ≤ 1.01, gated)",
        ours: "list_page_ours",
        baseline: Some("list_page_hand"),
        per: PAGES,
        target: Target::AtMost(PAGE_CEILING),
    },
    Pair {
        name: "↳ decode only: the device document, generated type vs hand-written struct",
        ours: "decode_device_ours",
        baseline: Some("decode_device_hand"),
        per: DECODES,
        target: Target::Info,
    },
    Pair {
        name: "↳ decode only: the page of 100, generated type vs hand-written struct",
        ours: "decode_page_ours",
        baseline: Some("decode_page_hand"),
        per: 1.0,
        target: Target::Info,
    },
    Pair {
        name: "JWT: cached device token vs minting (ES256), per token",
        ours: "jwt_cached",
        baseline: Some("jwt_minted"),
        per: TOKENS,
        target: Target::Info,
    },
    Pair {
        name: "`Transform` `{ \"id\": id, \"type\": type }` on one device vs reading the two fields",
        ours: "transform_local",
        baseline: Some("transform_direct"),
        per: EVALUATIONS,
        target: Target::Info,
    },
    Pair {
        name: "one onboarding CSV chunk (1,000 rows): checked and written vs the csv crate alone",
        ours: "onboarding_chunk_ours",
        baseline: Some("onboarding_chunk_plain"),
        per: 1.0,
        target: Target::Info,
    },
    Pair {
        name: "codegen: `nrfcloud_codegen::generate` over spec/openapi.json, in-process",
        ours: "codegen",
        baseline: None,
        per: 1.0,
        target: Target::Info,
    },
];

/// `function_name` → instructions (`Ir`) of one summary line of gungraun's JSON output.
pub(super) fn parse_summary(line: &str) -> Option<(String, u64)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let name = v.get("function_name")?.as_str()?.to_string();
    let ir = v
        .pointer("/profiles/0/data/total/metrics/Ir/values/new")?
        .as_u64()?;
    Some((name, ir))
}

/// A count in thousands or millions of instructions.
pub(super) fn format_instructions(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.3} G instr", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.2} M instr", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} k instr", n / 1e3)
    } else {
        format!("{n:.0} instr")
    }
}

pub(super) fn instructions(rows: &mut Vec<Row>, notes: &mut Vec<String>, quick: bool) {
    let fail_all = |rows: &mut Vec<Row>, why: String| {
        for p in PAIRS {
            rows.push(Row::failed(p.name, p.target, &why).kind(Kind::Instructions));
        }
    };
    // --quick leaves out the codegen step (about 2 minutes under callgrind).
    let mut args = vec![
        "bench",
        "-p",
        "nrfcloud-bench",
        "--bench",
        "instructions",
        "--",
        "--output-format=json",
    ];
    if quick {
        args.push("instructions::[cdl]*");
    }
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(&args)
        .current_dir(crate::workspace_root())
        .stderr(std::process::Stdio::inherit())
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return fail_all(
                rows,
                format!(
                    "cargo {} exited with {} (valgrind and gungraun-runner 0.20.0 installed?)",
                    args.join(" "),
                    o.status
                ),
            );
        }
        Err(e) => return fail_all(rows, err(e)),
    };
    let counts: std::collections::BTreeMap<String, u64> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(parse_summary)
        .collect();
    for p in PAIRS {
        let ours = counts.get(p.ours).map(|&n| n as f64 / p.per);
        let row = match (ours, p.baseline) {
            (None, _) if quick && p.baseline.is_none() => {
                Row::skipped(p.name, p.target, "--quick").kind(Kind::Instructions)
            }
            (None, _) => Row::failed(p.name, p.target, format!("no count for {}", p.ours))
                .kind(Kind::Instructions),
            (Some(o), None) => Row::new(p.name, format_instructions(o), "—".into(), None)
                .target(p.target)
                .kind(Kind::Instructions),
            (Some(o), Some(b)) => match counts.get(b).map(|&n| n as f64 / p.per) {
                Some(b) => Row::new(
                    p.name,
                    format_instructions(o),
                    format_instructions(b),
                    Some(o / b),
                )
                .target(p.target)
                .kind(Kind::Instructions),
                None => Row::failed(p.name, p.target, format!("no count for {b}"))
                    .kind(Kind::Instructions),
            },
        };
        rows.push(row);
    }
    notes.push(
        "Instruction rows: callgrind (valgrind) through gungraun, `cargo bench -p nrfcloud-bench --bench \
         instructions`, with glibc's fastbins off for both sides (`GLIBC_TUNABLES=glibc.malloc.mxfast=0`: deferred frees otherwise move a client's count by 3 to 4 % with timing); one run each (the client counts repeat to within about 0.1 % between runs; the decode and local counts to within a few hundred instructions); \
         the client rows run on a single-threaded runtime with warm connections, the server in \
         a child process outside valgrind, so only the client's side is counted."
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_line_gives_the_function_and_its_instructions() {
        let line = r#"{"function_name":"fetch_device_ours","id":"ours","profiles":[{"data":{"total":{"metrics":{"Ir":{"values":{"new":5033363}}}}}}]}"#;
        assert_eq!(
            parse_summary(line),
            Some(("fetch_device_ours".to_string(), 5_033_363))
        );
        assert_eq!(parse_summary("not json"), None);
        assert_eq!(format_instructions(251_668.0), "251.7 k instr");
        assert_eq!(format_instructions(4.5e9), "4.500 G instr");
    }
}
