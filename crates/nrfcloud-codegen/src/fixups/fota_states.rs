//! FOTA states: the job and execution statuses and counts as the server sends them.

use serde_json::{Value, json};

use super::{Fixup, Rewrites};

/// Quirk: the FOTA job-status enum `FotaV2JobEvents` lists CREATED, IN_PROGRESS, CANCELLED,
/// DELETION_IN_PROGRESS and COMPLETED, but the server also answers QUEUED, FAILED, SUCCEEDED,
/// TIMED_OUT, REJECTED and DOWNLOADING as job statuses (nrfcloud-api-helpers had to accept
/// them: commit "fix(fota): add missing states"); they are the execution statuses of
/// `FotaV2JobExecutionEvents`. They become known values, so callers match them as variants.
pub const FOTA_JOB_STATUSES_THE_SERVER_SENDS: Fixup = Fixup {
    name: "fota_job_statuses_the_server_sends",
    quirk: "FotaV2JobEvents lacks job statuses the server sends (QUEUED, SUCCEEDED, FAILED, ...)",
    run: fota_job_statuses_the_server_sends,
};

/// The job statuses the server sends beyond the document's enum.
const SENT_JOB_STATUSES: [&str; 6] = [
    "QUEUED",
    "FAILED",
    "SUCCEEDED",
    "TIMED_OUT",
    "REJECTED",
    "DOWNLOADING",
];

fn fota_job_statuses_the_server_sends(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(values) = doc
        .pointer_mut("/components/schemas/FotaV2JobEvents/enum")
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    let mut added = Vec::new();
    for status in SENT_JOB_STATUSES {
        if !values.iter().any(|v| v == status) {
            values.push(Value::String(status.into()));
            added.push(status);
        }
    }
    if !added.is_empty() {
        log.note(
            "schema FotaV2JobEvents",
            format!("enum += {}", added.join(", ")),
        );
    }
    Ok(())
}

/// Quirk: a listed execution's `status` (`FOTAJobExecutionState`, ListFOTAJobExecutionStatuses)
/// is a plain `string`, although the same document types an execution's status as
/// `FotaV2JobExecutionEvents` ("Status of a single FOTA job execution (one device)"), so a
/// caller compares strings. It becomes that (open) enum: the known values are variants, an
/// unknown one is kept as its string.
pub const EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM: Fixup = Fixup {
    name: "execution_states_use_the_execution_status_enum",
    quirk: "FOTAJobExecutionState.status is a plain string, not the document's FotaV2JobExecutionEvents",
    run: execution_states_use_the_execution_status_enum,
};

fn execution_states_use_the_execution_status_enum(
    doc: &mut Value,
    log: &mut Rewrites,
) -> Result<(), String> {
    if doc
        .pointer("/components/schemas/FotaV2JobExecutionEvents")
        .is_none()
    {
        return Ok(());
    }
    let Some(status) =
        doc.pointer_mut("/components/schemas/FOTAJobExecutionState/properties/status")
    else {
        return Ok(());
    };
    if status.get("$ref").is_some() || status.get("type") != Some(&json!("string")) {
        return Ok(());
    }
    if status.get("enum").is_some() || status.get("pattern").is_some() {
        return Err("FOTAJobExecutionState.status has its own enum or pattern now".into());
    }
    let description = status.get("description").cloned();
    let mut replaced = json!({"$ref": "#/components/schemas/FotaV2JobExecutionEvents"});
    if let Some(d) = description {
        replaced = json!({"allOf": [replaced], "description": d});
    }
    *status = replaced;
    log.note(
        "schema FOTAJobExecutionState",
        "status: string -> FotaV2JobExecutionEvents",
    );
    Ok(())
}

/// Quirk: the FOTA job's `executionStats` counts (devices, executions, succeeded, …) are
/// `number`, so they decode as `f64` and a caller converts every count. They become
/// non-negative integers.
pub const EXECUTION_COUNTS_ARE_INTEGERS: Fixup = Fixup {
    name: "execution_counts_are_integers",
    quirk: "FOTA executionStats counts typed as number",
    run: execution_counts_are_integers,
};

fn execution_counts_are_integers(doc: &mut Value, log: &mut Rewrites) -> Result<(), String> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    for (name, schema) in schemas.iter_mut() {
        let Some(props) = schema
            .pointer_mut("/properties/executionStats/properties")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let mut changed = 0;
        for prop in props.values_mut() {
            if prop.get("type").and_then(Value::as_str) == Some("number") {
                prop["type"] = Value::String("integer".into());
                prop["minimum"] = Value::from(0);
                changed += 1;
            }
        }
        if changed > 0 {
            log.note(
                format!("schema {name}"),
                format!("executionStats: {changed} counts number -> integer"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixups::testing::*;

    #[test]
    fn fota_job_statuses_and_counts_as_the_server_sends_them() {
        let mut doc = tiny_spec(
            json!({"/j": {"get": ok_json("J", json!({"$ref": "#/components/schemas/Job"}))}}),
        );
        doc["components"]["schemas"]["FotaV2JobEvents"] =
            json!({"type": "string", "enum": ["CREATED", "COMPLETED"]});
        doc["components"]["schemas"]["Job"] = json!({"type": "object", "required": ["status", "executionStats"],
            "properties": {"status": {"$ref": "#/components/schemas/FotaV2JobEvents"},
                "executionStats": {"type": "object", "required": ["succeeded"],
                    "properties": {"succeeded": {"type": "number"}, "failed": {"type": "number"}}}}});
        let before = try_generate(&doc).unwrap();
        assert!(before.contains("pub succeeded: f64"), "{before}");
        let report = crate::fixups::apply(
            &mut doc,
            &[
                FOTA_JOB_STATUSES_THE_SERVER_SENDS,
                EXECUTION_COUNTS_ARE_INTEGERS,
            ],
        )
        .unwrap();
        assert_eq!(report.rewrites.len(), 2, "{report:?}");
        let statuses = &doc["components"]["schemas"]["FotaV2JobEvents"]["enum"];
        assert_eq!(
            statuses.as_array().unwrap().len(),
            2 + SENT_JOB_STATUSES.len()
        );
        let after = try_generate(&doc).unwrap();
        assert!(after.contains("pub succeeded: u64"), "{after}");
        assert!(
            after.contains("Succeeded,") && after.contains("TimedOut,"),
            "{after}"
        );
        // A second run finds nothing to add.
        let again = crate::fixups::apply(&mut doc, &[FOTA_JOB_STATUSES_THE_SERVER_SENDS]).unwrap();
        assert!(again.rewrites.is_empty());
    }

    #[test]
    fn listed_execution_statuses_use_the_execution_status_enum() {
        let mut doc = tiny_spec(json!({"/e": {"get": ok_json(
            "E",
            json!({"$ref": "#/components/schemas/FOTAJobExecutionState"})
        )}}));
        doc["components"]["schemas"]["FotaV2JobExecutionEvents"] =
            json!({"type": "string", "enum": ["QUEUED", "SUCCEEDED", "FAILED"]});
        doc["components"]["schemas"]["FOTAJobExecutionState"] = json!({"type": "object",
            "required": ["deviceId", "status"],
            "properties": {"deviceId": {"type": "string"}, "status": {"type": "string"}}});
        let before = try_generate(&doc).unwrap();
        assert!(
            before.contains("pub status: ::std::string::String"),
            "{before}"
        );
        let report = run_one(&EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM, &mut doc);
        assert_eq!(report.rewrites.len(), 1, "{report:?}");
        let after = try_generate(&doc).unwrap();
        assert!(
            after.contains("pub status: FotaV2JobExecutionEvents"),
            "{after}"
        );
        // A second run finds nothing to do.
        let again = run_one(&EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM, &mut doc);
        assert!(again.rewrites.is_empty());
        // A status with its own rule is not silently replaced.
        doc["components"]["schemas"]["FOTAJobExecutionState"]["properties"]["status"] =
            json!({"type": "string", "enum": ["X"]});
        assert!(
            crate::fixups::apply(&mut doc, &[EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM])
                .is_err()
        );
    }
}
