//! Every operation of the committed spec is served, under /v1, with its security (as fixed up
//! by the codegen, which the client follows too).

use reqwest::Method;
use serde_json::Value;

use crate::common::{Api, fast, send};

const SPEC: &str = include_str!("../../../../spec/openapi.json");

fn sample(name: &str) -> &'static str {
    match name {
        "deviceId" => "nrf-352656100000000",
        "bulkOpsRequestId" => "01EZZJVDQJPWT7V4FWNVDHNMM5",
        "bundleId" => "APP*12345678*1.0.0",
        _ => "bc631093-7f7c-4c1b-aa63-a68c759bcd5c",
    }
}

/// The operations with the security the client sends: the document after the codegen's
/// fixups (the location history needs the API key although the document declares none).
fn operations() -> Vec<(Method, String, Vec<String>)> {
    let mut spec: Value = serde_json::from_str(SPEC).expect("spec parses");
    nrfcloud_codegen::fixups::apply_all(&mut spec).expect("fixups apply");
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let schemes: Vec<String> = op["security"]
                .as_array()
                .map(|reqs| {
                    reqs.iter()
                        .flat_map(|r| r.as_object().into_iter().flat_map(|o| o.keys().cloned()))
                        .collect()
                })
                .unwrap_or_default();
            let mut concrete = path.clone();
            for segment in path.split('/') {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    concrete = concrete.replace(segment, sample(name));
                }
            }
            out.push((method, concrete, schemes));
        }
    }
    out
}

#[tokio::test]
async fn every_operation_is_routed_and_guarded_by_its_security() {
    let api = Api::with(fast(1)).await;
    let ops = operations();
    assert!(ops.len() >= 60, "only {} operations", ops.len());
    for (method, path, schemes) in ops {
        let anonymous = send(api.req(method.clone(), &path)).await;
        assert_ne!(anonymous.status, 405, "{method} {path} is not routed");
        assert!(
            !(anonymous.status == 404 && anonymous.code() == Some(40420)),
            "{method} {path} is not routed"
        );
        if schemes.is_empty() {
            assert_ne!(
                anonymous.status, 401,
                "{method} {path} needs no credentials"
            );
        } else {
            assert_eq!(anonymous.status, 401, "{method} {path} without credentials");
            if method != Method::HEAD {
                assert_eq!(anonymous.code(), Some(40100), "{method} {path}");
            }
        }
        let with_key = send(api.key(method.clone(), &path)).await;
        if schemes.iter().any(|s| s == "Simple Token") || schemes.is_empty() {
            assert!(
                ![401, 403].contains(&with_key.status),
                "{method} {path} accepts the API key, got {}",
                with_key.status
            );
        } else {
            assert_eq!(with_key.status, 403, "{method} {path} refuses the API key");
        }
        if with_key.status >= 400 && method != Method::HEAD {
            let body = with_key.json();
            assert!(
                body["code"].is_u64() && body["message"].is_string(),
                "{method} {path}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_have_nrf_bodies() {
    let api = Api::start().await;
    let r = send(api.key(Method::GET, "/nothing-here")).await;
    assert_eq!((r.status, r.code()), (404, Some(40420)));
    let r = send(api.key(Method::DELETE, "/account")).await;
    assert_eq!(r.status, 405);
    assert!(r.code().is_some());
}

#[tokio::test]
async fn the_spec_is_served_byte_for_byte() {
    let api = Api::start().await;
    let r = send(api.req(Method::GET, "/openapi.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.bytes, SPEC.as_bytes());
}

#[tokio::test]
async fn garbage_never_breaks_the_server() {
    let api = Api::with(fast(2)).await;
    let r = send(api.key(Method::POST, "/account/service-evaluation-token")).await;
    let eval = r.json()["token"].as_str().expect("token").to_owned();
    let bodies: [&[u8]; 7] = [
        b"\xff\x00{garbage",
        b"{}",
        b"[]",
        b"\"x\"",
        b"null",
        b"{\"lat\": 1e999, \"wifi\": {\"accessPoints\": [{\"macAddress\": \"\xc3\xa9\"}]}}",
        b"deviceId\n,,,,\n\"unterminated",
    ];
    let types = ["application/json", "text/plain", "application/zip"];
    for (method, path, schemes) in operations() {
        let token = if schemes.iter().any(|s| s == "Simple Token") || schemes.is_empty() {
            api.server.api_key().to_owned()
        } else {
            eval.clone()
        };
        for body in bodies {
            for content_type in types {
                let response = api
                    .bearer(
                        method.clone(),
                        &format!("{path}?pageLimit=5&range=x&lat=a"),
                        &token,
                    )
                    .header("content-type", content_type)
                    .header("range", "bytes=a-b")
                    .header("if-match", "W/\"nope\"")
                    .body(body.to_vec())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {path} with {content_type}: {e}"));
                assert!(
                    response.status().as_u16() < 500,
                    "{method} {path}: {}",
                    response.status()
                );
            }
        }
    }
    assert_eq!(send(api.key(Method::GET, "/account")).await.status, 200);
}
