//! Conversions between JSON values and the engine's values. The way back counts the
//! result's size and depth against [`EvalLimits`] and stops at the first one it passes.

use jsonata_core::value::{JArray, JValue};
use serde_json::{Number, Value};

use crate::limits::{EvalLimits, Limit};

/// Stack left below which a conversion moves to a new stack segment (on the heap), so
/// deep values convert on small threads too.
const RED_ZONE: usize = 32 * 1024;
/// Size of each new stack segment.
const STACK_SEGMENT: usize = 1024 * 1024;

/// Converts a JSON value into the engine's value, in one pass.
pub(crate) fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            let flat = !items.iter().any(Value::is_array);
            JValue::Array(JArray::new_flat(
                items.iter().map(to_jvalue).collect(),
                flat,
            ))
        }),
        Value::Object(map) => stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            JValue::object(map.iter().map(|(k, v)| (k.clone(), to_jvalue(v))).collect())
        }),
    }
}

/// Converts an engine value into JSON as `JSON.stringify` renders it (`Ok(None)`: the
/// value is undefined), within the result limits of `limits`.
pub(crate) fn from_jvalue(value: &JValue, limits: &EvalLimits) -> Result<Option<Value>, Limit> {
    let mut budget = Budget {
        bytes_left: limits.max_result_bytes.unwrap_or(usize::MAX),
        max_depth: limits.max_result_depth.unwrap_or(usize::MAX),
    };
    budget.convert(value, 0)
}

/// The object of `members` (a key and the input value it copies, in order), converted as
/// [`from_jvalue`] converts the engine's object with those members: the same value, and the
/// same result limits in the same order. What a projection builds without the engine
/// (`crate::projection`).
pub(crate) fn object_of<'a>(
    members: impl Iterator<Item = (&'a str, &'a Value)>,
    limits: &EvalLimits,
) -> Result<Value, Limit> {
    let mut budget = Budget {
        bytes_left: limits.max_result_bytes.unwrap_or(usize::MAX),
        max_depth: limits.max_result_depth.unwrap_or(usize::MAX),
    };
    budget.enter(0)?;
    budget.spend(2)?;
    let mut out = serde_json::Map::new();
    for (key, value) in members {
        if let Some(item) = budget.convert(&to_jvalue(value), 1)? {
            budget.spend(key.len() + 3 + usize::from(!out.is_empty()))?;
            out.insert(key.to_owned(), item);
        }
    }
    Ok(Value::Object(out))
}

/// What is left of the result limits during one conversion.
struct Budget {
    bytes_left: usize,
    max_depth: usize,
}

impl Budget {
    /// Takes `bytes` of JSON text from the budget.
    fn spend(&mut self, bytes: usize) -> Result<(), Limit> {
        self.bytes_left = self
            .bytes_left
            .checked_sub(bytes)
            .ok_or(Limit::ResultBytes)?;
        Ok(())
    }

    /// `value` at nesting `depth` (0: the result itself).
    fn convert(&mut self, value: &JValue, depth: usize) -> Result<Option<Value>, Limit> {
        Ok(Some(match value {
            JValue::Null => {
                self.spend(4)?;
                Value::Null
            }
            JValue::Bool(b) => {
                self.spend(if *b { 4 } else { 5 })?;
                Value::Bool(*b)
            }
            JValue::Number(n) => {
                let number = number(*n);
                self.spend(number_len(&number))?;
                number
            }
            JValue::String(s) => {
                self.spend(s.len() + 2)?;
                Value::String(s.to_string())
            }
            JValue::Array(_) => {
                let Some(items) = value.as_array() else {
                    return Ok(None);
                };
                self.enter(depth)?;
                self.spend(2)?;
                let mut out = Vec::with_capacity(items.len().min(1024));
                for item in items.iter() {
                    if !out.is_empty() {
                        self.spend(1)?;
                    }
                    let item = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                        self.convert(item, depth + 1)
                    })?;
                    // An undefined item is `null` in JSON text.
                    let item = match item {
                        Some(item) => item,
                        None => {
                            self.spend(4)?;
                            Value::Null
                        }
                    };
                    out.push(item);
                }
                Value::Array(out)
            }
            JValue::Object(_) => {
                let Some(map) = value.as_object() else {
                    return Ok(None);
                };
                self.enter(depth)?;
                self.spend(2)?;
                let mut out = serde_json::Map::new();
                for (key, item) in map.iter() {
                    let item = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                        self.convert(item, depth + 1)
                    })?;
                    // An undefined member is left out; the others take `"key":` and a
                    // comma after the first.
                    if let Some(item) = item {
                        self.spend(key.len() + 3 + usize::from(!out.is_empty()))?;
                        out.insert(key.clone(), item);
                    }
                }
                Value::Object(out)
            }
            _ => return Ok(None),
        }))
    }

    /// Checks that an array or object at `depth` is within the depth limit: the result
    /// itself is at depth 0, so a limit of 1 allows `[[1]]` but not `[[[1]]]`.
    fn enter(&self, depth: usize) -> Result<(), Limit> {
        if depth >= self.max_depth {
            Err(Limit::ResultDepth)
        } else {
            Ok(())
        }
    }
}

/// A JSON number: integral values within ±2^53 as integers, others as floats; NaN and
/// the infinities (which JSON cannot hold) as `null`.
fn number(n: f64) -> Value {
    const SAFE: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= SAFE {
        // `as` is exact here: the value is integral and within i64 range.
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// The length of a number's JSON text: exact for integers, an upper bound (24) for
/// floats; `null` for NaN and the infinities.
fn number_len(value: &Value) -> usize {
    match value.as_i64() {
        Some(i) => {
            i.unsigned_abs()
                .checked_ilog10()
                .map_or(1, |d| d as usize + 1)
                + usize::from(i < 0)
        }
        None if value.is_null() => 4,
        None => 24,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sized(value: &Value, limits: &EvalLimits) -> Result<Option<Value>, Limit> {
        from_jvalue(&to_jvalue(value), limits)
    }

    #[test]
    fn the_byte_count_is_the_json_text_length_for_plain_values() {
        for value in [
            json!({ "id": "nrf-1", "n": [1, -20, 300, true, null], "o": {} }),
            json!([]),
            json!("x"),
            json!(-7),
        ] {
            let len = value.to_string().len();
            let exact = EvalLimits::none().max_result_bytes(len);
            assert_eq!(sized(&value, &exact), Ok(Some(value.clone())), "{value}");
            let short = EvalLimits::none().max_result_bytes(len - 1);
            assert_eq!(sized(&value, &short), Err(Limit::ResultBytes), "{value}");
        }
    }

    #[test]
    fn the_depth_counts_arrays_and_objects() {
        let value = json!([[{ "a": 1 }]]);
        let three = EvalLimits::none().max_result_depth(3);
        assert_eq!(sized(&value, &three), Ok(Some(value.clone())));
        let two = EvalLimits::none().max_result_depth(2);
        assert_eq!(sized(&value, &two), Err(Limit::ResultDepth));
        assert_eq!(
            sized(&json!(1), &EvalLimits::none().max_result_depth(0)),
            Ok(Some(json!(1)))
        );
    }
}
