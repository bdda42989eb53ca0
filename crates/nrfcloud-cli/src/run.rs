//! Sending a generated API command and writing its answer: one answer ([`single`]), the
//! headers of a HEAD ([`head`]), bytes ([`binary`]) or every item of every page ([`paged`]).

use futures::StreamExt;
use nrfcloud::Request;
use nrfcloud::api::pagination::PagedBuilder;
use nrfcloud::api::sendable::Sendable;
use serde::Serialize;
use serde_json::Value;

use crate::api_commands::Input;
use crate::error::CliError;
use crate::output::Output;

fn to_json<T: Serialize>(operation: &str, v: T) -> Result<Value, CliError> {
    serde_json::to_value(v)
        .map_err(|e| CliError::Api(format!("{operation}: cannot show the answer: {e}")))
}

/// Sends and prints the JSON answer (nothing for an empty one).
pub async fn single<'a, B>(
    r: Request<'a, B>,
    input: &Input,
    out: &mut Output,
) -> Result<(), CliError>
where
    B: Sendable<'a>,
    B::ErrorBody: Serialize,
    B::Response: Serialize,
{
    let op = input.operation;
    let answer = r.send().await.map_err(|e| CliError::from_client(op, e))?;
    let v = to_json(op, answer)?;
    if !v.is_null() {
        out.value(&v)?;
    }
    Ok(())
}

/// Sends a HEAD and prints the status and headers as JSON.
pub async fn head<'a, B>(r: Request<'a, B>, input: &Input, out: &mut Output) -> Result<(), CliError>
where
    B: Sendable<'a>,
    B::ErrorBody: Serialize,
{
    let op = input.operation;
    let response = r
        .send_response()
        .await
        .map_err(|e| CliError::from_client(op, e))?;
    let mut headers = serde_json::Map::new();
    for (name, value) in response.headers() {
        headers.insert(
            name.as_str().to_string(),
            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        );
    }
    let v = serde_json::json!({"status": response.status().as_u16(), "headers": headers});
    out.value(&v)
}

/// Sends and writes the bytes to `--output-file`, or stdout.
pub async fn binary<'a, B>(
    r: Request<'a, B>,
    input: &Input,
    out: &mut Output,
) -> Result<(), CliError>
where
    B: Sendable<'a, Response = nrfcloud::ByteStream>,
    B::ErrorBody: Serialize,
{
    let op = input.operation;
    let stream = r.send().await.map_err(|e| CliError::from_client(op, e))?;
    let mut inner = stream.into_inner();
    let mut file = match &input.output_file {
        Some(path) => Some(
            std::fs::File::create(path)
                .map_err(|e| CliError::usage(format!("cannot create {}: {e}", path.display())))?,
        ),
        None => None,
    };
    while let Some(chunk) = inner.next().await {
        let chunk = chunk.map_err(|e| CliError::Transport(format!("{op}: {e}")))?;
        match &mut file {
            Some(f) => std::io::Write::write_all(f, &chunk)?,
            None => out.bytes(&chunk)?,
        }
    }
    out.flush()
}

/// Streams every item of every page (the next page is fetched while this one prints).
pub async fn paged<'a, B>(
    mut r: Request<'a, B>,
    input: &Input,
    out: &mut Output,
) -> Result<(), CliError>
where
    B: PagedBuilder<'a> + Sync,
    B::ErrorBody: Serialize,
    B::Item: Serialize,
{
    let op = input.operation;
    if let Some(n) = input.max_items {
        r = r.max_items(n);
    }
    if let Some(n) = input.page_limit {
        r = r.page_limit(n);
    }
    let mut items = r.items_as::<Value>();
    out.begin_list()?;
    while let Some(item) = items.next().await {
        match item {
            Ok(v) => out.item(v)?,
            Err(e) => {
                out.end_list()?;
                return Err(CliError::from_client(op, e));
            }
        }
    }
    out.end_list()
}
