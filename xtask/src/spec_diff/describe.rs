//! Helpers shared by the comparisons: describing a changed value in one short line, and
//! building the change lines.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Reports every key outside `covered` whose value differs: `key a -> b` for short scalars,
/// `key added/removed/changed` otherwise.
pub(super) fn diff_other_keys(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    covered: &[&str],
    prefix: &str,
    out: &mut Vec<String>,
) {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        if covered.contains(&key.as_str()) {
            continue;
        }
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            push(out, prefix, describe_change(key, x, y));
        }
    }
}

/// `key a -> b` when both sides are short scalars (or absent), otherwise added/removed/changed.
pub(super) fn describe_change(key: &str, x: Option<&Value>, y: Option<&Value>) -> String {
    const PROSE: [&str; 5] = ["description", "summary", "title", "example", "examples"];
    let short = |v: Option<&Value>| match v {
        None | Some(Value::Null | Value::Bool(_) | Value::Number(_)) => true,
        Some(Value::String(s)) => s.chars().count() <= 60 && !s.contains('\n'),
        Some(_) => false,
    };
    match (x, y) {
        (None, Some(_)) if PROSE.contains(&key) || !short(y) => format!("{key} added"),
        (Some(_), None) if PROSE.contains(&key) || !short(x) => format!("{key} removed"),
        _ if !PROSE.contains(&key) && short(x) && short(y) => {
            format!("{key} {} -> {}", render(x), render(y))
        }
        _ => format!("{key} changed"),
    }
}

/// A value on one line: strings bare, absent as `none`, others as compact JSON (shortened).
pub(super) fn render(v: Option<&Value>) -> String {
    let text = match v {
        None => return "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 80 {
        let cut: String = one_line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// `Simple Token | JSON Web Token`, `none` for `[]`, `inherited` when absent.
pub(super) fn render_security(v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "inherited".into();
    };
    let Some(alts) = v.as_array() else {
        return render(Some(v));
    };
    if alts.is_empty() {
        return "none".into();
    }
    alts.iter()
        .map(|alt| match alt.as_object() {
            Some(req) if req.is_empty() => "anonymous".to_string(),
            Some(req) => req.keys().cloned().collect::<Vec<_>>().join(" + "),
            None => render(Some(alt)),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

pub(super) fn render_servers(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        Some(list) => format!(
            "[{}]",
            list.iter()
                .map(|s| render(s.get("url").or(Some(s))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => render(v),
    }
}

/// A boolean flag that defaults to false.
pub(super) fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn join(prefix: &str, part: &str) -> String {
    if prefix.is_empty() {
        part.to_string()
    } else {
        format!("{prefix}: {part}")
    }
}

pub(super) fn push(out: &mut Vec<String>, prefix: &str, change: String) {
    out.push(join(prefix, &change));
}
