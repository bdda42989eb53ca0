//! The report's types: [`ChangeReport`] and its entries, and their rendering as lines.

use std::fmt;

use serde::Serialize;

/// What changed between an old and a new document. Empty when they are equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeReport {
    /// Operations only in the new document, sorted by path then method.
    pub operations_added: Vec<OperationRef>,
    /// Operations only in the old document, sorted by path then method.
    pub operations_removed: Vec<OperationRef>,
    /// Operations in both whose definition changed, sorted by path then method.
    pub operations_changed: Vec<OperationChange>,
    /// Component schemas only in the new document, sorted.
    pub schemas_added: Vec<String>,
    /// Component schemas only in the old document, sorted.
    pub schemas_removed: Vec<String>,
    /// Component schemas in both whose definition changed, sorted by name.
    pub schemas_changed: Vec<SchemaChange>,
    /// Changes outside operations and component schemas (version, info, servers, other
    /// components, path-level fields).
    pub document: Vec<String>,
}

/// One operation, identified by `METHOD path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationRef {
    /// The operationId, if the operation has one.
    pub operation_id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path as written in the document.
    pub path: String,
}

/// An operation present in both documents whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationChange {
    /// The operationId in the new document (the old one, if the new has none).
    pub operation_id: Option<String>,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path as written in the document.
    pub path: String,
    /// One readable entry per change, e.g. `parameter pageLimit: type integer -> string`.
    pub changes: Vec<String>,
}

/// A component schema present in both documents whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaChange {
    /// The schema's name under `components.schemas`.
    pub name: String,
    /// One readable entry per change, e.g. `enum + SUCCEEDED` or `property + size`.
    pub changes: Vec<String>,
}

impl OperationRef {
    fn label(&self) -> String {
        format!(
            "{} {} {}",
            self.operation_id.as_deref().unwrap_or("(no operationId)"),
            self.method,
            self.path
        )
    }
}

impl ChangeReport {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.operations_added.is_empty()
            && self.operations_removed.is_empty()
            && self.operations_changed.is_empty()
            && self.schemas_added.is_empty()
            && self.schemas_removed.is_empty()
            && self.schemas_changed.is_empty()
            && self.document.is_empty()
    }

    /// One line per change: `+` added, `-` removed, `~` changed; operations first, then
    /// schemas, then the rest of the document.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for op in &self.operations_added {
            out.push(format!("+ operation {}", op.label()));
        }
        for op in &self.operations_removed {
            out.push(format!("- operation {}", op.label()));
        }
        for op in &self.operations_changed {
            let label = OperationRef {
                operation_id: op.operation_id.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
            }
            .label();
            for change in &op.changes {
                out.push(format!("~ operation {label}: {change}"));
            }
        }
        for name in &self.schemas_added {
            out.push(format!("+ schema {name}"));
        }
        for name in &self.schemas_removed {
            out.push(format!("- schema {name}"));
        }
        for schema in &self.schemas_changed {
            for change in &schema.changes {
                out.push(format!("~ schema {}: {change}", schema.name));
            }
        }
        for change in &self.document {
            out.push(format!("~ document: {change}"));
        }
        out
    }

    /// A one-line count of the changes, e.g.
    /// `operations: 1 added, 0 removed, 2 changed; schemas: 0 added, 0 removed, 1 changed; document: 0 changes`.
    pub fn summary(&self) -> String {
        format!(
            "operations: {} added, {} removed, {} changed; schemas: {} added, {} removed, {} changed; document: {} changes",
            self.operations_added.len(),
            self.operations_removed.len(),
            self.operations_changed.len(),
            self.schemas_added.len(),
            self.schemas_removed.len(),
            self.schemas_changed.len(),
            self.document.len()
        )
    }
}

impl fmt::Display for ChangeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.lines() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
