//! The CLI's one error type and its documented exit codes:
//! 0 ok, 1 API error, 2 usage, 3 credentials, 4 transport or timeout.
//!
//! Messages never hold a secret: the wrapper's errors redact theirs, and the CLI's own
//! messages name files and settings, never their contents.

use std::fmt;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// The API answered with an error (or an answer the client could not use).
pub const EXIT_API: u8 = 1;
/// Bad command-line input: nothing was sent.
pub const EXIT_USAGE: u8 = 2;
/// No usable credential for the operation.
pub const EXIT_CREDENTIALS: u8 = 3;
/// The request could not be sent or the answer not received in time.
pub const EXIT_TRANSPORT: u8 = 4;

/// What went wrong, with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: a flag, a file, a CSV row, a JSONata expression.
    Usage(String),
    /// A missing or unusable credential.
    Credentials(String),
    /// The API answered with an error, or the answer broke the operation's contract.
    Api(String),
    /// Connecting, sending or receiving failed, or timed out.
    Transport(String),
    /// The reader of the output went away (`nrfcloud … | head`): not a failure.
    ClosedPipe,
}

impl CliError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Credentials(_) => EXIT_CREDENTIALS,
            CliError::Api(_) => EXIT_API,
            CliError::Transport(_) => EXIT_TRANSPORT,
            CliError::ClosedPipe => EXIT_OK,
        }
    }

    /// A wrapper error of `operation`, classified by its kind. The API's errors name the
    /// operation, the HTTP status, the nRF code and the message.
    pub fn from_client(operation: &str, e: nrfcloud::Error) -> Self {
        use nrfcloud::Error as E;
        match &e {
            E::Api(api) => {
                let code = api
                    .code
                    .as_ref()
                    .map(|c| format!(", nRF code {}", c.as_u32()))
                    .unwrap_or_default();
                let message = api.message.clone().unwrap_or_else(|| excerpt(&api.body));
                CliError::Api(format!(
                    "{operation} failed: HTTP {}{code}: {message}",
                    api.status
                ))
            }
            E::Credentials(_) => CliError::Credentials(format!("{operation}: {e}")),
            E::InvalidInput { .. } | E::Transform(_) => {
                CliError::Usage(format!("{operation}: {e}"))
            }
            E::Transport { .. } | E::Timeout { .. } => {
                CliError::Transport(format!("{operation}: {e}"))
            }
            _ => CliError::Api(format!("{operation}: {e}")),
        }
    }
}

fn excerpt(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return "(no message)".into();
    }
    let mut s: String = body.chars().take(200).collect();
    if s.len() < body.len() {
        s.push('…');
    }
    s
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m)
            | CliError::Credentials(m)
            | CliError::Api(m)
            | CliError::Transport(m) => f.write_str(m),
            CliError::ClosedPipe => f.write_str("output closed"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::ClosedPipe
        } else {
            CliError::Usage(format!("I/O error: {e}"))
        }
    }
}
