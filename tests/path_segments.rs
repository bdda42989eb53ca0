//! No path parameter can move a request to another path: `.`, `..` and the empty string are
//! refused for every path parameter of the document before anything is sent (issue #18.6),
//! and no path parameter is typed as a JSON value (#18.7).

// The BLE operations under attack are deprecated upstream.
#![allow(deprecated)]

use nrfcloud_api::{Client, hooks::Hooks};
use nrfcloud_codegen::operation_table::method_name;
use nrfcloud_testkit::{Recorder, Reply};
use serde_json::{Map, Value};

mod support;

// `send_with_path_parameters(client, method, value)`, generated from the document.
include!(concat!(env!("OUT_DIR"), "/path_probes.rs"));

const SPEC: &str = include_str!("../spec/openapi.json");

/// The document after the fixups (what the client is generated from).
fn fixed_spec() -> Value {
    let mut doc = nrfcloud_codegen::spec::parse_json(SPEC).unwrap();
    nrfcloud_codegen::fixups::apply_all(&mut doc).unwrap();
    doc
}

fn resolve<'a>(schemas: &'a Map<String, Value>, mut schema: &'a Value) -> &'a Value {
    while let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        schema = &schemas[name];
    }
    schema
}

/// A value the parameter's schema accepts.
fn valid_value(schemas: &Map<String, Value>, schema: &Value) -> String {
    support::string_matching(resolve(schemas, schema)["pattern"].as_str())
}

/// An operation with path parameters: (operationId, method name, [(parameter, schema)]).
type WithPathParameters = (String, String, Vec<(String, Value)>);

/// Every operation with path parameters.
fn path_parameters(doc: &Value) -> Vec<WithPathParameters> {
    nrfcloud_codegen::spec::operations(doc)
        .into_iter()
        .filter_map(|(path, _, op)| {
            let id = op["operationId"].as_str().unwrap().to_string();
            let params: Vec<(String, Value)> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| (p["name"].as_str().unwrap().to_string(), p["schema"].clone()))
                .collect();
            let in_template = nrfcloud_codegen::path_segments::template_parameters(path);
            assert_eq!(
                params
                    .iter()
                    .map(|(n, _)| n.clone())
                    .collect::<Vec<_>>()
                    .len(),
                in_template.len(),
                "{id}: every {{parameter}} of {path} is declared"
            );
            (!params.is_empty()).then(|| (id.clone(), method_name(&id), params))
        })
        .collect()
}

#[tokio::test]
async fn dot_and_empty_segments_are_refused_for_every_path_parameter() {
    let doc = fixed_spec();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    let server = Recorder::start().await;
    server.reply(Reply::empty(202));
    let client = Client::new(&format!("{}/v1", server.base), Hooks::default());

    let operations = path_parameters(&doc);
    assert!(operations.len() >= 40, "{} operations", operations.len());
    let mut tried = 0;
    for (id, method, params) in &operations {
        for (target, _) in params {
            for hostile in ["", ".", ".."] {
                let value = |name: &str| {
                    if name == target {
                        hostile.to_string()
                    } else {
                        let (_, schema) = params.iter().find(|(n, _)| n == name).unwrap();
                        valid_value(&schemas, schema)
                    }
                };
                let call = send_with_path_parameters(&client, method, &value)
                    .unwrap_or_else(|| panic!("{id}: no generated call with path parameters"));
                let err = call
                    .await
                    .expect_err(&format!("{id}({target} = {hostile:?})"));
                assert!(
                    err.starts_with("Invalid Request: ")
                        && (err.contains(target.as_str()) || err.contains(&method_name(target))),
                    "{id}({target} = {hostile:?}) fails on its path parameter: {err}"
                );
                tried += 1;
            }
        }
    }
    assert!(tried >= 150, "{tried} calls");
    assert_eq!(
        server.count(),
        0,
        "nothing was sent: {:?}",
        server
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn valid_path_parameters_still_go_out() {
    // The control for the test above: the same calls with valid values reach the server.
    let doc = fixed_spec();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    let server = Recorder::start().await;
    server.reply(Reply::empty(202));
    let client = Client::new(&format!("{}/v1", server.base), Hooks::default());
    let (_, method, params) = path_parameters(&doc)
        .into_iter()
        .find(|(id, _, _)| id == "FetchCharacteristicDescriptorValue")
        .unwrap();
    let value = |name: &str| {
        let (_, schema) = params.iter().find(|(n, _)| n == name).unwrap();
        valid_value(&schemas, schema)
    };
    let _ = send_with_path_parameters(&client, &method, &value)
        .unwrap()
        .await;
    assert_eq!(
        server.last().path,
        "/v1/devices/nrf-352656100000000/characteristics/nrf-352656100000000/descriptors/nrf-352656100000000"
    );
}

async fn setup() -> (Recorder, Client) {
    let server = Recorder::start().await;
    server.reply(Reply::empty(202));
    let client = Client::new(&format!("{}/v1", server.base), Hooks::default());
    (server, client)
}

#[tokio::test]
async fn delete_anchor_with_dot_dot_does_not_delete_location() {
    // Was: DELETE /v1/location/.
    let (server, client) = setup().await;
    let err = client
        .delete_anchor()
        .mac_address("..".to_string())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, progenitor_client::Error::InvalidRequest(m) if m.contains("macAddress")),
        "{err}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn add_peripheral_with_dot_dot_does_not_put_devices() {
    // Was: PUT /v1/devices/.
    let (server, client) = setup().await;
    let err = client
        .add_peripheral()
        .gateway_id("nrf-1")
        .peripheral_id("..")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, progenitor_client::Error::InvalidRequest(m) if m.contains("peripheralId")),
        "{err}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn descriptor_value_with_dot_dot_characteristic_stays_in_its_characteristic() {
    // Was: GET /v1/devices/nrf-1/descriptors/x.
    let (server, client) = setup().await;
    let err = client
        .fetch_characteristic_descriptor_value()
        .device_id("nrf-1")
        .characteristic_id("..")
        .descriptor_id("x")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, progenitor_client::Error::InvalidRequest(m) if m.contains("characteristicId")),
        "{err}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn backslashes_stay_inside_their_segment() {
    let (server, client) = setup().await;
    client
        .fetch_characteristic_descriptor_value()
        .device_id("nrf-1")
        .characteristic_id("x\\..\\..")
        .descriptor_id("d")
        .send()
        .await
        .ok();
    assert_eq!(
        server.last().path,
        "/v1/devices/nrf-1/characteristics/x%5C..%5C../descriptors/d"
    );
}

#[test]
fn no_path_parameter_is_a_json_value() {
    // The generated setters of every path parameter, read off the committed surface: none
    // takes a `serde_json::Value` (DeleteFirmware's untyped bundleId did).
    let doc = fixed_spec();
    for (id, method, params) in path_parameters(&doc) {
        let line = nrfcloud_api::GENERATED_SURFACE
            .lines()
            .find(|l| l.starts_with(&format!("{method} ")))
            .unwrap_or_else(|| panic!("{id} in the surface"));
        for (name, _) in params {
            let setter = format!("{}: ", method_name(&name));
            let at = line
                .find(&setter)
                .unwrap_or_else(|| panic!("{id}: setter for {name} in {line}"));
            let ty = line[at + setter.len()..].split([',', ')']).next().unwrap();
            assert!(
                ty == "String" || ty.starts_with("types::"),
                "{id}: path parameter {name} is typed {ty}"
            );
        }
    }
}
