//! The operation table the build script generates from `spec/openapi.json` (see `build.rs`):
//! one [`OpSpec`] per operation of the document, with what the CLI needs to make a command
//! of it and to check its input before anything is sent.

/// The type of a parameter's values, from its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string (patterns and lengths checked).
    String,
    /// An integer (range checked).
    Integer,
    /// A number (range checked).
    Number,
    /// `true` or `false`.
    Boolean,
    /// Any JSON (a union of shapes): the value is parsed as JSON, else taken as a string.
    Json,
}

/// One parameter of an operation, or one field of a flat JSON body.
#[derive(Debug)]
pub struct ParamSpec {
    /// The name in the document (`deviceId`).
    pub name: &'static str,
    /// `path`, `query`, `header` or `body`.
    pub location: &'static str,
    /// Must be given.
    pub required: bool,
    /// The document's description (the flag's help).
    pub description: &'static str,
    /// The type of each value.
    pub kind: Kind,
    /// A list: the flag repeats or takes comma-separated values.
    pub array: bool,
    /// The document's `pattern` (ECMAScript syntax).
    pub pattern: Option<&'static str>,
    /// The document's `minimum`.
    pub minimum: Option<f64>,
    /// The document's `maximum`.
    pub maximum: Option<f64>,
    /// The document's `minLength`.
    pub min_length: Option<u64>,
    /// The document's `maxLength`.
    pub max_length: Option<u64>,
    /// The allowed values, when the schema is a closed enum.
    pub enum_values: &'static [&'static str],
    /// Sent when the flag is absent (the content type of a raw body).
    pub default: Option<&'static str>,
}

/// How an operation's request body is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// JSON, checked against the operation's body type before sending.
    Json,
    /// Text sent as it is (CSV rows, base64).
    Text,
    /// Bytes sent as they are.
    Binary,
}

/// An operation's request body.
#[derive(Debug)]
pub struct BodySpec {
    /// JSON, text or bytes.
    pub kind: BodyKind,
    /// The document marks it required.
    pub required: bool,
    /// The document's description.
    pub description: &'static str,
    /// Flags for the fields of a flat JSON body (empty when it is not flat).
    pub fields: &'static [ParamSpec],
}

/// One operation of the document, as a command `nrfcloud <group> <verb>`.
#[derive(Debug)]
pub struct OpSpec {
    /// The operationId (after the codegen's fixups).
    pub operation_id: &'static str,
    /// The command group (the path's resource).
    pub group: &'static str,
    /// The command's name in its group.
    pub verb: &'static str,
    /// The kebab-case operationId, always accepted as well.
    pub alias: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// The path template.
    pub path: &'static str,
    /// The document's summary.
    pub summary: &'static str,
    /// The document's description.
    pub description: &'static str,
    /// Marked deprecated.
    pub deprecated: bool,
    /// Takes `pageNextToken`: the command streams every page.
    pub paginated: bool,
    /// Takes a JSONata `transform`.
    pub transform: bool,
    /// Answers bytes (written to `--output-file` or stdout).
    pub binary: bool,
    /// Accepted credentials: each alternative lists the schemes it needs.
    pub security: &'static [&'static [&'static str]],
    /// Path, query and header parameters.
    pub params: &'static [ParamSpec],
    /// The request body, if any.
    pub body: Option<BodySpec>,
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

/// The command groups, in order of first appearance.
pub fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for op in OPERATIONS {
        if !out.contains(&op.group) {
            out.push(op.group);
        }
    }
    out
}

/// The operation of `group verb` (or its alias).
pub fn find(group: &str, verb: &str) -> Option<&'static OpSpec> {
    OPERATIONS
        .iter()
        .find(|op| op.group == group && (op.verb == verb || op.alias == verb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_spec_has_a_command_and_every_parameter_a_flag() {
        let spec: serde_json::Value =
            serde_json::from_str(nrfcloud::api::OPENAPI_JSON).expect("the spec is JSON");
        let mut upstream = 0;
        for item in spec["paths"].as_object().expect("paths").values() {
            for method in [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ] {
                upstream += usize::from(item.get(method).is_some());
            }
        }
        assert_eq!(OPERATIONS.len(), upstream, "none dropped from the document");
        let raw = nrfcloud::operations::OPERATIONS;
        assert_eq!(OPERATIONS.len(), raw.len());
        let cmd = crate::cli::command();
        for op in raw {
            let spec = OPERATIONS
                .iter()
                .find(|o| o.operation_id == op.operation_id)
                .unwrap_or_else(|| panic!("{} has no command", op.operation_id));
            let group = cmd
                .find_subcommand(spec.group)
                .expect("the group is a command");
            let sub = group
                .find_subcommand(spec.verb)
                .unwrap_or_else(|| panic!("{} {} missing", spec.group, spec.verb));
            assert!(
                group.find_subcommand(spec.alias).is_some(),
                "alias {}",
                spec.alias
            );
            let ids: Vec<String> = sub
                .get_arguments()
                .map(|a| a.get_id().to_string())
                .collect();
            for p in spec.params {
                assert!(
                    ids.contains(&format!("param:{}", p.name)),
                    "{} {}",
                    op.operation_id,
                    p.name
                );
            }
            if let Some(b) = &spec.body {
                assert!(
                    ids.contains(&"body".to_string()),
                    "{} --body",
                    op.operation_id
                );
                for f in b.fields {
                    assert!(ids.contains(&format!("field:{}", f.name)));
                }
            }
            assert_eq!(spec.paginated, op.paginated, "{}", op.operation_id);
            if spec.paginated {
                assert!(ids.contains(&"max-items".to_string()));
            }
        }
        // Group/verb pairs are unique.
        let mut seen = std::collections::BTreeSet::new();
        for op in OPERATIONS {
            assert!(
                seen.insert((op.group, op.verb)),
                "{} {} twice",
                op.group,
                op.verb
            );
        }
    }

    #[test]
    fn flat_bodies_get_field_flags_and_paginated_lists_the_stream_flags() {
        let anchor = OPERATIONS
            .iter()
            .find(|o| o.operation_id == "CreateAnchor")
            .unwrap();
        assert!(anchor.body.as_ref().is_some_and(|b| !b.fields.is_empty()));
        // An object-valued field takes JSON text; a union body is read from --body only.
        let send = OPERATIONS
            .iter()
            .find(|o| o.operation_id == "SendDeviceMessage")
            .unwrap();
        let fields = send.body.as_ref().map(|b| b.fields).unwrap_or_default();
        assert!(
            fields
                .iter()
                .any(|f| f.name == "message" && f.kind == Kind::Json)
        );
        let job = OPERATIONS
            .iter()
            .find(|o| o.operation_id == "CreateFOTAJob")
            .unwrap();
        assert!(job.body.as_ref().is_some_and(|b| b.fields.is_empty()));
        // A bare JSON value is one flag, --value.
        let name = OPERATIONS
            .iter()
            .find(|o| o.operation_id == "UpdateDeviceName")
            .unwrap();
        let fields = name.body.as_ref().map(|b| b.fields).unwrap_or_default();
        assert!(fields.len() == 1 && fields[0].location == "value" && fields[0].pattern.is_some());
        let list = find("devices", "list").unwrap();
        assert!(list.paginated && list.transform);
        assert!(
            !list
                .params
                .iter()
                .any(|p| p.name == "pageNextToken" || p.name == "pageLimit")
        );
        let onboard = find("devices", "onboard-csv").unwrap();
        assert_ne!(
            onboard.body.as_ref().map(|b| b.kind),
            Some(BodyKind::Json),
            "CSV goes raw"
        );
    }
}
