//! The local syntax check: a tokenizer and Pratt parser for the JSONata grammar that
//! reports syntax errors exactly as jsonata-js (the implementation behind the nRF Cloud
//! server) does: the same error code, the same position (UTF-16 code units after the
//! offending token, as JavaScript counts string indices) and the same token.
//!
//! It builds only what the checks need; evaluation uses the engine's own parse tree.
//! This module holds the entry point, [`check`], and the error and token values the
//! stages share; [`lexer`] tokenizes, [`parser`] builds the tree, [`signature`] checks
//! function signatures and [`process`] runs jsonata-js's post-parse checks.

mod lexer;
mod parser;
mod process;
mod signature;

use parser::Parser;
use process::{Processor, Ty};

/// A syntax error as jsonata-js reports it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SyntaxError {
    /// `None` for the failures jsonata-js reports without a code: a regular
    /// expression or signature that JavaScript's `RegExp` rejects.
    pub code: Option<&'static str>,
    pub position: Option<usize>,
    pub token: Option<String>,
    pub message: String,
}

/// The code of the error for an expression nested deeper than the limit. jsonata-js has
/// no such limit (it fails with JavaScript's own stack overflow, `RangeError`, which has
/// no code); `S0299` is ours, in jsonata-js's range of parser codes (`S02xx`), at its
/// end so that it cannot meet a code jsonata-js adds after `S0217`.
pub(super) const TOO_DEEP: &str = "S0299";

/// Stack left below which a nesting level moves to a new stack segment (on the heap).
const RED_ZONE: usize = 64 * 1024;
/// Size of each new stack segment.
const STACK_SEGMENT: usize = 1024 * 1024;
/// Stack that compiling a regex literal may use: `regress` parses nested groups
/// recursively, up to 256 levels, which takes more than 1 MiB in a debug build.
const REGEX_RED_ZONE: usize = 4 * 1024 * 1024;
/// Size of the stack segment a regex literal is compiled on when less than
/// [`REGEX_RED_ZONE`] is left.
const REGEX_STACK: usize = 8 * 1024 * 1024;

/// Checks `src`; `Ok` when jsonata-js would compile it, with the top-level fields of the
/// input the expression can read (`None`: it may read any). Sub-expressions nested more
/// than `max_nesting` levels deep are refused with [`TOO_DEEP`].
pub(super) fn check(src: &str, max_nesting: usize) -> Result<Option<Vec<String>>, SyntaxError> {
    let mut parser = Parser::new(src, max_nesting);
    parser.advance(None, false)?;
    let expr = parser.expression(0)?;
    if parser.node.id != "(end)" {
        return Err(parser.error(
            "S0201",
            Some(parser.node.pos),
            Some(&parser.node.value),
            None,
        ));
    }
    let mut processor = Processor {
        lexer: &parser.lexer,
        slots: Vec::new(),
    };
    let processed = processor.process(&expr)?;
    if processed.ty == Ty::Parent || processed.seeking.is_some() {
        let token = Val::Str(processed.ty.name().to_string());
        return Err(processor.error("S0217", processed.pos, Some(&token)));
    }
    if parser.reads_any_field {
        return Ok(None);
    }
    let mut names = std::mem::take(&mut parser.names);
    names.sort();
    names.dedup();
    Ok(Some(names))
}

// ------------------------------------------------------------------ values

/// A token value, rendered as jsonata-js renders it in messages.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// A regex literal, as JavaScript prints it (`/pattern/flags`).
    Regex(String),
}

impl Val {
    /// `JSON.stringify(value)`.
    fn json(&self) -> String {
        match self {
            Val::Str(s) => serde_json::Value::String(s.clone()).to_string(),
            Val::Num(n) => js_number(*n),
            Val::Bool(b) => b.to_string(),
            Val::Null => "null".to_string(),
            Val::Regex(_) => "{}".to_string(),
        }
    }

    /// `String(value)`, as string concatenation renders it.
    fn plain(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Regex(source) => source.clone(),
            other => other.json(),
        }
    }
}

/// JavaScript's `Number.prototype.toString()` for finite numbers.
pub(super) fn js_number(n: f64) -> String {
    if n == 0.0 {
        return "0".to_string();
    }
    let abs = n.abs();
    if (1e-6..1e21).contains(&abs) {
        format!("{n}")
    } else {
        let s = format!("{n:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    }
}

fn message(code: &str, token: Option<&Val>, value: Option<&Val>) -> String {
    let tok = || token.map_or_else(|| "undefined".to_string(), Val::json);
    let val = || value.map_or_else(|| "undefined".to_string(), Val::json);
    match code {
        "S0101" => "String literal must be terminated by a matching quote".into(),
        "S0102" => format!("Number out of range: {}", tok()),
        "S0103" => format!("Unsupported escape sequence: \\{}", tok()),
        "S0104" => "The escape sequence \\u must be followed by 4 hex digits".into(),
        "S0105" => "Quoted property name must be terminated with a backquote (`)".into(),
        "S0106" => "Comment has no closing tag".into(),
        "S0201" => format!("Syntax error: {}", tok()),
        "S0202" => format!("Expected {}, got {}", val(), tok()),
        "S0203" => format!("Expected {} before end of expression", val()),
        "S0204" => format!("Unknown operator: {}", tok()),
        "S0207" => "Unexpected end of expression".into(),
        "S0208" => format!(
            "Parameter {} of function definition must be a variable name (start with $)",
            val()
        ),
        "S0209" => "A predicate cannot follow a grouping expression in a step".into(),
        "S0210" => "Each step can only have one grouping expression".into(),
        "S0211" => format!("The symbol {} cannot be used as a unary operator", tok()),
        "S0212" => "The left side of := must be a variable name (start with $)".into(),
        "S0213" => format!(
            "The literal value {} cannot be used as a step within a path expression",
            val()
        ),
        "S0214" => format!(
            "The right side of {} must be a variable name (start with $)",
            tok()
        ),
        "S0215" => "A context variable binding must precede any predicates on a step".into(),
        "S0216" => "A context variable binding must precede the 'order-by' clause on a step".into(),
        "S0217" => {
            "The object representing the 'parent' cannot be derived from this expression".into()
        }
        "S0301" => "Empty regular expressions are not allowed".into(),
        "S0302" => "No terminating / in regular expression".into(),
        "S0401" => "Type parameters can only be applied to functions and arrays".into(),
        "S0402" => "Choice groups containing parameterized types are not supported".into(),
        other => format!("Syntax error {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_number_formatting() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(0.1), "0.1");
    }
}
