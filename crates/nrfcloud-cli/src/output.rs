//! Output formats: `json` (pretty; a list is one array), `ndjson` (one compact line per item),
//! `table` (columns of the items' scalar fields) and `csv` (the first item's fields as the
//! header). Lists are written as their items arrive: memory holds one page of the stream and,
//! for `table`, the first [`TABLE_SAMPLE`] rows that set the column widths.

use std::io::{self, IsTerminal, Write};

use serde_json::Value;

use crate::error::CliError;

/// Rows read before a table's column widths are fixed.
pub const TABLE_SAMPLE: usize = 50;
/// The widest a table cell is printed.
const MAX_CELL: usize = 48;

/// `--output`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Pretty JSON; a list is one JSON array.
    Json,
    /// One compact JSON document per line.
    Ndjson,
    /// Aligned columns (the default on a terminal).
    Table,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// `table` on a terminal, `json` otherwise.
    pub fn default_for_stdout() -> Format {
        if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    }
}

/// Where results go.
pub struct Output {
    format: Format,
    out: Box<dyn Write + Send>,
    list: ListState,
}

enum ListState {
    Idle,
    Json {
        first: bool,
    },
    Ndjson,
    Table {
        sample: Vec<Value>,
        columns: Option<Vec<(String, usize)>>,
    },
    Csv {
        columns: Option<Vec<String>>,
        writer_started: bool,
    },
}

fn io_err(e: io::Error) -> CliError {
    CliError::from(e)
}

impl Output {
    /// Writes to stdout in `format`.
    pub fn stdout(format: Format) -> Output {
        Output {
            format,
            out: Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout())),
            list: ListState::Idle,
        }
    }

    /// The format in use.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes raw bytes (downloads to stdout).
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        self.out.write_all(bytes).map_err(io_err)
    }

    /// Writes one value (a single answer).
    pub fn value(&mut self, v: &Value) -> Result<(), CliError> {
        match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, v)
                    .map_err(|e| CliError::from(io::Error::from(e)))?;
                writeln!(self.out).map_err(io_err)?;
            }
            Format::Ndjson => {
                serde_json::to_writer(&mut self.out, v)
                    .map_err(|e| CliError::from(io::Error::from(e)))?;
                writeln!(self.out).map_err(io_err)?;
            }
            Format::Table | Format::Csv => {
                // A list answer (an `items` array) prints as rows; an object as key/value rows.
                let items = match v {
                    Value::Array(a) => Some(a.clone()),
                    Value::Object(o) => match o.get("items") {
                        Some(Value::Array(a)) => Some(a.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                match items {
                    Some(items) => {
                        self.begin_list()?;
                        for item in items {
                            self.item(item)?;
                        }
                        self.end_list()?;
                    }
                    None => match v {
                        Value::Object(o) if self.format == Format::Table => {
                            let width = o.keys().map(|k| k.chars().count()).max().unwrap_or(0);
                            for (k, val) in o {
                                writeln!(self.out, "{k:<width$}  {}", cell_full(val))
                                    .map_err(io_err)?;
                            }
                        }
                        other => {
                            self.begin_list()?;
                            self.item(other.clone())?;
                            self.end_list()?;
                        }
                    },
                }
            }
        }
        self.flush()
    }

    /// Starts a streamed list.
    pub fn begin_list(&mut self) -> Result<(), CliError> {
        self.list = match self.format {
            Format::Json => ListState::Json { first: true },
            Format::Ndjson => ListState::Ndjson,
            Format::Table => ListState::Table {
                sample: Vec::new(),
                columns: None,
            },
            Format::Csv => ListState::Csv {
                columns: None,
                writer_started: false,
            },
        };
        Ok(())
    }

    /// Writes one item of a streamed list.
    pub fn item(&mut self, v: Value) -> Result<(), CliError> {
        match &mut self.list {
            ListState::Idle => self.value(&v)?,
            ListState::Json { first } => {
                let sep = if *first { "[\n  " } else { ",\n  " };
                *first = false;
                self.out.write_all(sep.as_bytes()).map_err(io_err)?;
                let text = serde_json::to_string_pretty(&v)
                    .map_err(|e| CliError::from(io::Error::from(e)))?;
                self.out
                    .write_all(text.replace('\n', "\n  ").as_bytes())
                    .map_err(io_err)?;
            }
            ListState::Ndjson => {
                serde_json::to_writer(&mut self.out, &v)
                    .map_err(|e| CliError::from(io::Error::from(e)))?;
                self.out.write_all(b"\n").map_err(io_err)?;
            }
            ListState::Table { sample, columns } => match columns {
                None => {
                    sample.push(v);
                    if sample.len() >= TABLE_SAMPLE {
                        let rows = std::mem::take(sample);
                        let cols = table_columns(&rows);
                        write_table_header(&mut self.out, &cols)?;
                        for row in &rows {
                            write_table_row(&mut self.out, &cols, row)?;
                        }
                        *columns = Some(cols);
                    }
                }
                Some(cols) => write_table_row(&mut self.out, cols, &v)?,
            },
            ListState::Csv {
                columns,
                writer_started,
            } => {
                let cols = columns.get_or_insert_with(|| csv_columns(&v));
                if !*writer_started {
                    *writer_started = true;
                    write_csv_record(&mut self.out, cols.iter().map(String::as_str))?;
                }
                let cells: Vec<String> = cols.iter().map(|c| csv_cell(&v, c)).collect();
                write_csv_record(&mut self.out, cells.iter().map(String::as_str))?;
            }
        }
        Ok(())
    }

    /// Ends a streamed list.
    pub fn end_list(&mut self) -> Result<(), CliError> {
        match std::mem::replace(&mut self.list, ListState::Idle) {
            ListState::Json { first } => {
                let close = if first { "[]\n" } else { "\n]\n" };
                self.out.write_all(close.as_bytes()).map_err(io_err)?;
            }
            ListState::Table {
                sample,
                columns: None,
            } => {
                if sample.is_empty() {
                    // Nothing to show; a table of no rows prints nothing.
                } else {
                    let cols = table_columns(&sample);
                    write_table_header(&mut self.out, &cols)?;
                    for row in &sample {
                        write_table_row(&mut self.out, &cols, row)?;
                    }
                }
            }
            _ => {}
        }
        self.flush()
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush().map_err(io_err)
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().all(|x| !x.is_object() && !x.is_array()),
        Value::Object(_) => false,
        _ => true,
    }
}

/// A cell's text: strings bare, lists joined with commas, other JSON compact.
fn cell_full(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

fn cell(v: &Value) -> String {
    let mut s = cell_full(v).replace(['\n', '\r', '\t'], " ");
    if s.chars().count() > MAX_CELL {
        s = s.chars().take(MAX_CELL - 1).collect();
        s.push('…');
    }
    s
}

/// The columns of a table: the scalar fields of the sampled items, in first-seen order, as
/// wide as their widest sampled cell. Items that are not objects make one `VALUE` column.
fn table_columns(rows: &[Value]) -> Vec<(String, usize)> {
    let mut cols: Vec<(String, usize)> = Vec::new();
    for row in rows {
        match row {
            Value::Object(o) => {
                for (k, v) in o {
                    if !is_scalar(v) {
                        continue;
                    }
                    let w = cell(v).chars().count();
                    match cols.iter_mut().find(|(c, _)| c == k) {
                        Some((_, cw)) => *cw = (*cw).max(w),
                        None => cols.push((k.clone(), w.max(k.chars().count()))),
                    }
                }
            }
            other => {
                let w = cell(other).chars().count();
                match cols.iter_mut().find(|(c, _)| c.is_empty()) {
                    Some((_, cw)) => *cw = (*cw).max(w),
                    None => cols.push((String::new(), w.max(5))),
                }
            }
        }
    }
    cols
}

fn header_of(name: &str) -> String {
    if name.is_empty() {
        return "VALUE".into();
    }
    crate::api_commands::flag_name(name)
        .replace('-', "_")
        .to_ascii_uppercase()
}

fn write_table_header(out: &mut dyn Write, cols: &[(String, usize)]) -> Result<(), CliError> {
    let line: Vec<String> = cols
        .iter()
        .map(|(c, w)| format!("{:<w$}", header_of(c), w = *w))
        .collect();
    writeln!(out, "{}", line.join("  ").trim_end()).map_err(io_err)
}

fn write_table_row(
    out: &mut dyn Write,
    cols: &[(String, usize)],
    row: &Value,
) -> Result<(), CliError> {
    let line: Vec<String> = cols
        .iter()
        .map(|(c, w)| {
            let v = if c.is_empty() { Some(row) } else { row.get(c) };
            format!("{:<w$}", v.map(cell).unwrap_or_default(), w = *w)
        })
        .collect();
    writeln!(out, "{}", line.join("  ").trim_end()).map_err(io_err)
}

fn csv_columns(first: &Value) -> Vec<String> {
    match first {
        Value::Object(o) => o.keys().cloned().collect(),
        _ => vec![String::new()],
    }
}

fn csv_cell(row: &Value, col: &str) -> String {
    if col.is_empty() {
        return cell_full(row);
    }
    row.get(col).map(cell_full).unwrap_or_default()
}

fn write_csv_record<'a>(
    out: &mut dyn Write,
    cells: impl Iterator<Item = &'a str>,
) -> Result<(), CliError> {
    let mut line = String::new();
    for (i, c) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        if c.contains([',', '"', '\n', '\r']) || c.starts_with(' ') || c.ends_with(' ') {
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(c);
        }
    }
    line.push('\n');
    out.write_all(line.as_bytes()).map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_columns_keep_scalars_and_lists_of_scalars() {
        let rows = vec![json!({"id": "a", "tags": ["x", "y"], "state": {"r": 1}, "n": 12345})];
        let cols = table_columns(&rows);
        let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(names, ["id", "tags", "n"]);
        assert_eq!(cols[1].1, 4); // "TAGS" is wider than "x,y"
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        write_csv_record(&mut out, ["a", "b,c", "say \"hi\""].into_iter()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\"\n"
        );
    }
}
