//! The Pratt parser: builds the parse tree of an expression from its tokens, with
//! jsonata-js's parser errors (`S02xx`) and the nesting limit.

use super::lexer::{Kind, Lexer};
use super::signature::check_signature;
use super::*;

/// The current token, with the id of its symbol in the grammar.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) id: String,
    pub(super) kind: Option<Kind>,
    pub(super) value: Val,
    pub(super) pos: usize,
}

/// A parse-tree node, before the post-processing pass.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub(super) expr: Expr,
    pub(super) value: Val,
    /// Char position just after the node's token (`None` for synthesised nodes).
    pub(super) pos: Option<usize>,
    /// Levels of nodes below this one (0 for a leaf): what the checks, the processing
    /// pass and dropping the tree recurse through, kept within the nesting limit.
    pub(super) height: usize,
}

#[derive(Debug, Clone)]
pub(super) enum Expr {
    /// A token used as a terminal: name, variable, literal, regex, keyword or `?`.
    Leaf(Kind),
    End,
    Binary(String, Box<Raw>, Box<Raw>),
    Filter(Box<Raw>, Box<Raw>),
    OrderBy(Box<Raw>, Vec<Raw>),
    Group(Box<Raw>, Vec<(Raw, Raw)>),
    Object(Vec<(Raw, Raw)>),
    Array(Vec<Raw>),
    Negate(Box<Raw>),
    Wildcard,
    Descendant,
    Parent,
    /// Procedure, arguments, partial application.
    Call(Box<Raw>, Vec<Raw>, bool),
    Lambda(Box<Raw>),
    Condition(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
    /// `left ?: otherwise`: jsonata-js's condition whose test and `then` branch are
    /// the same node (kept once here: a copy per level would double the tree at each
    /// nested `?:`).
    Elvis(Box<Raw>, Box<Raw>),
    /// `left ?? otherwise`: jsonata-js's `$exists(left) ? left : otherwise`, with
    /// `left` kept once (see [`Expr::Elvis`]).
    Coalesce(Box<Raw>, Box<Raw>),
    Transform(Box<Raw>, Box<Raw>, Option<Box<Raw>>),
    Block(Vec<Raw>),
}

impl Expr {
    /// The height of a node holding this expression: one more than its tallest child.
    fn height(&self) -> usize {
        let tallest =
            |nodes: &mut dyn Iterator<Item = &Raw>| nodes.map(|n| n.height + 1).max().unwrap_or(0);
        match self {
            Expr::Leaf(_) | Expr::End | Expr::Wildcard | Expr::Descendant | Expr::Parent => 0,
            Expr::Binary(_, a, b)
            | Expr::Filter(a, b)
            | Expr::Elvis(a, b)
            | Expr::Coalesce(a, b) => tallest(&mut [&**a, &**b].into_iter()),
            Expr::OrderBy(a, terms) => tallest(&mut std::iter::once(&**a).chain(terms.iter())),
            Expr::Group(a, pairs) => {
                tallest(&mut std::iter::once(&**a).chain(pairs.iter().flat_map(|(k, v)| [k, v])))
            }
            Expr::Object(pairs) => tallest(&mut pairs.iter().flat_map(|(k, v)| [k, v])),
            Expr::Array(items) | Expr::Block(items) => tallest(&mut items.iter()),
            Expr::Negate(a) | Expr::Lambda(a) => a.height + 1,
            Expr::Call(procedure, args, _) => {
                tallest(&mut std::iter::once(&**procedure).chain(args.iter()))
            }
            Expr::Condition(a, b, c) | Expr::Transform(a, b, c) => {
                tallest(&mut [&**a, &**b].into_iter().chain(c.as_deref()))
            }
        }
    }
}

impl Drop for Raw {
    /// Drops the children (recursively, as the compiler would) on a new stack segment
    /// when the thread's stack runs low: with a raised nesting limit the tree can be
    /// deeper than a small stack.
    fn drop(&mut self) {
        if self.height > 0 {
            let expr = std::mem::replace(&mut self.expr, Expr::End);
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, move || drop(expr));
        }
    }
}

impl Raw {
    fn new(expr: Expr, node: &Node) -> Self {
        Raw {
            height: expr.height(),
            expr,
            value: node.value.clone(),
            pos: Some(node.pos),
        }
    }

    fn is_variable(&self) -> bool {
        matches!(self.expr, Expr::Leaf(Kind::Variable))
    }

    fn is_name(&self) -> bool {
        matches!(self.expr, Expr::Leaf(Kind::Name))
    }
}

fn lbp(id: &str) -> u32 {
    match id {
        "." => 75,
        "(" | "[" | "@" | "#" => 80,
        "{" => 70,
        "*" | "/" | "%" => 60,
        "+" | "-" | "&" => 50,
        "=" | "<" | ">" | "!=" | "<=" | ">=" | "in" | "~>" | "??" | "^" | "?:" => 40,
        "and" => 30,
        "or" => 25,
        "?" => 20,
        ":=" => 10,
        _ => 0,
    }
}

pub(super) type PResult<T> = Result<T, SyntaxError>;

pub(super) fn error(
    lexer: &Lexer,
    code: &'static str,
    pos: Option<usize>,
    token: Option<&Val>,
    value: Option<&Val>,
) -> SyntaxError {
    SyntaxError {
        code: Some(code),
        position: pos.map(|p| lexer.js_pos(p)),
        // jsonata-js's token is the token's value: `null` for the `null` literal.
        token: token.filter(|t| **t != Val::Null).map(Val::plain),
        message: message(code, token, value),
    }
}

/// An error jsonata-js reports without code or position (JavaScript's `RegExp`
/// rejected a regex literal or a signature).
fn uncoded(message: Option<String>) -> SyntaxError {
    SyntaxError {
        code: None,
        position: None,
        token: None,
        message: message.unwrap_or_else(|| "Invalid regular expression".into()),
    }
}

pub(super) struct Parser {
    pub(super) lexer: Lexer,
    pub(super) node: Node,
    /// Nesting level of the expression being parsed (0: the whole expression, 1: the
    /// sub-expressions directly inside it, …).
    pub(super) depth: usize,
    /// Deepest nesting allowed, of the recursion and of the tree it builds.
    pub(super) max_nesting: usize,
    /// Every token that can name a field (names, string literals, the operator words):
    /// a superset of the top-level fields the expression can read without `$` or a
    /// wildcard.
    pub(super) names: Vec<String>,
    /// A token that can read the input as a whole: a variable or function (`$…`), a
    /// wildcard (`*`, `**`) or the parent operator (`%`).
    pub(super) reads_any_field: bool,
}

impl Parser {
    pub(super) fn new(src: &str, max_nesting: usize) -> Self {
        Parser {
            depth: 0,
            max_nesting,
            names: Vec::new(),
            reads_any_field: false,
            lexer: Lexer::new(src),
            node: Node {
                id: "(start)".into(),
                kind: None,
                value: Val::Null,
                pos: 0,
            },
        }
    }

    pub(super) fn error(
        &self,
        code: &'static str,
        pos: Option<usize>,
        token: Option<&Val>,
        value: Option<&Val>,
    ) -> SyntaxError {
        error(&self.lexer, code, pos, token, value)
    }

    /// Checks that the current token is `id` (when given), then reads the next one.
    /// `infix` says an operand was just read, so `/` is division, not a regex.
    pub(super) fn advance(&mut self, id: Option<&str>, infix: bool) -> PResult<()> {
        if let Some(id) = id
            && self.node.id != id
        {
            let code = if self.node.id == "(end)" {
                "S0203"
            } else {
                "S0202"
            };
            return Err(self.error(
                code,
                Some(self.node.pos),
                Some(&self.node.value),
                Some(&Val::Str(id.to_string())),
            ));
        }
        let token = match self.lexer.next(infix) {
            Ok(t) => t,
            Err((Some(code), pos, token)) => {
                return Err(self.error(code, pos, token.as_ref(), None));
            }
            Err((None, _, message)) => return Err(uncoded(message.map(|m| m.plain()))),
        };
        let Some(token) = token else {
            self.node = Node {
                id: "(end)".into(),
                kind: None,
                value: Val::Str("(end)".into()),
                pos: self.lexer.chars.len(),
            };
            return Ok(());
        };
        match (&token.kind, &token.value) {
            // Names, and what can stand for one: a string literal as a path step
            // (`"foo"."bar"`), the operator words as field names (`and=1`).
            (Kind::Name | Kind::Str, Val::Str(name)) => self.names.push(name.clone()),
            (Kind::Operator, Val::Str(op)) if op.chars().all(char::is_alphabetic) => {
                self.names.push(op.clone())
            }
            (Kind::Variable, _) => self.reads_any_field = true,
            (Kind::Operator, Val::Str(op)) if matches!(op.as_str(), "*" | "**" | "%") => {
                self.reads_any_field = true
            }
            _ => {}
        }
        let id = match token.kind {
            Kind::Name | Kind::Variable => "(name)".to_string(),
            Kind::Operator => {
                let op = token.value.plain();
                if op == "!" || op == "~" {
                    return Err(self.error("S0204", Some(token.pos), Some(&token.value), None));
                }
                op
            }
            Kind::Str | Kind::Number | Kind::Value => "(literal)".to_string(),
            Kind::Regex => "(regex)".to_string(),
        };
        self.node = Node {
            id,
            kind: Some(token.kind),
            value: token.value,
            pos: token.pos,
        };
        Ok(())
    }

    fn expect(&mut self, id: &str) -> PResult<()> {
        self.advance(Some(id), false)
    }

    /// Pratt's top-down operator precedence loop, one nesting level deeper than the
    /// caller's.
    ///
    /// The level is checked before recursing, and the tree it builds (which grows
    /// without recursion along a chain such as `1+1+1…`) is kept within the limit too,
    /// so neither this parser, the processing pass nor dropping the tree can run out of
    /// stack. Each level may still move to a stack segment of its own on the heap when
    /// the thread's stack runs low.
    pub(super) fn expression(&mut self, rbp: u32) -> PResult<Raw> {
        if self.depth > self.max_nesting {
            return Err(self.too_deep(self.node.pos, &self.node.value));
        }
        self.depth += 1;
        let result = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            let t = self.node.clone();
            self.advance(None, true)?;
            let mut left = self.nud(&t)?;
            if left.height > self.max_nesting {
                return Err(self.too_deep(t.pos, &t.value));
            }
            while rbp < lbp(&self.node.id) {
                let t = self.node.clone();
                self.advance(None, false)?;
                left = self.led(&t, left)?;
                if left.height > self.max_nesting {
                    return Err(self.too_deep(t.pos, &t.value));
                }
            }
            Ok(left)
        });
        self.depth -= 1;
        result
    }

    /// The error for an expression nested deeper than the limit, at `token`.
    fn too_deep(&self, pos: usize, token: &Val) -> SyntaxError {
        let mut err = self.error(TOO_DEEP, Some(pos), Some(token), None);
        err.message = format!(
            "The expression is nested more than {} levels deep (the nesting limit of this \
             check: Transform::with_max_nesting)",
            self.max_nesting
        );
        err
    }

    fn boxed(&mut self, rbp: u32) -> PResult<Box<Raw>> {
        self.expression(rbp).map(Box::new)
    }

    /// A token in prefix position.
    fn nud(&mut self, t: &Node) -> PResult<Raw> {
        let expr = match t.id.as_str() {
            "(end)" => Expr::End,
            "(name)" | "(literal)" | "(regex)" | "and" | "or" | "in" => {
                Expr::Leaf(t.kind.unwrap_or(Kind::Operator))
            }
            "-" => Expr::Negate(self.boxed(70)?),
            "*" => Expr::Wildcard,
            "**" => Expr::Descendant,
            "%" => Expr::Parent,
            "(" => {
                let mut exprs = Vec::new();
                while self.node.id != ")" {
                    exprs.push(self.expression(0)?);
                    if self.node.id != ";" {
                        break;
                    }
                    self.expect(";")?;
                }
                self.advance(Some(")"), true)?;
                Expr::Block(exprs)
            }
            "[" => {
                let mut items = Vec::new();
                if self.node.id != "]" {
                    loop {
                        let mut item = self.expression(0)?;
                        if self.node.id == ".." {
                            let range = self.node.clone();
                            self.expect("..")?;
                            let rhs = self.expression(0)?;
                            item = Raw::new(
                                Expr::Binary("..".into(), Box::new(item), Box::new(rhs)),
                                &range,
                            );
                        }
                        items.push(item);
                        if self.node.id != "," {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                self.advance(Some("]"), true)?;
                Expr::Array(items)
            }
            "{" => Expr::Object(self.object_pairs()?),
            "|" => {
                let pattern = self.boxed(0)?;
                self.expect("|")?;
                let update = self.boxed(0)?;
                let mut delete = None;
                if self.node.id == "," {
                    self.expect(",")?;
                    delete = Some(self.boxed(0)?);
                }
                self.expect("|")?;
                Expr::Transform(pattern, update, delete)
            }
            _ => return Err(self.error("S0211", Some(t.pos), Some(&t.value), None)),
        };
        Ok(Raw::new(expr, t))
    }

    fn object_pairs(&mut self) -> PResult<Vec<(Raw, Raw)>> {
        let mut pairs = Vec::new();
        if self.node.id != "}" {
            loop {
                let key = self.expression(0)?;
                self.expect(":")?;
                let value = self.expression(0)?;
                pairs.push((key, value));
                if self.node.id != "," {
                    break;
                }
                self.expect(",")?;
            }
        }
        self.advance(Some("}"), true)?;
        Ok(pairs)
    }

    /// A token in infix position, `left` being what precedes it.
    fn led(&mut self, t: &Node, left: Raw) -> PResult<Raw> {
        let id = t.id.as_str();
        let left = Box::new(left);
        let expr = match id {
            "(" => return self.call(t, *left),
            "[" => {
                if self.node.id == "]" {
                    // `step[]` keeps singleton arrays and adds no node.
                    self.expect("]")?;
                    return Ok(*left);
                }
                let rhs = self.boxed(0)?;
                self.advance(Some("]"), true)?;
                Expr::Filter(left, rhs)
            }
            "^" => {
                self.expect("(")?;
                let mut terms = Vec::new();
                loop {
                    if self.node.id == "<" {
                        self.expect("<")?;
                    } else if self.node.id == ">" {
                        self.expect(">")?;
                    }
                    terms.push(self.expression(0)?);
                    if self.node.id != "," {
                        break;
                    }
                    self.expect(",")?;
                }
                self.expect(")")?;
                Expr::OrderBy(left, terms)
            }
            "{" => Expr::Group(left, self.object_pairs()?),
            ":=" => {
                if !left.is_variable() {
                    return Err(self.error("S0212", left.pos, Some(&left.value), None));
                }
                let rhs = self.boxed(lbp(":=") - 1)?;
                Expr::Binary(":=".into(), left, rhs)
            }
            "@" | "#" => {
                let rhs = self.boxed(lbp(id))?;
                if !rhs.is_variable() {
                    let token = Val::Str(id.to_string());
                    return Err(self.error("S0214", rhs.pos, Some(&token), None));
                }
                Expr::Binary(id.into(), left, rhs)
            }
            "?" => {
                let then = self.boxed(0)?;
                let mut otherwise = None;
                if self.node.id == ":" {
                    self.expect(":")?;
                    otherwise = Some(self.boxed(0)?);
                }
                Expr::Condition(left, then, otherwise)
            }
            "?:" => Expr::Elvis(left, self.boxed(0)?),
            "??" => Expr::Coalesce(left, self.boxed(0)?),
            _ => {
                let rhs = self.boxed(lbp(id))?;
                Expr::Binary(id.into(), left, rhs)
            }
        };
        Ok(Raw::new(expr, t))
    }

    /// Function call, partial application or lambda definition.
    fn call(&mut self, t: &Node, left: Raw) -> PResult<Raw> {
        let mut args = Vec::new();
        let mut partial = false;
        if self.node.id != ")" {
            loop {
                if self.node.kind == Some(Kind::Operator) && self.node.id == "?" {
                    partial = true;
                    args.push(Raw::new(Expr::Leaf(Kind::Operator), &self.node));
                    self.expect("?")?;
                } else {
                    args.push(self.expression(0)?);
                }
                if self.node.id != "," {
                    break;
                }
                self.expect(",")?;
            }
        }
        self.advance(Some(")"), true)?;
        let lambda = left.is_name()
            && matches!(&left.value, Val::Str(s) if s == "function" || s == "\u{3bb}");
        if !lambda {
            return Ok(Raw::new(Expr::Call(Box::new(left), args, partial), t));
        }
        for (index, arg) in args.iter().enumerate() {
            if !arg.is_variable() {
                let value = Val::Num((index + 1) as f64);
                return Err(self.error("S0208", arg.pos, Some(&arg.value), Some(&value)));
            }
        }
        if self.node.id == "<" {
            let sig_pos = self.node.pos;
            let mut depth = 1;
            let mut sig = String::from("<");
            while depth > 0 && self.node.id != "{" && self.node.id != "(end)" {
                self.advance(None, false)?;
                if self.node.id == ">" {
                    depth -= 1;
                } else if self.node.id == "<" {
                    depth += 1;
                }
                sig.push_str(&self.node.value.plain());
            }
            self.expect(">")?;
            match check_signature(&sig) {
                Ok(()) => {}
                Err((Some(code), offset)) => {
                    let mut err = self.error(code, None, None, None);
                    err.position = Some(self.lexer.js_pos(sig_pos) + offset);
                    return Err(err);
                }
                Err((None, _)) => {
                    return Err(uncoded(Some(format!(
                        "Invalid regular expression built from signature {sig}: \
                         Nothing to repeat"
                    ))));
                }
            }
        }
        self.expect("{")?;
        let body = self.boxed(0)?;
        self.expect("}")?;
        Ok(Raw::new(Expr::Lambda(body), t))
    }
}
