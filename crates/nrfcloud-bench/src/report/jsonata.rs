//! The `jsonata` group: local JSONata evaluation vs jsonata-js.

use super::*;

const NODE_SCRIPT: &str = r#"// Written by `cargo xtask bench-report`: times jsonata-js over the same device documents.
const fs = require('fs');
const jsonata = require('jsonata');
const [dataPath, expression, warmups] = process.argv.slice(2);
const docs = JSON.parse(fs.readFileSync(dataPath, 'utf8'));
const expr = jsonata(expression);
async function pass() {
  let n = 0;
  for (const d of docs) {
    const r = await expr.evaluate(d);
    if (r !== undefined) n++;
  }
  return n;
}
(async () => {
  for (let i = 0; i < Number(warmups); i++) await pass();
  const t0 = process.hrtime.bigint();
  const n = await pass();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ ns, n }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"#;

fn bench_js_dir() -> PathBuf {
    crate::workspace_root().join("target").join("bench-js")
}

/// `node`, with the npm package `jsonata` in `target/bench-js` (installed when missing).
fn node_with_jsonata(dir: &Path) -> Result<String, String> {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|_| "node unavailable".to_string())?;
    if !version.status.success() {
        return Err("node unavailable".into());
    }
    let package = dir
        .join("node_modules")
        .join("jsonata")
        .join("package.json");
    if !package.exists() {
        std::fs::create_dir_all(dir).map_err(err)?;
        eprintln!(
            "bench-report: npm install --prefix {} jsonata@2",
            dir.display()
        );
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg("jsonata@2")
            .status()
            .map_err(|_| "npm unavailable".to_string())?;
        if !status.success() || !package.exists() {
            return Err("npm install jsonata@2 failed".into());
        }
    }
    let text = std::fs::read_to_string(&package).map_err(err)?;
    let jsonata_version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    Ok(format!(
        "node {}, jsonata {jsonata_version}",
        String::from_utf8_lossy(&version.stdout).trim()
    ))
}

pub(super) async fn jsonata(rows: &mut Vec<Row>, notes: &mut Vec<String>, rounds: Rounds) {
    const NAME: &str = "(d) evaluate `{ \"id\": id, \"type\": type }` over 10,000 device documents, local vs jsonata-js";
    let docs = common::device_values(STREAM_DEVICES);
    let transform = match nrfcloud::Transform::new(common::TRANSFORM) {
        Ok(t) => t,
        Err(e) => return rows.push(Row::failed(NAME, Target::Info, err(e))),
    };
    let dir = bench_js_dir();
    let versions = match node_with_jsonata(&dir) {
        Ok(v) => v,
        Err(why) => {
            return rows.push(Row::skipped(
                NAME,
                Target::Info,
                format!("node/jsonata unavailable ({why})"),
            ));
        }
    };
    let data = dir.join("devices.json");
    let script = dir.join("bench.js");
    let written = serde_json::to_string(&docs)
        .map_err(err)
        .and_then(|text| std::fs::write(&data, text).map_err(err))
        .and_then(|()| std::fs::write(&script, NODE_SCRIPT).map_err(err));
    if let Err(e) = written {
        return rows.push(Row::failed(NAME, Target::Info, e));
    }
    let local = |docs: &[serde_json::Value]| -> Result<f64, String> {
        let t = Instant::now();
        let mut n = 0;
        for d in docs {
            if !transform.evaluate(d).map_err(err)?.is_null() {
                n += 1;
            }
        }
        let elapsed = t.elapsed().as_secs_f64();
        if n != docs.len() {
            return Err(format!("{n} of {} results", docs.len()));
        }
        Ok(elapsed)
    };
    let (docs, data, script) = (&docs, &data, &script);
    let node = || async move {
        let (script, data) = (script.clone(), data.clone());
        let output = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg(script)
                .arg(data)
                .arg(common::TRANSFORM)
                .arg("2")
                .output()
        })
        .await
        .map_err(err)?
        .map_err(err)?;
        if !output.status.success() {
            return Err(format!(
                "node: {}",
                err(String::from_utf8_lossy(&output.stderr))
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(output.stdout.trim_ascii()).map_err(err)?;
        let n = v.get("n").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if n as usize != STREAM_DEVICES {
            return Err(format!("jsonata-js gave {n} results"));
        }
        let ns = v
            .get("ns")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(f64::NAN);
        Ok(ns / 1e9)
    };
    // One untimed local pass, as node's warm-up passes.
    if let Err(e) = local(docs) {
        return rows.push(Row::failed(NAME, Target::Info, e));
    }
    let result = interleaved(rounds.jsonata, || async move { local(docs) }, node).await;
    rows.push(pair_row(NAME, Target::Info, result));
    notes.push(format!(
        "(d): one evaluation per document, as the server applies a transform to each item; \
         jsonata-js ({versions}) timed inside node after 2 warm-up passes, one node process per round."
    ));
}
