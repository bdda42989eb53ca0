//! The per-operation table, generated from `spec/openapi.json` by `build.rs`.

/// One operation of the API document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// operationId (unique; deprecated duplicates are renamed by a fixup).
    pub operation_id: &'static str,
    /// operationId as upstream spells it.
    pub original_operation_id: &'static str,
    /// The generated `Client` method's name.
    pub method_name: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template relative to the base URL's `/v1`.
    pub path: &'static str,
    /// The documentation section.
    pub tag: &'static str,
    /// Accepted security alternatives (scheme names, all of one alternative needed). Empty:
    /// no credentials.
    pub security: &'static [&'static [&'static str]],
    /// Deprecated upstream.
    pub deprecated: bool,
    /// Takes `pageNextToken`.
    pub paginated: bool,
    /// Media type to send as `Accept` for binary downloads.
    pub accept: Option<&'static str>,
    /// Its response bodies hold a secret (a private key or a token: the rule of
    /// `nrfcloud-codegen`'s `secrets`): an excerpt of such a body must not appear in errors.
    pub secret_response: bool,
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

/// The operation with this (fixed-up, unique) operationId.
pub fn by_id(operation_id: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.operation_id == operation_id)
}

/// The operation whose generated `Client` method has this name (progenitor passes this name
/// to the hooks as `OperationInfo::operation_id`).
pub fn by_method_name(method_name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.method_name == method_name)
}

/// [`by_method_name`] at compile time: each generated `send` names its operation in a
/// `const`, so no call searches the table, and a name missing from the table fails the build.
///
/// # Panics
///
/// At compile time, when no operation has this method name.
///
/// ```
/// const OP: &nrfcloud_api::operations::Operation =
///     nrfcloud_api::operations::by_method_name_const("fetch_device");
/// assert_eq!(OP.operation_id, "FetchDevice");
/// ```
pub const fn by_method_name_const(method_name: &str) -> &'static Operation {
    let mut i = 0;
    while i < OPERATIONS.len() {
        if same_text(OPERATIONS[i].method_name, method_name) {
            return &OPERATIONS[i];
        }
        i += 1;
    }
    panic!("no operation has this method name")
}

/// `a == b` in a `const fn`.
const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
