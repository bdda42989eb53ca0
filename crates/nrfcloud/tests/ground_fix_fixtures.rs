//! Conformance of the generated ground-fix body with the shared location-services fixtures
//! (request bodies of `POST /v1/location/ground-fix` captured upstream): each body, read with
//! serde into `types::GetLocationFromCellsOrWifiNetworksBody` and sent through the client,
//! reaches a recording server as the same JSON document — same keys, same values, and every
//! number written the same way (`63.42` stays `63.42`, `-97` stays an integer), compared as
//! text too. The codegen's ground-fix fixups are what make this hold.
//!
//! Ignored by default; CI runs it with
//! `cargo test -p nrfcloud --test ground_fix_fixtures -- --ignored`. The fixtures are read
//! from `$NRFCLOUD_SHARED/fixtures/location-services` (default: `../shared` beside the
//! workspace). A missing directory or file fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nrfcloud::ground_fix::{GroundFixOptions, access_point, lte_cell, neighbour_cell};
use nrfcloud::{Client, types};
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::{Value, json};

/// The request bodies the fixtures README documents.
const DOCUMENTED: [&str; 9] = [
    "mcellpayload1.json",
    "mcellpayload2.json",
    "mcellpayload3.json",
    "mcellpayload4.json",
    "mcellpayload5.json",
    "scellpayload1.json",
    "wifipayload1.json",
    "wifipayload2.json",
    "combined-lte-wifi.json",
];

fn fixtures_dir() -> PathBuf {
    nrfcloud_testkit::shared_dir("fixtures/location-services")
}

fn read(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("ground-fix fixtures: cannot read {}: {e}", path.display()))
}

/// Every number of a JSON text, by its path (`lte[0].nmr[1].rsrq`), as written.
fn number_texts(text: &str) -> BTreeMap<String, String> {
    struct Scan<'a> {
        s: &'a [u8],
        i: usize,
        out: BTreeMap<String, String>,
    }
    impl Scan<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn peek(&mut self) -> u8 {
            self.ws();
            *self.s.get(self.i).expect("JSON ends early")
        }
        fn eat(&mut self, c: u8) {
            assert_eq!(self.peek(), c, "at byte {}", self.i);
            self.i += 1;
        }
        fn string(&mut self) -> String {
            self.eat(b'"');
            let start = self.i;
            while self.s[self.i] != b'"' {
                self.i += if self.s[self.i] == b'\\' { 2 } else { 1 };
            }
            self.i += 1;
            String::from_utf8_lossy(&self.s[start..self.i - 1]).into_owned()
        }
        fn value(&mut self, path: &str) {
            match self.peek() {
                b'{' => {
                    self.i += 1;
                    if self.peek() == b'}' {
                        self.i += 1;
                        return;
                    }
                    loop {
                        let key = self.string();
                        self.eat(b':');
                        let child = if path.is_empty() {
                            key
                        } else {
                            format!("{path}.{key}")
                        };
                        self.value(&child);
                        match self.peek() {
                            b',' => self.i += 1,
                            _ => return self.eat(b'}'),
                        }
                    }
                }
                b'[' => {
                    self.i += 1;
                    if self.peek() == b']' {
                        self.i += 1;
                        return;
                    }
                    for n in 0.. {
                        self.value(&format!("{path}[{n}]"));
                        match self.peek() {
                            b',' => self.i += 1,
                            _ => return self.eat(b']'),
                        }
                    }
                }
                b'"' => {
                    self.string();
                }
                b't' | b'f' | b'n' => {
                    while self.i < self.s.len() && self.s[self.i].is_ascii_alphabetic() {
                        self.i += 1;
                    }
                }
                _ => {
                    let start = self.i;
                    while self.i < self.s.len() && b"+-.eE0123456789".contains(&self.s[self.i]) {
                        self.i += 1;
                    }
                    let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                    assert!(!text.is_empty(), "unexpected byte at {start}");
                    self.out.insert(path.to_owned(), text);
                }
            }
        }
    }
    let mut scan = Scan {
        s: text.as_bytes(),
        i: 0,
        out: BTreeMap::new(),
    };
    scan.value("");
    scan.ws();
    assert_eq!(scan.i, text.len(), "trailing bytes after the JSON document");
    scan.out
}

type Body = types::GetLocationFromCellsOrWifiNetworksBody;

fn summary(fix: &Body) -> String {
    let (cells, wifi) = match fix {
        Body::CurrentForm(f) => (
            vec![
                ("lte", f.lte.clone().unwrap_or_default()),
                (
                    "ltecatm",
                    f.ltecatm.iter().flatten().map(|c| c.0.clone()).collect(),
                ),
                (
                    "nbiot",
                    f.nbiot.iter().flatten().map(|c| c.0.clone()).collect(),
                ),
            ],
            ("wifi[]", f.wifi.as_ref().map_or(0, Vec::len)),
        ),
        Body::OlderForm(f) => (
            vec![("lte", f.lte.clone().unwrap_or_default())],
            (
                "wifi.accessPoints[]",
                f.wifi.as_ref().map_or(0, |w| w.access_points.len()),
            ),
        ),
    };
    let mut parts = Vec::new();
    for (key, cells) in cells {
        if !cells.is_empty() {
            let nmr: Vec<String> = cells
                .iter()
                .map(|c| match &c.nmr {
                    Some(n) => n.len().to_string(),
                    None => "-".into(),
                })
                .collect();
            parts.push(format!("{key} × {} (nmr {})", cells.len(), nmr.join(",")));
        }
    }
    if wifi.1 > 0 {
        parts.push(format!("{} × {}", wifi.0, wifi.1));
    }
    parts.join(", ")
}

/// Sends `fix` and checks that the recorded body is the JSON document `text`.
async fn check_on_the_wire(
    server: &Recorder,
    client: &Client,
    name: &str,
    text: &str,
    fix: &Body,
) -> (usize, usize) {
    let expected: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
    nrfcloud::ground_fix::validate(fix)
        .unwrap_or_else(|e| panic!("{name}: the validation refuses it: {e}"));
    let before = server.count();
    let location = client
        .location()
        .ground_fix(fix.clone(), &GroundFixOptions::new())
        .await
        .unwrap_or_else(|e| panic!("{name}: the call fails: {e}"));
    assert_eq!(location.uncertainty.0, 440, "{name}: the scripted answer");
    assert_eq!(server.count(), before + 1, "{name}: one request");
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.query.as_deref()),
        ("POST", "/v1/location/ground-fix", None),
        "{name}"
    );
    assert_eq!(r.header("content-type"), "application/json", "{name}");
    assert_eq!(
        r.header("authorization"),
        "Bearer fixture.test.jwt",
        "{name}"
    );
    let wire_text = std::str::from_utf8(&r.body)
        .unwrap_or_else(|e| panic!("{name}: the body is not UTF-8: {e}"));
    let wire: Value = serde_json::from_str(wire_text)
        .unwrap_or_else(|e| panic!("{name}: the body is not JSON: {e}: {wire_text}"));
    assert_eq!(
        wire, expected,
        "{name}: a different JSON document went on the wire"
    );
    let want = number_texts(text);
    let got = number_texts(wire_text);
    assert_eq!(got, want, "{name}: numbers written differently");
    (want.len(), r.body.len())
}

#[tokio::test]
#[ignore = "needs ../shared/fixtures/location-services; CI runs it with --ignored"]
async fn shared_ground_fix_fixtures_go_on_the_wire_unchanged() {
    let dir = fixtures_dir();
    println!(
        "ground-fix fixtures in {}",
        dir.canonicalize().unwrap_or_else(|_| dir.clone()).display()
    );
    let server = Recorder::start().await;
    server.reply(Reply::json(
        200,
        json!({"lat": 63.42557256, "lon": 10.43830085, "uncertainty": 440, "fulfilledWith": "MCELL"}),
    ));
    let client = Client::builder()
        .base_url(&server.base)
        .jwt("fixture.test.jwt")
        .build()
        .unwrap();

    let mut names: Vec<String> = DOCUMENTED.iter().map(|s| (*s).to_owned()).collect();
    let others: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json") && !DOCUMENTED.contains(&n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        println!("note: also checking undocumented request bodies {others:?}");
    }
    names.extend(others);
    names.sort();

    let mut texts = BTreeMap::new();
    for name in &names {
        let text = read(&dir, name);
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        let fix: Body = serde_json::from_value(value)
            .unwrap_or_else(|e| panic!("{name}: cannot be read into the generated type: {e}"));
        let (numbers, bytes) = check_on_the_wire(&server, &client, name, &text, &fix).await;
        println!(
            "ok  {name}  {}  same JSON document, {numbers} numbers written the same; \
             {bytes} B on the wire ({} B in the file)",
            summary(&fix),
            text.len()
        );
        texts.insert(name.clone(), text);
    }

    // Two of them built by hand from the generated types: the same documents again.
    let mut cell = lte_cell(242, 2, 2305, 33703712);
    cell.earfcn = Some(6300);
    cell.adv = Some(65535.into());
    cell.rsrp = Some((-97).into());
    cell.rsrq = Some((-9).into());
    let mut neighbour = neighbour_cell(6300, 426);
    neighbour.rsrp = Some((-104).into());
    neighbour.rsrq = Some((-18).into());
    cell.nmr = Some(vec![neighbour]);
    let typed = types::GroundFixCurrentForm {
        lte: Some(vec![cell]),
        ..Default::default()
    }
    .into();
    let (numbers, _) = check_on_the_wire(
        &server,
        &client,
        "mcellpayload2.json (typed)",
        &texts["mcellpayload2.json"],
        &typed,
    )
    .await;
    println!(
        "ok  mcellpayload2.json  rebuilt with lte_cell/neighbour_cell: same document, {numbers} numbers"
    );
    let typed = types::GroundFixOlderForm {
        lte: None,
        wifi: Some(types::GroundFixOlderFormWifi {
            access_points: vec![
                access_point("40:01:7a:c9:10:22"),
                access_point("80:e0:1d:2a:92:f2"),
            ],
        }),
    }
    .into();
    check_on_the_wire(
        &server,
        &client,
        "wifipayload1.json (typed)",
        &texts["wifipayload1.json"],
        &typed,
    )
    .await;
    println!("ok  wifipayload1.json  rebuilt with access_point: same document");

    println!(
        "ground-fix fixtures: {} request bodies read into the generated type and sent through Client::ground_fix arrived as the same JSON document",
        names.len()
    );
}

#[test]
fn the_number_scanner_sees_the_written_form() {
    let n = number_texts(r#"{"a": [1, -2.50, {"b": 1e3}], "c": "9", "d": true, "e": []}"#);
    let expected: BTreeMap<String, String> = [("a[0]", "1"), ("a[1]", "-2.50"), ("a[2].b", "1e3")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(n, expected);
}
