//! jsonata-js's post-parse pass, reduced to the checks that can fail: steps, context
//! and positional bindings, and the parent operator (`%`).

use super::lexer::{Kind, Lexer};
use super::parser::{Expr, PResult, Raw, error};
use super::*;

/// The node types of jsonata-js's processed tree that the checks tell apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Ty {
    Path,
    Name,
    Wildcard,
    Descendant,
    Parent,
    Block,
    Sort,
    Str,
    Num,
    Value,
    Variable,
    Regex,
    Binary,
    Unary,
    Function,
    Partial,
    Lambda,
    Condition,
    Transform,
    Bind,
    Apply,
    Operator,
}

impl Ty {
    pub(super) fn name(self) -> &'static str {
        match self {
            Ty::Path => "path",
            Ty::Name => "name",
            Ty::Wildcard => "wildcard",
            Ty::Descendant => "descendant",
            Ty::Parent => "parent",
            Ty::Block => "block",
            Ty::Sort => "sort",
            Ty::Str => "string",
            Ty::Num => "number",
            Ty::Value => "value",
            Ty::Variable => "variable",
            Ty::Regex => "regex",
            Ty::Binary => "binary",
            Ty::Unary => "unary",
            Ty::Function => "function",
            Ty::Partial => "partial",
            Ty::Lambda => "lambda",
            Ty::Condition => "condition",
            Ty::Transform => "transform",
            Ty::Bind => "bind",
            Ty::Apply => "apply",
            Ty::Operator => "operator",
        }
    }
}

/// A processed node: what the step, binding and parent (`%`) checks look at.
#[derive(Debug, Clone)]
pub(super) struct Q {
    pub(super) ty: Ty,
    pub(super) pos: Option<usize>,
    value: Val,
    /// Parent slots still looking for their ancestor.
    pub(super) seeking: Option<Vec<usize>>,
    predicate: bool,
    stages: bool,
    group: bool,
    focus: bool,
    /// Steps of a path.
    steps: Vec<Q>,
    /// Last expression of a block.
    last: Option<Box<Q>>,
    /// Slot of a parent operator.
    slot: usize,
}

impl Drop for Q {
    /// Drops nested steps on a new stack segment when the stack runs low (see
    /// `Raw`'s `Drop`).
    fn drop(&mut self) {
        if !self.steps.is_empty() || self.last.is_some() {
            let steps = std::mem::take(&mut self.steps);
            let last = self.last.take();
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, move || drop((steps, last)));
        }
    }
}

impl Q {
    fn new(ty: Ty, raw: &Raw) -> Self {
        Q {
            ty,
            pos: raw.pos,
            value: raw.value.clone(),
            seeking: None,
            predicate: false,
            stages: false,
            group: false,
            focus: false,
            steps: Vec::new(),
            last: None,
            slot: 0,
        }
    }

    fn path(step: Q) -> Self {
        Q {
            ty: Ty::Path,
            pos: None,
            value: Val::Null,
            seeking: None,
            predicate: false,
            stages: false,
            group: false,
            focus: false,
            steps: vec![step],
            last: None,
            slot: 0,
        }
    }

    /// The step that predicates and bindings attach to.
    fn step_mut(&mut self) -> &mut Q {
        if self.ty == Ty::Path {
            self.steps.last_mut().expect("a path has steps")
        } else {
            self
        }
    }
}

/// jsonata-js's post-parse pass, reduced to the checks that can fail.
pub(super) struct Processor<'a> {
    pub(super) lexer: &'a Lexer,
    /// Levels of the parent-operator slots.
    pub(super) slots: Vec<i64>,
}

impl Processor<'_> {
    pub(super) fn error(
        &self,
        code: &'static str,
        pos: Option<usize>,
        token: Option<&Val>,
    ) -> SyntaxError {
        error(self.lexer, code, pos, token, None)
    }

    fn push_ancestry(result: &mut Q, value: &Q) {
        if value.seeking.is_some() || value.ty == Ty::Parent {
            let mut slots = value.seeking.clone().unwrap_or_default();
            if value.ty == Ty::Parent {
                slots.push(value.slot);
            }
            result.seeking.get_or_insert_with(Vec::new).extend(slots);
        }
    }

    fn seek_parent(&mut self, node: &Q, slot: usize) -> PResult<()> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.seek_parent_in(node, slot))
    }

    fn seek_parent_in(&mut self, node: &Q, slot: usize) -> PResult<()> {
        match node.ty {
            Ty::Name | Ty::Wildcard => self.slots[slot] -= 1,
            Ty::Parent => self.slots[slot] += 1,
            Ty::Block => {
                if let Some(last) = &node.last {
                    self.seek_parent(last, slot)?;
                }
            }
            Ty::Path => {
                let mut index = node.steps.len() as isize - 1;
                self.seek_parent(&node.steps[index as usize], slot)?;
                index -= 1;
                while self.slots[slot] > 0 && index >= 0 {
                    self.seek_parent(&node.steps[index as usize], slot)?;
                    index -= 1;
                }
            }
            other => {
                let token = Val::Str(other.name().to_string());
                return Err(self.error("S0217", node.pos, Some(&token)));
            }
        }
        Ok(())
    }

    fn resolve_ancestry(&mut self, path: &mut Q) -> PResult<()> {
        let count = path.steps.len();
        let last = &path.steps[count - 1];
        let mut slots = last.seeking.clone().unwrap_or_default();
        if last.ty == Ty::Parent {
            slots.push(last.slot);
        }
        for slot in slots {
            let mut index = count as isize - 2;
            while self.slots[slot] > 0 {
                if index < 0 {
                    path.seeking.get_or_insert_with(Vec::new).push(slot);
                    break;
                }
                let mut at = index as usize;
                index -= 1;
                // Contiguous steps that bind the focus count as one.
                while index >= 0 && path.steps[at].focus && path.steps[index as usize].focus {
                    at = index as usize;
                    index -= 1;
                }
                let step = path.steps[at].clone();
                self.seek_parent(&step, slot)?;
            }
        }
        Ok(())
    }

    /// Processes one node; the parser keeps the tree within the nesting limit, and
    /// each level may move to a new stack segment when the thread's stack runs low.
    pub(super) fn process(&mut self, raw: &Raw) -> PResult<Q> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.process_node(raw))
    }

    fn process_node(&mut self, raw: &Raw) -> PResult<Q> {
        let q = match &raw.expr {
            Expr::Leaf(kind) => match kind {
                Kind::Name => Q::path(Q::new(Ty::Name, raw)),
                Kind::Variable => Q::new(Ty::Variable, raw),
                Kind::Str => Q::new(Ty::Str, raw),
                Kind::Number => Q::new(Ty::Num, raw),
                Kind::Value => Q::new(Ty::Value, raw),
                Kind::Regex => Q::new(Ty::Regex, raw),
                Kind::Operator => match raw.value.plain().as_str() {
                    "and" | "or" | "in" => Q::path(Q::new(Ty::Name, raw)),
                    "?" => Q::new(Ty::Operator, raw),
                    _ => return Err(self.error("S0201", raw.pos, Some(&raw.value))),
                },
            },
            Expr::End => return Err(self.error("S0207", raw.pos, Some(&raw.value))),
            Expr::Binary(op, lhs, rhs) => match op.as_str() {
                "." => self.path_step(lhs, rhs)?,
                ":=" => {
                    let mut q = Q::new(Ty::Bind, raw);
                    self.process(lhs)?;
                    let value = self.process(rhs)?;
                    Self::push_ancestry(&mut q, &value);
                    q
                }
                "@" => {
                    let mut result = self.process(lhs)?;
                    let step = result.step_mut();
                    if step.stages || step.predicate {
                        return Err(self.error("S0215", raw.pos, None));
                    }
                    if step.ty == Ty::Sort {
                        return Err(self.error("S0216", raw.pos, None));
                    }
                    step.focus = true;
                    result
                }
                "#" => {
                    let result = self.process(lhs)?;
                    if result.ty == Ty::Path {
                        result
                    } else {
                        Q::path(result)
                    }
                }
                "~>" => {
                    self.process(lhs)?;
                    self.process(rhs)?;
                    Q::new(Ty::Apply, raw)
                }
                _ => {
                    let mut q = Q::new(Ty::Binary, raw);
                    let l = self.process(lhs)?;
                    Self::push_ancestry(&mut q, &l);
                    let r = self.process(rhs)?;
                    Self::push_ancestry(&mut q, &r);
                    q
                }
            },
            Expr::Filter(lhs, rhs) => {
                let mut result = self.process(lhs)?;
                let is_path = result.ty == Ty::Path;
                if result.step_mut().group {
                    return Err(self.error("S0209", raw.pos, None));
                }
                let predicate = self.process(rhs)?;
                if let Some(slots) = predicate.seeking.clone() {
                    for slot in slots {
                        if self.slots[slot] == 1 {
                            let step = result.step_mut().clone();
                            self.seek_parent(&step, slot)?;
                        } else {
                            self.slots[slot] -= 1;
                        }
                    }
                    Self::push_ancestry(result.step_mut(), &predicate);
                }
                if is_path {
                    result.step_mut().stages = true;
                } else {
                    result.predicate = true;
                }
                result
            }
            Expr::OrderBy(lhs, terms) => {
                let mut result = self.process(lhs)?;
                if result.ty != Ty::Path {
                    result = Q::path(result);
                }
                let mut sort = Q::new(Ty::Sort, raw);
                for term in terms {
                    let term = self.process(term)?;
                    Self::push_ancestry(&mut sort, &term);
                }
                result.steps.push(sort);
                self.resolve_ancestry(&mut result)?;
                result
            }
            Expr::Group(lhs, pairs) => {
                let mut result = self.process(lhs)?;
                if result.group {
                    return Err(self.error("S0210", raw.pos, None));
                }
                for (key, value) in pairs {
                    self.process(key)?;
                    self.process(value)?;
                }
                result.group = true;
                result
            }
            Expr::Object(pairs) => {
                let mut q = Q::new(Ty::Unary, raw);
                for (key, value) in pairs {
                    let key = self.process(key)?;
                    Self::push_ancestry(&mut q, &key);
                    let value = self.process(value)?;
                    Self::push_ancestry(&mut q, &value);
                }
                q
            }
            Expr::Array(items) => {
                let mut q = Q::new(Ty::Unary, raw);
                for item in items {
                    let item = self.process(item)?;
                    Self::push_ancestry(&mut q, &item);
                }
                q
            }
            Expr::Negate(inner) => {
                let mut inner = self.process(inner)?;
                if inner.ty == Ty::Num {
                    if let Val::Num(n) = inner.value {
                        inner.value = Val::Num(-n);
                    }
                    inner
                } else {
                    let mut q = Q::new(Ty::Unary, raw);
                    Self::push_ancestry(&mut q, &inner);
                    q
                }
            }
            Expr::Wildcard => Q::new(Ty::Wildcard, raw),
            Expr::Descendant => Q::new(Ty::Descendant, raw),
            Expr::Parent => {
                let mut q = Q::new(Ty::Parent, raw);
                q.pos = None;
                q.slot = self.slots.len();
                self.slots.push(1);
                q
            }
            Expr::Call(procedure, args, partial) => {
                let ty = if *partial { Ty::Partial } else { Ty::Function };
                let mut q = Q::new(ty, raw);
                for arg in args {
                    let arg = self.process(arg)?;
                    Self::push_ancestry(&mut q, &arg);
                }
                self.process(procedure)?;
                q
            }
            Expr::Lambda(body) => {
                self.process(body)?;
                Q::new(Ty::Lambda, raw)
            }
            Expr::Condition(test, then, otherwise) => {
                let mut q = Q::new(Ty::Condition, raw);
                let test = self.process(test)?;
                Self::push_ancestry(&mut q, &test);
                let then = self.process(then)?;
                Self::push_ancestry(&mut q, &then);
                if let Some(otherwise) = otherwise {
                    let otherwise = self.process(otherwise)?;
                    Self::push_ancestry(&mut q, &otherwise);
                }
                q
            }
            Expr::Elvis(left, otherwise) => {
                // jsonata-js processes `left` twice (as the test and as `then`); the
                // second pass is the first one again, so its result is reused.
                let mut q = Q::new(Ty::Condition, raw);
                let test = self.process(left)?;
                Self::push_ancestry(&mut q, &test);
                let otherwise = self.process(otherwise)?;
                Self::push_ancestry(&mut q, &otherwise);
                q
            }
            Expr::Coalesce(left, otherwise) => {
                // The test `$exists(left)`: a function call without a position,
                // whose argument is `left`, then `left` itself (reused, as above).
                let mut q = Q::new(Ty::Condition, raw);
                let left = self.process(left)?;
                Self::push_ancestry(&mut q, &left);
                let otherwise = self.process(otherwise)?;
                Self::push_ancestry(&mut q, &otherwise);
                q
            }
            Expr::Transform(pattern, update, delete) => {
                self.process(pattern)?;
                self.process(update)?;
                if let Some(delete) = delete {
                    self.process(delete)?;
                }
                Q::new(Ty::Transform, raw)
            }
            Expr::Block(exprs) => {
                let mut q = Q::new(Ty::Block, raw);
                for expr in exprs {
                    let part = self.process(expr)?;
                    Self::push_ancestry(&mut q, &part);
                    q.last = Some(Box::new(part));
                }
                q
            }
        };
        Ok(q)
    }

    /// The `.` operator: flattens both sides into one path.
    fn path_step(&mut self, lhs: &Raw, rhs: &Raw) -> PResult<Q> {
        let left = self.process(lhs)?;
        let left_parent = (left.ty == Ty::Parent).then_some(left.slot);
        let mut result = if left.ty == Ty::Path {
            left
        } else {
            Q::path(left)
        };
        if let Some(slot) = left_parent {
            result.seeking = Some(vec![slot]);
        }
        let mut rest = self.process(rhs)?;
        if rest.ty == Ty::Path {
            result.steps.append(&mut rest.steps);
        } else {
            if rest.predicate {
                rest.stages = true;
                rest.predicate = false;
            }
            result.steps.push(rest);
        }
        if let Some(step) = result
            .steps
            .iter()
            .find(|s| matches!(s.ty, Ty::Num | Ty::Value))
        {
            let mut err = self.error("S0213", step.pos, None);
            err.message = message("S0213", None, Some(&step.value));
            return Err(err);
        }
        for step in &mut result.steps {
            if step.ty == Ty::Str {
                step.ty = Ty::Name;
            }
        }
        self.resolve_ancestry(&mut result)?;
        Ok(result)
    }
}
