//! The commonest transform, evaluated without the engine: an object constructor that copies
//! top-level fields under names of its own, `{ "id": id, "type": type }`.
//!
//! On an object input whose named fields hold no array (a path step into an array flattens
//! and maps, which the engine does), the result is the object of the fields that exist, each
//! converted as the engine's result would be ([`crate::convert::object_of`]): the same value and
//! the same result-limit errors. Anything else (another input, an array field, evaluation
//! limits tight enough to stop even this expression) goes to the engine. A test compares both
//! over varied documents and limits.

use jsonata_core::ast::{AstNode, PathStep};
use serde_json::{Map, Value};

use crate::convert::object_of;
use crate::limits::{EvalLimits, Limit};

/// Depth and sequence-length limits below this leave the evaluation to the engine, which
/// counts its own steps against them.
const ENGINE_LIMITS_BELOW: usize = 16;

/// `{ "key": field, … }`: each output key with the top-level field it copies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Projection {
    members: Vec<(String, String)>,
}

impl Projection {
    /// The projection `ast` is, if it is one: an object constructor whose keys are distinct
    /// string literals and whose values are single field names without stages or bindings.
    pub(crate) fn of(ast: &AstNode) -> Option<Projection> {
        let AstNode::Object(pairs) = ast else {
            return None;
        };
        let mut members: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let AstNode::String(key) = key else {
                return None;
            };
            let field = match value {
                AstNode::Name(name) => name,
                AstNode::Path { steps } => match steps.as_slice() {
                    [step] if plain(step) => match &step.node {
                        AstNode::Name(name) => name,
                        _ => return None,
                    },
                    _ => return None,
                },
                _ => return None,
            };
            // Two members with one key are the engine's error (D1009).
            if members.iter().any(|(k, _)| k == key) {
                return None;
            }
            members.push((key.clone(), field.clone()));
        }
        Some(Projection { members })
    }

    /// The result on `input`, or `None` when the engine must evaluate it.
    pub(crate) fn apply(
        &self,
        input: &Map<String, Value>,
        limits: &EvalLimits,
    ) -> Option<Result<Value, Limit>> {
        let tight = |limit: Option<usize>| limit.is_some_and(|n| n < ENGINE_LIMITS_BELOW);
        if tight(limits.max_depth) || tight(limits.max_sequence_length) {
            return None;
        }
        let mut present = Vec::with_capacity(self.members.len());
        for (key, field) in &self.members {
            match input.get(field) {
                Some(Value::Array(_)) => return None,
                Some(value) => present.push((key.as_str(), value)),
                None => {}
            }
        }
        Some(object_of(present.into_iter(), limits))
    }
}

/// A step that only reads a field: no predicate, sort, focus, index or ancestor binding.
fn plain(step: &PathStep) -> bool {
    step.stages.is_empty()
        && step.focus.is_none()
        && step.index_var.is_none()
        && step.ancestor_label.is_none()
        && !step.is_tuple
        && !step.inner_tuple
}
