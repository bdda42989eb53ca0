//! Where the mock follows evidence beyond the document: the service's behaviour as the
//! documentation's own curl examples and the code Nordic runs against the real service show
//! it, where the document's declarations say otherwise or nothing. Each item names its source;
//! the README's mock section lists them all.

use crate::spec::Scheme;

/// Operations the document declares without security although the service needs the team's
/// API key: every curl example of GetLocationHistory sends `Authorization: Bearer $API_KEY`
/// ("† Requires admin privileges" marks the all-devices forms), and DeleteLocationHistory
/// deletes the same records. The client's codegen declares the same (its fixup
/// `api_key_for_location_history`); a test checks that the two agree on every operation.
const API_KEY_OPERATIONS: &[&str] = &["GetLocationHistory", "DeleteLocationHistory"];

/// The security the mock enforces for `operation_id`, given what the document declares.
pub(crate) fn security(operation_id: &str, declared: Vec<Scheme>) -> Vec<Scheme> {
    if declared.is_empty() && API_KEY_OPERATIONS.contains(&operation_id) {
        vec![Scheme::SimpleToken]
    } else {
        declared
    }
}

/// The P-GPS `predictionIntervalMinutes` values the service accepts. The document lists 240
/// only; Nordic's location-services test suite requests 120 against the real service and
/// expects a prediction file.
pub(crate) const PGPS_INTERVALS: &[i64] = &[120, 240];
