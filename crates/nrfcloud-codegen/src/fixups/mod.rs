//! Named fixups: each rewrites one known quirk of the upstream document that progenitor cannot
//! handle (or handles wrongly), and records what it changed.
//!
//! Fixups run on the JSON document before `openapiv3` parses it, in the order of [`FIXUPS`].
//! A fixup that finds nothing to change is reported as a no-op, so that when upstream fixes a
//! quirk the build says so. No fixup ever removes an operation.

mod alternatives;
mod bodies;
mod docs;
mod fota_states;
mod ground_fix;
mod operation_ids;
mod parameters;
mod responses;
mod schemas;
mod security;
mod util;
mod version;

use serde_json::Value;

/// One named fixup.
pub struct Fixup {
    /// Stable name, used in build output and reports.
    pub name: &'static str,
    /// The upstream quirk it handles, in one line.
    pub quirk: &'static str,
    /// Applies the fixup. An `Err` stops generation: the quirk is present but cannot be fixed.
    pub run: fn(&mut Value, &mut Rewrites) -> Result<(), String>,
}

/// One change a fixup made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The fixup's name.
    pub fixup: &'static str,
    /// Where: `OperationId METHOD /path`, or `schema Name`.
    pub location: String,
    /// What changed.
    pub change: String,
    /// True when information was dropped (a constraint, a media type, a response), so the build
    /// warns about it.
    pub lossy: bool,
}

/// The log a fixup writes its changes to.
#[derive(Debug, Default)]
pub struct Rewrites {
    current: &'static str,
    items: Vec<Rewrite>,
}

impl Rewrites {
    /// Records a change that keeps all information.
    pub fn note(&mut self, location: impl Into<String>, change: impl Into<String>) {
        self.push(location.into(), change.into(), false);
    }

    /// Records a change that drops information.
    pub fn lossy(&mut self, location: impl Into<String>, change: impl Into<String>) {
        self.push(location.into(), change.into(), true);
    }

    fn push(&mut self, location: String, change: String, lossy: bool) {
        self.items.push(Rewrite {
            fixup: self.current,
            location,
            change,
            lossy,
        });
    }
}

/// What the fixups did to one document.
#[derive(Debug, Default, Clone)]
pub struct FixupReport {
    /// Every change, in the order made.
    pub rewrites: Vec<Rewrite>,
    /// Fixups that found nothing to change.
    pub no_ops: Vec<&'static str>,
}

impl FixupReport {
    /// Names of the fixups that changed something, in run order.
    pub fn applied(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for r in &self.rewrites {
            if !names.contains(&r.fixup) {
                names.push(r.fixup);
            }
        }
        names
    }

    /// The changes that dropped information.
    pub fn lossy(&self) -> impl Iterator<Item = &Rewrite> {
        self.rewrites.iter().filter(|r| r.lossy)
    }
}

/// A fixup that could not handle the document.
#[derive(Debug, thiserror::Error)]
#[error("fixup {fixup} failed: {message}")]
pub struct FixupError {
    /// The fixup's name.
    pub fixup: &'static str,
    /// Why.
    pub message: String,
}

/// All fixups, in the order they run.
pub const FIXUPS: &[Fixup] = &[
    version::CONVERT_OPENAPI_31,
    schemas::COERCE_STRING_DEFAULTS,
    schemas::INTEGER_ENUMS_ARE_INTEGERS,
    operation_ids::RENAME_DUPLICATE_OPERATION_IDS,
    parameters::TRANSFORM_PARAMETER_IS_A_STRING,
    parameters::DECLARE_IF_MATCH_ON_UPDATE_DEVICE_STATE,
    security::API_KEY_FOR_LOCATION_HISTORY,
    parameters::PATH_PARAMETERS_ARE_STRINGS,
    bodies::SINGLE_MEDIA_TYPE,
    bodies::NON_JSON_BODY_MEDIA_TYPES,
    bodies::RAW_BODY_FOR_CONTENT_TYPE_HEADER,
    bodies::PLAIN_TEXT_OWNERSHIP_CODE,
    responses::HEAD_RESPONSES_HAVE_NO_BODY,
    responses::BINARY_RESPONSES_AS_OCTET_STREAM,
    responses::RANGED_RESPONSES_ACCEPT_THE_WHOLE_FILE,
    responses::SCHEMALESS_JSON_RESPONSES,
    responses::SINGLE_SUCCESS_RESPONSE,
    responses::ERROR_RESPONSES_KEEP_THEIR_BODY,
    fota_states::FOTA_JOB_STATUSES_THE_SERVER_SENDS,
    fota_states::EXECUTION_COUNTS_ARE_INTEGERS,
    fota_states::EXECUTION_STATES_USE_THE_EXECUTION_STATUS_ENUM,
    schemas::MNC_NUMBERS_ARE_INTEGERS,
    alternatives::ONE_VALUE_ALTERNATIVES_AS_ONE_ENUM,
    alternatives::SCALAR_ANY_OF_AS_ONE_OF,
    alternatives::REQUEST_ANY_OF_AS_ONE_OF,
    alternatives::REQUEST_ALTERNATIVES_ARE_NAMED,
    alternatives::EXCLUSIVE_ANY_OF_AS_ONE_OF,
    ground_fix::GROUND_FIX_FORMS_ARE_NAMED,
    ground_fix::ACCESS_POINT_IS_ONE_OBJECT,
    ground_fix::GROUND_FIX_NUMBERS_KEEP_THEIR_FORM,
    ground_fix::GROUND_FIX_EMPTY_LISTS_ARE_KEPT,
    schemas::OPTIONAL_FIELDS_THE_SERVER_OMITS,
    schemas::OPEN_ENUMS,
    docs::DEPRECATED_IN_DOCS,
];

/// Runs every fixup over `doc`, in order.
///
/// # Errors
///
/// [`FixupError`] naming the fixup whose target no longer has the expected shape.
pub fn apply_all(doc: &mut Value) -> Result<FixupReport, FixupError> {
    apply(doc, FIXUPS)
}

/// Runs the given fixups over `doc`, in order (tests run them one at a time).
///
/// # Errors
///
/// As [`apply_all`].
pub fn apply(doc: &mut Value, fixups: &[Fixup]) -> Result<FixupReport, FixupError> {
    let mut log = Rewrites::default();
    let mut no_ops = Vec::new();
    for f in fixups {
        log.current = f.name;
        let before = log.items.len();
        (f.run)(doc, &mut log).map_err(|message| FixupError {
            fixup: f.name,
            message,
        })?;
        if log.items.len() == before {
            no_ops.push(f.name);
        }
    }
    Ok(FixupReport {
        rewrites: log.items,
        no_ops,
    })
}

#[cfg(test)]
pub(crate) mod testing;
