//! Secrets never print through `Debug` (issue #18.10): every generated type the codegen's
//! secrets rule marks is decoded from a document with recognisable secret values, and its
//! `Debug` (and its builder's) must show none of them. The rule must find the known ones.

use nrfcloud_api::operations::by_id;
use nrfcloud_api::redact::{SECRET_FIELDS, SECRET_TYPES};
use serde_json::{Map, Value, json};

mod support;

// `debug_texts(type, json)` and `schema_of(type)`, generated for the marked types.
include!(concat!(env!("OUT_DIR"), "/secret_probes.rs"));

/// A secret value nobody could mistake: a PEM key whose body names the property.
fn canary(property: &str) -> String {
    format!("-----BEGIN EC PRIVATE KEY-----\nSECRET-{property}\n-----END EC PRIVATE KEY-----")
}

/// A value of `schema` (a schemars schema with `definitions`): required properties only,
/// the `secrets` properties set to their canary.
fn sample(schema: &Value, definitions: &Map<String, Value>, secrets: &[&str]) -> Value {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/definitions/"))
    {
        return sample(&definitions[name], definitions, secrets);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|v| v.first()) {
        return first.clone();
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = schema[key].as_array().and_then(|v| v.first()) {
            return sample(first, definitions, secrets);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts
            .iter()
            .find_map(|t| t.as_str().filter(|t| *t != "null"))
            .unwrap(),
        _ => "string",
    };
    match ty {
        "object" => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut out = Map::new();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                if secrets.contains(&name.as_str()) {
                    out.insert(name.clone(), Value::String(canary(name)));
                } else if required.contains(&name.as_str()) {
                    out.insert(name.clone(), sample(prop, definitions, secrets));
                }
            }
            Value::Object(out)
        }
        "string" if schema["format"] == "date-time" => json!("2024-01-02T03:04:05Z"),
        "string" => json!(support::string_matching(schema["pattern"].as_str())),
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "array" => json!([]),
        other => panic!("no sample for type {other}"),
    }
}

fn assert_redacted(name: &str, texts: &[String]) {
    for text in texts {
        assert!(!text.contains("SECRET-"), "{name} prints a secret: {text}");
        assert!(!text.contains("BEGIN EC PRIVATE KEY"), "{name}: {text}");
        assert!(text.contains("<redacted>"), "{name}: {text}");
    }
}

#[test]
fn every_type_with_a_secret_redacts_it_in_debug() {
    for name in SECRET_TYPES {
        let texts = debug_texts(name, json!(canary(name)))
            .unwrap_or_else(|| panic!("{name} has a probe"))
            .unwrap_or_else(|e| panic!("{name} decodes: {e}"));
        assert_eq!(texts, vec![format!("{name}(<redacted>)")]);
    }
    for (name, secrets) in SECRET_FIELDS {
        let schema = serde_json::to_value(schema_of(name).unwrap()).unwrap();
        let definitions = schema["definitions"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let doc = sample(&schema, &definitions, secrets);
        for secret in *secrets {
            assert_eq!(
                doc[*secret],
                json!(canary(secret)),
                "{name}.{secret} is set"
            );
        }
        let texts = debug_texts(name, doc.clone())
            .unwrap_or_else(|| panic!("{name} has a probe"))
            .unwrap_or_else(|e| panic!("{name} decodes from {doc}: {e}"));
        let builder = SECRET_BUILDERS.contains(name);
        assert_eq!(
            texts.len(),
            1 + usize::from(builder),
            "{name} (and its builder)"
        );
        assert_redacted(name, &texts);
        if *name == "DeviceCertificate" {
            assert!(
                texts[0].contains("private_key: Some(<redacted>)"),
                "{}",
                texts[0]
            );
            assert!(
                texts[0].contains("client_id: DeviceId(\"nrf-"),
                "other fields print: {}",
                texts[0]
            );
        }
    }
}

#[test]
fn the_rule_finds_the_known_secrets() {
    let fields = |ty: &str| {
        SECRET_FIELDS
            .iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, f)| f.to_vec())
            .unwrap_or_default()
    };
    assert_eq!(
        fields("GenerateServiceKeyAndTokenResponse"),
        vec!["key", "token"]
    );
    assert_eq!(fields("DeviceCertificate"), vec!["privateKey"]);
    for ty in [
        "GetServiceTokenResponse",
        "GenerateServiceEvaluationTokenResponse",
        "GetServiceEvaluationTokenResponse",
    ] {
        assert_eq!(fields(ty), vec!["token"], "{ty}");
    }
    for ty in ["PrivateKey", "ServiceKeyJwt", "OwnershipCode"] {
        assert!(SECRET_TYPES.contains(&ty), "{ty}");
    }
    for id in [
        "GenerateServiceKeyAndToken",
        "GetServiceToken",
        "GenerateServiceEvaluationToken",
        "CreateDeviceCertificate",
        "CreateMqttTeamDevice",
    ] {
        assert!(
            by_id(id).unwrap().secret_response,
            "{id} answers with secrets"
        );
    }
    for id in ["FetchDevice", "ListDevices", "FetchAccountInfo"] {
        assert!(!by_id(id).unwrap().secret_response, "{id}");
    }
}

#[test]
fn a_service_key_response_prints_no_key() {
    let key = canary("key");
    let response: nrfcloud_api::types::GenerateServiceKeyAndTokenResponse =
        serde_json::from_value(json!({"key": key, "token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"}))
            .unwrap();
    let text = format!("{response:?}");
    assert_eq!(
        text,
        "GenerateServiceKeyAndTokenResponse { key: <redacted>, token: <redacted> }"
    );
    assert_eq!(response.key.as_str(), key, "the value itself is kept");
    let text = format!("{response:#?}");
    assert!(!text.contains("SECRET") && !text.contains("eyJ"), "{text}");
}
