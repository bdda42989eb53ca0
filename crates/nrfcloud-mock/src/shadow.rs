//! A device shadow: `desired` and `reported` documents, their per-leaf `metadata` timestamps,
//! the computed `delta`, and a `version` that every update bumps. Updates merge like AWS IoT
//! shadows: objects merge key by key, `null` deletes a key, anything else replaces.

use serde_json::{Map, Value, json};

/// The state document of one device.
#[derive(Debug, Clone)]
pub(crate) struct Shadow {
    desired: Map<String, Value>,
    reported: Map<String, Value>,
    meta_desired: Map<String, Value>,
    meta_reported: Map<String, Value>,
    pub(crate) version: u64,
}

impl Shadow {
    /// An empty shadow at version 1.
    pub(crate) fn new() -> Self {
        Self {
            desired: Map::new(),
            reported: Map::new(),
            meta_desired: Map::new(),
            meta_reported: Map::new(),
            version: 1,
        }
    }

    /// Merges `desired` and/or `reported` fragments stamped with `ts` (Unix seconds) and bumps
    /// the version.
    pub(crate) fn update(&mut self, desired: Option<&Value>, reported: Option<&Value>, ts: i64) {
        if let Some(Value::Object(patch)) = desired {
            merge(&mut self.desired, &mut self.meta_desired, patch, ts);
        }
        if let Some(Value::Object(patch)) = reported {
            merge(&mut self.reported, &mut self.meta_reported, patch, ts);
        }
        self.version += 1;
    }

    /// The shadow as the API shows it under a device's `state`.
    pub(crate) fn to_json(&self, include_metadata: bool) -> Value {
        let mut out = json!({
            "desired": self.desired,
            "reported": self.reported,
            "version": self.version,
        });
        if let Some(delta) = delta(&self.desired, &self.reported) {
            out["delta"] = Value::Object(delta);
        }
        if include_metadata {
            out["metadata"] = json!({
                "desired": self.meta_desired,
                "reported": self.meta_reported,
            });
        }
        out
    }
}

fn merge(
    target: &mut Map<String, Value>,
    meta: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    ts: i64,
) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
                meta.remove(key);
            }
            Value::Object(inner) => {
                let t = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !t.is_object() {
                    *t = Value::Object(Map::new());
                }
                let m = meta
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !m.is_object() {
                    *m = Value::Object(Map::new());
                }
                if let (Value::Object(t), Value::Object(m)) = (t, m) {
                    merge(t, m, inner, ts);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
                meta.insert(key.clone(), leaf_metadata(other, ts));
            }
        }
    }
}

/// `{timestamp}` for a scalar; one entry per element for an array (nested objects mirrored).
fn leaf_metadata(value: &Value, ts: i64) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| leaf_metadata(v, ts)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), leaf_metadata(v, ts)))
                .collect(),
        ),
        _ => json!({ "timestamp": ts }),
    }
}

/// The parts of `desired` that `reported` does not match yet.
fn delta(
    desired: &Map<String, Value>,
    reported: &Map<String, Value>,
) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (key, want) in desired {
        match (want, reported.get(key)) {
            (Value::Object(w), Some(Value::Object(r))) => {
                if let Some(d) = delta(w, r) {
                    out.insert(key.clone(), Value::Object(d));
                }
            }
            (w, Some(r)) if w == r => {}
            (w, _) => {
                out.insert(key.clone(), w.clone());
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_delete_delta_and_version() {
        let mut s = Shadow::new();
        s.update(
            Some(&json!({"config": {"gnss": true, "rate": 5}})),
            Some(&json!({"config": {"gnss": false, "rate": 5}, "fw": ["APP", "MODEM"]})),
            100,
        );
        assert_eq!(s.version, 2);
        let j = s.to_json(true);
        assert_eq!(j["delta"], json!({"config": {"gnss": true}}));
        assert_eq!(
            j["metadata"]["reported"]["fw"],
            json!([{"timestamp": 100}, {"timestamp": 100}])
        );
        s.update(
            None,
            Some(&json!({"config": {"gnss": true}, "fw": null})),
            101,
        );
        let j = s.to_json(false);
        assert!(j.get("delta").is_none());
        assert!(j["reported"].get("fw").is_none());
        assert!(j.get("metadata").is_none());
        assert_eq!(j["version"], 3);
    }
}
