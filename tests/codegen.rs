//! The generated raw client covers every operation of the document, its surface matches the
//! committed summary, and its types accept what real servers send.

use nrfcloud_api::{Client, operations::OPERATIONS, types};
use serde_json::{Value, json};

/// One in-process generation of the committed document, shared by the tests that compare it.
static REGENERATED: std::sync::LazyLock<nrfcloud_codegen::generate::Generated> =
    std::sync::LazyLock::new(|| {
        nrfcloud_codegen::generate(SPEC).expect("the committed document generates")
    });

const SPEC: &str = include_str!("../spec/openapi.json");
const COMMITTED_SURFACE: &str = include_str!("../spec/generated-surface.txt");

fn spec_operation_count() -> usize {
    let doc: Value = serde_json::from_str(SPEC).unwrap();
    nrfcloud_codegen::spec::operations(&doc).len()
}

#[test]
fn no_operation_is_dropped() {
    let methods = nrfcloud_api::GENERATED_SURFACE.lines().count();
    assert_eq!(
        methods,
        spec_operation_count(),
        "one client method per operation"
    );
    assert_eq!(
        OPERATIONS.len(),
        spec_operation_count(),
        "one table entry per operation"
    );
    for op in OPERATIONS {
        assert!(
            nrfcloud_api::GENERATED_SURFACE
                .lines()
                .any(|l| l.starts_with(&format!("{} {} {} ", op.method_name, op.method, op.path))),
            "{} ({} {}) has a client method",
            op.operation_id,
            op.method,
            op.path
        );
    }
}

#[test]
#[allow(deprecated)] // the renamed twins are the deprecated /location/agps and /location/pgps
fn renamed_duplicates_are_reachable_under_deterministic_names() {
    let client = Client::new("http://127.0.0.1:9", Default::default());
    // These compile only if the methods exist.
    let _ = client.get_assistance_data();
    let _ = client.get_assistance_data_agps();
    let _ = client.get_predicted_assistance_data();
    let _ = client.get_predicted_assistance_data_pgps();
    let agps = nrfcloud_api::operations::by_id("GetAssistanceDataAgps").unwrap();
    assert_eq!(
        (agps.method, agps.path, agps.original_operation_id),
        ("GET", "/location/agps", "GetAssistanceData")
    );
    assert!(agps.deprecated);
    let pgps = nrfcloud_api::operations::by_id("GetPredictedAssistanceDataPgps").unwrap();
    assert_eq!(
        (pgps.path, pgps.original_operation_id),
        ("/location/pgps", "GetPredictedAssistanceData")
    );
}

#[test]
fn generated_surface_matches_the_committed_summary() {
    let regenerated = &*REGENERATED;
    assert_eq!(
        regenerated.surface,
        nrfcloud_api::GENERATED_SURFACE,
        "build.rs and the codegen agree"
    );
    assert!(
        regenerated.surface == COMMITTED_SURFACE,
        "spec/generated-surface.txt is stale: run `cargo xtask regen` or copy the regenerated summary"
    );
}

#[test]
fn generation_in_process_writes_the_files_build_rs_wrote() {
    // `cargo xtask package` ships files generated in its own process, where other crates turn
    // on serde_json's `preserve_order`; build.rs generates without it. This test's process has
    // it on too (see the dev-dependencies), so the files must come out the same either way.
    let regenerated = &*REGENERATED;
    let out = std::path::Path::new(env!("OUT_DIR"));
    for (name, text) in regenerated.files() {
        let built = std::fs::read_to_string(out.join(name)).expect("build.rs wrote the file");
        assert!(
            built == text,
            "{name} differs between build.rs and an in-process generation"
        );
    }
}

#[test]
fn operation_table_comes_from_the_spec() {
    let doc: Value = serde_json::from_str(SPEC).unwrap();
    let paginated: Vec<&str> = OPERATIONS
        .iter()
        .filter(|o| o.paginated)
        .map(|o| o.operation_id)
        .collect();
    let in_spec = nrfcloud_codegen::spec::operations(&doc)
        .iter()
        .filter(|(_, _, op)| {
            op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "pageNextToken")
        })
        .count();
    assert_eq!(paginated.len(), in_spec);
    assert!(paginated.contains(&"ListDevices") && paginated.contains(&"GetLocationHistory"));
    let fetch = nrfcloud_api::operations::by_id("FetchDevice").unwrap();
    assert_eq!(
        fetch.security,
        &[&["Simple Token"][..], &["JSON Web Token"][..]]
    );
    let history = nrfcloud_api::operations::by_id("GetLocationHistory").unwrap();
    assert_eq!(
        history.security,
        &[&["Simple Token"][..]],
        "none declared upstream; the fixup declares the API key"
    );
    let agnss = nrfcloud_api::operations::by_id("GetAssistanceData").unwrap();
    assert_eq!(agnss.accept, Some("application/octet-stream"));
}

/// The operations that really need no credential. Every other operation must declare one: a
/// spec change that drops an operation's security (as upstream did for the location history)
/// fails here instead of sending a request without the team's credential.
const NO_CREDENTIAL_NEEDED: &[&str] = &["GetSpec", "GetSystemStatus"];

#[test]
fn only_the_spec_and_the_status_go_without_credentials() {
    let mut without: Vec<&str> = OPERATIONS
        .iter()
        .filter(|o| o.security.iter().all(|alt| alt.is_empty()))
        .map(|o| o.operation_id)
        .collect();
    without.sort_unstable();
    assert_eq!(
        without, NO_CREDENTIAL_NEEDED,
        "operations the generated client sends without an Authorization header"
    );
    for id in ["GetLocationHistory", "DeleteLocationHistory"] {
        let op = nrfcloud_api::operations::by_id(id).unwrap();
        assert_eq!(op.security, &[&["Simple Token"][..]], "{id}");
    }
}

#[test]
fn a_device_without_state_deserializes() {
    let device = json!({
        "id": "nrf-352656100000000", "name": "nrf-352656100000000", "tags": [], "type": "Generic",
        "subType": "jitp", "tenantId": "a5592ec1-18ae-4d9d-bc44-1d9bd927bbe9",
        "$meta": {"createdAt": "2024-01-01T00:00:00.000Z"},
        "firmware": {"supports": ["APP", "MODEM"]},
        "somethingNew": {"added": "by the server later"}
    });
    let parsed: types::GenericDevice =
        serde_json::from_value(device).expect("device without state");
    assert!(parsed.state.is_none());
}

#[test]
fn a_fota_status_the_enum_lacks_is_kept() {
    let status: types::FotaV2JobEvents =
        serde_json::from_value(json!("AWAITING_APPROVAL")).expect("unknown status decodes");
    assert!(matches!(&status, types::FotaV2JobEvents::String(s) if s == "AWAITING_APPROVAL"));
    // The statuses the server sends beyond the document's enum are known values (fixup
    // fota_job_statuses_the_server_sends).
    let succeeded: types::FotaV2JobEvents = serde_json::from_value(json!("SUCCEEDED")).unwrap();
    assert!(matches!(
        succeeded,
        types::FotaV2JobEvents::FotaV2JobEventsKnown(types::FotaV2JobEventsKnown::Succeeded)
    ));
    let known: types::FotaV2JobEvents = serde_json::from_value(json!("COMPLETED")).unwrap();
    assert!(matches!(
        known,
        types::FotaV2JobEvents::FotaV2JobEventsKnown(types::FotaV2JobEventsKnown::Completed)
    ));
    assert_eq!(
        serde_json::to_value(&status).unwrap(),
        json!("AWAITING_APPROVAL"),
        "round-trips unchanged"
    );
}

/// Compiles only if `T` has a JSON schema: the `schemars` feature (on in this crate's tests,
/// through its dev-dependency on itself) must reach the derived and the hand-written impls.
fn has_json_schema<T: schemars::JsonSchema>() -> String {
    T::schema_name()
}

#[test]
fn the_schemars_feature_gives_every_kind_of_type_a_schema() {
    // A derived struct, a hand-written impl of typify's (an integer enum), the open JSON types.
    assert_eq!(has_json_schema::<types::GenericDevice>(), "GenericDevice");
    assert_eq!(has_json_schema::<types::BleScanType>(), "BleScanType");
    has_json_schema::<nrfcloud_api::json::RawJson>();
    has_json_schema::<nrfcloud_api::json::RawObject>();
}

#[test]
fn generated_types_emit_json_schemas() {
    let schema = schemars::schema_for!(types::GenericDevice);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(text.contains("tenantId"));
}
