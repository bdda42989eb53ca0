//! The `build` group: build timings, in their own target directory.

use super::*;

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs cargo in the workspace with the bench target directory; output and wall time.
fn run_cargo(args: &[&str], target_dir: &Path) -> Result<(String, f64), String> {
    let t = Instant::now();
    let output = Command::new(cargo())
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(crate::workspace_root())
        .output()
        .map_err(err)?;
    let elapsed = t.elapsed().as_secs_f64();
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        return Err(format!(
            "cargo {} failed: {}",
            args.join(" "),
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    Ok((text, elapsed))
}

/// Builds `bin` of `package` in this program's profile (release or debug) in the workspace's
/// target directory, and returns the binary's path.
pub(super) fn build_binary(package: &str, bin: &str) -> Result<PathBuf, String> {
    let release = !cfg!(debug_assertions);
    let mut args = vec!["build", "-p", package, "--bin", bin];
    if release {
        args.push("--release");
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    run_cargo(&args, &target_dir)?;
    let binary = target_dir
        .join(if release { "release" } else { "debug" })
        .join(bin);
    binary
        .is_file()
        .then_some(binary.clone())
        .ok_or_else(|| format!("no {bin} binary at {}", binary.display()))
}

/// `generated in T ms` of build.rs's line `nrfcloud-codegen: N operations, L lines, generated in T ms`.
pub(super) fn codegen_line(output: &str) -> Option<(String, f64)> {
    let line = output
        .lines()
        .find(|l| l.contains("nrfcloud-codegen: ") && l.contains("generated in"))?;
    let start = line.find("nrfcloud-codegen: ")? + "nrfcloud-codegen: ".len();
    let what = line.get(start..)?.trim().to_string();
    let ms: f64 = what
        .rsplit_once("generated in ")?
        .1
        .trim_end_matches(" ms")
        .trim()
        .parse()
        .ok()?;
    Some((what, ms / 1e3))
}

/// What a user pays: `.ci/package-build` (the one place that builds a user's crate from the
/// packages, as CI does) in a fresh target directory; its printed cold build becomes a row.
fn dependent_crate(rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    const COLD: &str = "build: cold build of a new binary crate depending only on `nrfcloud`, from the packages (dev profile, registry crates cached)";
    let target = std::env::temp_dir().join(format!("nrfcloud-bench-user-{}", std::process::id()));
    let output = Command::new("bash")
        .arg(".ci/package-build")
        .env("PACKAGE_TARGET_DIR", &target)
        .current_dir(crate::workspace_root())
        .output();
    let _ = std::fs::remove_dir_all(&target);
    let output = match output {
        Ok(o) => o,
        Err(e) => return rows.push(Row::failed(COLD, Target::Info, err(e))),
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        return rows.push(Row::failed(COLD, Target::Info, err(tail.join(" / "))));
    }
    // `cold build of a crate depending on nrfcloud: 112.0 s, 134 crates, target 1.0G, binary 92M`
    let Some(line) = text
        .lines()
        .find_map(|l| l.strip_prefix("cold build of a crate depending on nrfcloud: "))
    else {
        return rows.push(Row::failed(
            COLD,
            Target::Info,
            "no cold-build line printed",
        ));
    };
    let mut parts = line.split(", ");
    let secs = parts
        .next()
        .and_then(|s| s.strip_suffix(" s"))
        .and_then(|s| s.parse::<f64>().ok());
    match secs {
        Some(secs) => {
            rows.push(Row::new(COLD, format_secs(secs), "—".into(), None));
            notes.push(format!(
                "Cold build of a user's crate (`.ci/package-build`): {}; a rebuild after an edit \
                 of the user's code reran no build script (the script fails otherwise).",
                parts.collect::<Vec<_>>().join(", ")
            ));
        }
        None => rows.push(Row::failed(
            COLD,
            Target::Info,
            format!("unreadable: {line}"),
        )),
    }
}

pub(super) fn build(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    dependent_crate(rows, notes);
    // The generation step in-process (this binary's profile).
    const INPROCESS: &str =
        "build: generation step in-process (`nrfcloud_codegen::generate`, this binary's profile)";
    let spec = crate::workspace_root().join("spec").join("openapi.json");
    match std::fs::read_to_string(&spec) {
        Ok(text) => {
            let mut times = Vec::new();
            let mut failure = None;
            for _ in 0..rounds.noop_builds {
                let t = Instant::now();
                match nrfcloud_codegen::generate(&text) {
                    Ok(g) => {
                        std::hint::black_box(g);
                        times.push(t.elapsed().as_secs_f64());
                    }
                    Err(e) => {
                        failure = Some(err(e));
                        break;
                    }
                }
            }
            rows.push(match failure {
                None => Row::new(INPROCESS, format_secs(median(times)), "—".into(), None),
                Some(e) => Row::failed(INPROCESS, Target::Info, e),
            });
        }
        Err(e) => rows.push(Row::failed(INPROCESS, Target::Info, err(e))),
    }

    const GENERATION: &str = "build: build.rs generation step (dev profile, as printed with -vv)";
    const CLEAN: &str =
        "build: clean build of the raw crate `nrfcloud-api` (dev profile, dependencies built)";
    const NOOP: &str = "build: no-op rebuild of `nrfcloud-api` (dev profile)";
    let target_dir = crate::workspace_root().join("target").join("bench-build");
    let fail_all = |rows: &mut Vec<Row>, e: String| {
        for name in [GENERATION, CLEAN, NOOP] {
            rows.push(Row::failed(name, Target::Info, e.clone()));
        }
    };
    // Dependencies once (untimed), then the crate from clean.
    let warm = match run_cargo(&["build", "-p", "nrfcloud-api"], &target_dir) {
        Ok((_, s)) => s,
        Err(e) => return fail_all(rows, e),
    };
    if let Err(e) = run_cargo(&["clean", "-p", "nrfcloud-api"], &target_dir) {
        return fail_all(rows, e);
    }
    let clean = match run_cargo(&["build", "-p", "nrfcloud-api", "-vv"], &target_dir) {
        Ok(r) => r,
        Err(e) => return fail_all(rows, e),
    };
    match codegen_line(&clean.0) {
        Some((what, secs)) => {
            rows.push(Row::new(GENERATION, format_secs(secs), "—".into(), None));
            notes.push(format!("build.rs: {what}."));
        }
        None => rows.push(Row::failed(
            GENERATION,
            Target::Info,
            "no `nrfcloud-codegen: … generated in T ms` line in the -vv output",
        )),
    }
    rows.push(Row::new(CLEAN, format_secs(clean.1), "—".into(), None));
    let mut noops = Vec::new();
    for _ in 0..rounds.noop_builds {
        match run_cargo(&["build", "-p", "nrfcloud-api"], &target_dir) {
            Ok((_, s)) => noops.push(s),
            Err(e) => {
                rows.push(Row::failed(NOOP, Target::Info, e));
                return;
            }
        }
    }
    rows.push(Row::new(NOOP, format_secs(median(noops)), "—".into(), None));
    notes.push(format!(
        "Build timings use `--target-dir target/bench-build` (first step there, dependencies \
         included and untimed, took {}); the clean build is `cargo clean -p nrfcloud-api` then \
         `cargo build -p nrfcloud-api -vv`: compiling and running build.rs, and compiling the \
         generated code.",
        format_secs(warm)
    ));
}
