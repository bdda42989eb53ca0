//! The generated API commands: a clap [`Command`] per operation of the table (grouped by
//! resource), and the checked [`Input`] read from its matches. Every check of the document
//! (required, pattern, lengths, range, enum, JSON body type) runs here, before anything is
//! sent.

use std::collections::BTreeMap;
use std::io::Read;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::CliError;
use crate::output::Output;
use crate::table::{BodyKind, Kind, OPERATIONS, OpSpec, ParamSpec};

mod generated {
    use super::{CliError, Input, OpSpec, Output};
    include!(concat!(env!("OUT_DIR"), "/dispatch.rs"));
}
pub use generated::dispatch;

/// One-line descriptions of the groups (`nrfcloud --help`).
fn group_about(group: &str) -> String {
    let ops: Vec<&OpSpec> = OPERATIONS.iter().filter(|o| o.group == group).collect();
    format!(
        "{} API operation{} on {}",
        ops.len(),
        if ops.len() == 1 { "" } else { "s" },
        ops.iter()
            .map(|o| {
                let segs: Vec<&str> = o.path.split('/').collect();
                // /location/anchors names its own group; /devices/{id}/… is /devices.
                if segs.len() > 2 && segs[1] == "location" && !segs[2].starts_with('{') {
                    segs[..3].join("/")
                } else {
                    segs[..2.min(segs.len())].join("/")
                }
            })
            .fold(Vec::<String>::new(), |mut acc, p| {
                if !acc.contains(&p) {
                    acc.push(p);
                }
                acc
            })
            .join(", ")
    )
}

/// The command of every group, each with one subcommand per operation.
pub fn group_commands() -> Vec<Command> {
    crate::table::groups()
        .into_iter()
        .map(|group| {
            let mut cmd = Command::new(group)
                .about(group_about(group))
                .subcommand_required(true)
                .arg_required_else_help(true);
            for op in OPERATIONS.iter().filter(|o| o.group == group) {
                cmd = cmd.subcommand(op_command(op));
            }
            cmd
        })
        .collect()
}

/// The value name of a parameter (`DEVICE_ID`).
fn value_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// The flag of a parameter (`deviceId` → `device-id`).
pub fn flag_name(name: &str) -> String {
    value_name(name).to_ascii_lowercase().replace('_', "-")
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let line = line.trim().trim_start_matches('#').trim().replace("**", "");
    // "Deprecated." alone says little: the sentence after it says what the operation does.
    let line = line
        .strip_prefix("Deprecated.")
        .map(|rest| format!("Deprecated. {}", rest.trim()))
        .unwrap_or(line);
    let line = line.as_str();
    match line.find(". ") {
        Some(i) => line[..=i].to_string(),
        None => line.to_string(),
    }
}

fn param_help(p: &ParamSpec) -> String {
    let mut help = first_sentence(p.description);
    let mut rules = Vec::new();
    if let Some(pattern) = p.pattern {
        rules.push(format!("pattern {pattern}"));
    }
    match (p.minimum, p.maximum) {
        (Some(a), Some(b)) => rules.push(format!("{a} to {b}")),
        (Some(a), None) => rules.push(format!("at least {a}")),
        (None, Some(b)) => rules.push(format!("at most {b}")),
        _ => {}
    }
    if p.array {
        rules.push("repeat or separate with commas".into());
    }
    if p.kind == Kind::Json {
        rules.push("JSON".into());
    }
    if p.location == "header" {
        rules.push("header".into());
    }
    if !rules.is_empty() {
        if !help.is_empty() {
            help.push(' ');
        }
        help.push_str(&format!("[{}]", rules.join("; ")));
    }
    help
}

fn param_arg(p: &'static ParamSpec, id: String, positional: bool) -> Arg {
    let mut arg = Arg::new(id)
        .help(param_help(p))
        .value_name(value_name(p.name));
    if !positional {
        arg = arg.long(flag_name(p.name));
    }
    if p.array {
        arg = arg.action(ArgAction::Append).value_delimiter(',');
    } else {
        arg = arg.action(ArgAction::Set);
    }
    if p.kind == Kind::Boolean && !positional {
        arg = arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(["true", "false"]);
    } else if !p.enum_values.is_empty() {
        arg = arg.value_parser(clap::builder::PossibleValuesParser::new(
            p.enum_values.iter().copied(),
        ));
    }
    if p.required && !matches!(p.location, "body" | "value") {
        arg = arg.required(true);
    }
    arg
}

fn op_command(op: &'static OpSpec) -> Command {
    let mut about = if op.summary.is_empty() || op.summary == op.operation_id {
        first_sentence(op.description)
    } else {
        op.summary.to_string()
    };
    if op.deprecated && !about.to_ascii_lowercase().starts_with("deprecated") {
        about = format!("Deprecated. {about}");
    }
    let mut long = String::new();
    if first_sentence(op.description) != about {
        long.push_str(&about);
        long.push_str("\n\n");
    }
    if !op.description.is_empty() {
        long.push_str(op.description.trim());
        long.push_str("\n\n");
    }
    long.push_str(&format!(
        "Operation {} ({} {}).",
        op.operation_id, op.method, op.path
    ));
    if !op.security.is_empty() {
        let alts: Vec<String> = op.security.iter().map(|a| a.join(" + ")).collect();
        long.push_str(&format!(" Credentials: {}.", alts.join(" or ")));
    }
    let mut cmd = Command::new(op.verb).about(about).long_about(long);
    if op.alias != op.verb {
        cmd = cmd.alias(op.alias);
    }
    for p in op.params {
        let positional = p.location == "path";
        cmd = cmd.arg(param_arg(p, format!("param:{}", p.name), positional));
    }
    if let Some(body) = &op.body {
        let what = match body.kind {
            BodyKind::Json => "the request body: a JSON file, or - for stdin",
            BodyKind::Text => "the request body, sent as it is (text): a file, or - for stdin",
            BodyKind::Binary => "the request body, sent as it is (bytes): a file, or - for stdin",
        };
        let mut help = what.to_string();
        let described = first_sentence(body.description);
        if !described.is_empty() {
            help = format!("{described} ({what})");
        }
        let mut arg = Arg::new("body").long("body").value_name("FILE").help(help);
        if body.fields.is_empty() && body.required {
            arg = arg.required(true);
        }
        cmd = cmd.arg(arg);
        for f in body.fields {
            cmd = cmd.arg(
                param_arg(f, format!("field:{}", f.name), false)
                    .help_heading("Body fields (instead of --body)")
                    .conflicts_with("body"),
            );
        }
    }
    if op.transform {
        cmd = cmd.arg(
            Arg::new("transform")
                .long("transform")
                .value_name("EXPR")
                .help("A JSONata expression the server applies (checked locally first)"),
        );
    }
    if op.paginated {
        cmd = cmd
            .arg(
                Arg::new("max-items")
                    .long("max-items")
                    .value_name("N")
                    .value_parser(clap::value_parser!(usize))
                    .help("Stop after N items (default: every page)"),
            )
            .arg(
                Arg::new("page-limit")
                    .long("page-limit")
                    .value_name("N")
                    .value_parser(clap::value_parser!(u32).range(1..=100))
                    .help("Items per request, 1 to 100 (default 100)"),
            );
    }
    if op.binary {
        cmd = cmd.arg(
            Arg::new("output-file")
                .long("output-file")
                .short('O')
                .value_name("FILE")
                .help("Write the bytes here (default: stdout)"),
        );
    }
    cmd
}

/// The checked input of one API command.
#[derive(Debug, Default)]
pub struct Input {
    /// Parameter values as JSON, by the document's name.
    values: BTreeMap<&'static str, Value>,
    /// The JSON body (from `--body` or the field flags).
    pub json_body: Option<Value>,
    /// The raw body.
    pub raw_body: Option<Vec<u8>>,
    /// The checked `--transform`.
    pub transform: Option<nrfcloud::Transform>,
    /// `--max-items`.
    pub max_items: Option<usize>,
    /// `--page-limit`.
    pub page_limit: Option<u32>,
    /// `--output-file`.
    pub output_file: Option<std::path::PathBuf>,
    /// The operation.
    pub operation: &'static str,
}

impl Input {
    /// Takes the value of a parameter.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    /// Converts a checked value into the setter's type (the generated type's own checks run
    /// here too), before anything is sent.
    pub fn typed<T: DeserializeOwned>(&self, name: &str, v: Value) -> Result<T, CliError> {
        let shown = match &v {
            Value::String(s) => s.clone(),
            other => {
                let text = other.to_string();
                if text.len() > 80 {
                    format!(
                        "{}…",
                        &text[..text.char_indices().nth(80).map_or(text.len(), |(i, _)| i)]
                    )
                } else {
                    text
                }
            }
        };
        serde_json::from_value(v).map_err(|e| {
            if name == "body" {
                CliError::usage(format!("{}: invalid request body: {e}", self.operation))
            } else {
                CliError::usage(format!(
                    "{}: invalid value {shown:?} for {}: {e}",
                    self.operation,
                    flag_name(name)
                ))
            }
        })
    }

    /// A raw body as text.
    pub fn text(&self, bytes: Vec<u8>) -> Result<String, CliError> {
        String::from_utf8(bytes)
            .map_err(|_| CliError::usage(format!("{}: the body is not UTF-8 text", self.operation)))
    }
}

/// Reads a file, or stdin for `-`.
pub fn read_input_file(path: &str) -> Result<Vec<u8>, CliError> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {path}: {e}")))
    }
}

/// Checks one value against its parameter's rules and makes it JSON.
pub fn check_value(p: &ParamSpec, raw: &str) -> Result<Value, String> {
    let flag = if p.location == "path" {
        value_name(p.name)
    } else {
        format!("--{}", flag_name(p.name))
    };
    let bad = |why: String| Err(format!("invalid value {raw:?} for {flag}: {why}"));
    let value = match p.kind {
        Kind::Integer => match raw.trim().parse::<i64>() {
            Ok(n) => {
                let f = n as f64;
                if let Some(min) = p.minimum
                    && f < min
                {
                    return bad(format!("must be at least {min}"));
                }
                if let Some(max) = p.maximum
                    && f > max
                {
                    return bad(format!("must be at most {max}"));
                }
                Value::from(n)
            }
            Err(_) => return bad("not an integer".into()),
        },
        Kind::Number => match raw.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => {
                if let Some(min) = p.minimum
                    && f < min
                {
                    return bad(format!("must be at least {min}"));
                }
                if let Some(max) = p.maximum
                    && f > max
                {
                    return bad(format!("must be at most {max}"));
                }
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            _ => return bad("not a number".into()),
        },
        Kind::Boolean => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return bad("must be true or false".into()),
        },
        Kind::Json => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.into())),
        Kind::String => {
            let len = raw.chars().count() as u64;
            if let Some(min) = p.min_length
                && len < min
            {
                return bad(format!("must be at least {min} characters"));
            }
            if let Some(max) = p.max_length
                && len > max
            {
                return bad(format!("must be at most {max} characters"));
            }
            if let Some(pattern) = p.pattern
                && let Ok(re) = regress::Regex::new(pattern)
                && re.find(raw).is_none()
            {
                return bad(format!("must match the pattern {pattern}"));
            }
            Value::String(raw.into())
        }
    };
    Ok(value)
}

fn values_of(p: &ParamSpec, m: &ArgMatches, id: &str) -> Result<Option<Value>, CliError> {
    let Some(raws) = m.get_many::<String>(id) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for raw in raws {
        out.push(check_value(p, raw).map_err(CliError::Usage)?);
    }
    Ok(Some(if p.array {
        Value::Array(out)
    } else {
        out.into_iter().next().unwrap_or(Value::Null)
    }))
}

/// Reads and checks the input of `op` from its matches. Nothing has been sent yet; every
/// error is a usage error.
pub fn input_of(op: &'static OpSpec, m: &ArgMatches) -> Result<Input, CliError> {
    let mut input = Input {
        operation: op.operation_id,
        ..Default::default()
    };
    let prefix = |e: CliError| match e {
        CliError::Usage(msg) => CliError::Usage(format!("{}: {msg}", op.operation_id)),
        other => other,
    };
    for p in op.params {
        match values_of(p, m, &format!("param:{}", p.name)).map_err(prefix)? {
            Some(v) => {
                input.values.insert(p.name, v);
            }
            None => {
                if let Some(d) = p.default {
                    input.values.insert(p.name, Value::String(d.into()));
                }
            }
        }
    }
    if let Some(body) = &op.body {
        let file = m.get_one::<String>("body");
        match (body.kind, file) {
            (BodyKind::Json, Some(path)) => {
                let bytes = read_input_file(path)?;
                let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    CliError::usage(format!("{}: {path} is not JSON: {e}", op.operation_id))
                })?;
                input.json_body = Some(v);
            }
            (BodyKind::Json, None)
                if body.fields.len() == 1 && body.fields[0].location == "value" =>
            {
                let f = &body.fields[0];
                match values_of(f, m, &format!("field:{}", f.name)).map_err(prefix)? {
                    Some(v) => input.json_body = Some(v),
                    None if body.required => {
                        return Err(CliError::usage(format!(
                            "{}: the body needs --value (or --body FILE)",
                            op.operation_id
                        )));
                    }
                    None => {}
                }
            }
            (BodyKind::Json, None) => {
                let mut obj = serde_json::Map::new();
                for f in body.fields {
                    if let Some(v) =
                        values_of(f, m, &format!("field:{}", f.name)).map_err(prefix)?
                    {
                        obj.insert(f.name.to_string(), v);
                    }
                }
                if obj.is_empty() && !body.required && body.fields.iter().all(|f| !f.required) {
                    // No body given and none needed.
                } else {
                    let missing: Vec<String> = body
                        .fields
                        .iter()
                        .filter(|f| f.required && !obj.contains_key(f.name))
                        .map(|f| format!("--{}", flag_name(f.name)))
                        .collect();
                    if !missing.is_empty() {
                        return Err(CliError::usage(format!(
                            "{}: the body needs {} (or give the whole body with --body FILE)",
                            op.operation_id,
                            missing.join(", ")
                        )));
                    }
                    input.json_body = Some(Value::Object(obj));
                }
            }
            (_, Some(path)) => input.raw_body = Some(read_input_file(path)?),
            (_, None) => {}
        }
    }
    if let Some(expr) = m.try_get_one::<String>("transform").ok().flatten() {
        input.transform = Some(check_transform(expr)?);
    }
    input.max_items = m.try_get_one::<usize>("max-items").ok().flatten().copied();
    input.page_limit = m.try_get_one::<u32>("page-limit").ok().flatten().copied();
    input.output_file = m
        .try_get_one::<String>("output-file")
        .ok()
        .flatten()
        .map(Into::into);
    Ok(input)
}

/// A JSONata expression checked locally: a syntax error names its position.
pub fn check_transform(expr: &str) -> Result<nrfcloud::Transform, CliError> {
    nrfcloud::Transform::new(expr)
        .map_err(|e| CliError::usage(format!("invalid JSONata expression {expr:?}: {e}")))
}

/// Runs the API command the matches of `group` name.
pub async fn run(
    client_of: impl FnOnce(&'static OpSpec) -> Result<nrfcloud::Client, CliError>,
    group: &str,
    m: &ArgMatches,
    out: &mut Output,
) -> Result<(), CliError> {
    let (verb, sub) = m
        .subcommand()
        .ok_or_else(|| CliError::usage(format!("{group}: a command is needed")))?;
    let op = crate::table::find(group, verb)
        .ok_or_else(|| CliError::usage(format!("no command {group} {verb}")))?;
    let input = input_of(op, sub)?;
    let client = client_of(op)?;
    dispatch(&client, op, input, out).await
}
