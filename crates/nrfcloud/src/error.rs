//! The one error type of the client: API errors with their nRF codes, transport failures,
//! timeouts, undecodable or oversized responses, refused redirects, reached limits, invalid
//! input and credential problems. No variant ever holds a token, a key or an `Authorization`
//! header.

use std::fmt;
use std::time::Duration;

use crate::middleware::TooLarge;
use crate::redirect::{CrossOrigin, find_source};

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request could not be sent or the response not received (DNS, connect, reset, TLS).
    /// The message names every cause in the chain (e.g. `connection closed before message
    /// completed`).
    #[error("{operation}: transport error: {}", causes(source))]
    Transport {
        /// The operationId.
        operation: &'static str,
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The connect or request timeout elapsed.
    #[error("{operation}: timed out")]
    Timeout {
        /// The operationId.
        operation: &'static str,
    },
    /// A success response whose body is not what the operation declares. For an operation
    /// whose responses hold secrets (private keys, tokens: `secret_response` in the
    /// operation table) the excerpt is withheld and the quoted values of the reason are
    /// taken out.
    #[error("{operation}: cannot decode the response{}: {reason}; body starts with {excerpt:?}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Decode {
        /// The operationId.
        operation: &'static str,
        /// HTTP status, when known.
        status: Option<u16>,
        /// Why decoding failed.
        reason: String,
        /// The first bytes of the body, lossily as text.
        excerpt: String,
    },
    /// A response whose body is larger than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes) allows
    /// (8 MiB by default). It was not read past the limit: not at all when `Content-Length`
    /// announced more, else up to the limit. The connection is closed, not reused.
    #[error("{operation}: the response (HTTP {status}) is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The operationId.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// The limit in bytes.
        limit: u64,
    },
    /// The caller's input breaks a rule of the API; nothing was sent.
    #[error("invalid {field}{}: {reason}", operation.map(|o| format!(" for {o}")).unwrap_or_default())]
    InvalidInput {
        /// The operationId, when the input belongs to one call.
        operation: Option<&'static str>,
        /// The field or parameter at fault.
        field: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Credentials are missing for an operation, or a key is unusable.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// A JSONata expression that does not compile, or a local evaluation that failed or hit
    /// a bound ([`Transform::new`](crate::Transform::new),
    /// [`Transform::evaluate`](crate::Transform::evaluate)); `?` converts it.
    #[error(transparent)]
    Transform(#[from] nrfcloud_jsonata::TransformError),
    /// Writing a download to the caller's writer failed (see
    /// [`Client::download_to`](crate::Client::download_to)).
    #[error("{operation}: cannot write the body: {source}")]
    Write {
        /// The operation name.
        operation: &'static str,
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },
    /// A bound of the client was reached (see [`Limit`], which names the setting that
    /// raises it, and the README's "Limits" table). Nothing past the bound was read or sent.
    #[error("{operation}: {limit}")]
    LimitExceeded {
        /// The operationId, or the workflow's operation name.
        operation: &'static str,
        /// Which limit, and its value.
        limit: Limit,
    },
    /// The API's origin answered with a 307 or 308 redirect (which re-sends the request body)
    /// to another origin; it was not followed. The API does not redirect across origins, so
    /// this is a misconfigured base URL or a hostile server.
    #[error(
        "{operation}: refused to follow a {status} redirect from the API to another origin: {target}"
    )]
    CrossOriginRedirect {
        /// The operationId.
        operation: &'static str,
        /// The redirect's status (307 or 308).
        status: u16,
        /// Where it pointed: scheme, host, port and path (no query, which may hold signatures).
        target: String,
    },
    /// The response's status line and headers break the HTTP/1 parser's limits: more headers
    /// than [`ClientBuilder::max_response_headers`](crate::ClientBuilder::max_response_headers)
    /// (100 by default), or a head larger than hyper's buffer (about 400 KiB, not settable).
    /// Nothing of the body was read; the call is not retried.
    #[error(
        "{operation}: the response headers are too large (more than the maximum number of headers, or a head over about 400 KiB)"
    )]
    ResponseHeadTooLarge {
        /// The operationId.
        operation: &'static str,
    },
}

/// A bound of the client, with its value, as [`Error::LimitExceeded`] reports it. Each names
/// the setting that changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`BulkOptions::max_error_summary_bytes`](crate::onboarding::BulkOptions::max_error_summary_bytes):
    /// the largest bulk-ops error summary read, in bytes.
    ErrorSummaryBytes(u64),
    /// [`Request::max_pages`](crate::Request::max_pages): the most pages one listing
    /// fetches.
    Pages(u64),
    /// [`Request::max_empty_pages`](crate::Request::max_empty_pages): the most empty
    /// pages in a row that still carry a next token.
    EmptyPages(u64),
    /// [`AgnssDownload::min_fragment_size`](crate::agnss::AgnssDownload::min_fragment_size):
    /// a download makes at most `requests` fragment requests, its size divided by
    /// `min_fragment` bytes (rounded up).
    AgnssRequests {
        /// The most fragment requests of this download.
        requests: u64,
        /// The smallest fragment counted on, in bytes.
        min_fragment: u64,
    },
    /// [`AgnssDownload::deadline`](crate::agnss::AgnssDownload::deadline): the longest time
    /// a whole A-GNSS download may take.
    AgnssDeadline(Duration),
}

impl Limit {
    /// The setting that changes this limit, e.g. `"Request::max_pages"`.
    pub fn setting(&self) -> &'static str {
        match self {
            Limit::ErrorSummaryBytes(_) => "BulkOptions::max_error_summary_bytes",
            Limit::Pages(_) => "Request::max_pages",
            Limit::EmptyPages(_) => "Request::max_empty_pages",
            Limit::AgnssRequests { .. } => "AgnssDownload::min_fragment_size",
            Limit::AgnssDeadline(_) => "AgnssDownload::deadline",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let setting = self.setting();
        match self {
            Limit::ErrorSummaryBytes(n) => write!(
                f,
                "the bulk-ops error summary is larger than the limit of {n} bytes ({setting})"
            ),
            Limit::Pages(n) => write!(f, "the listing passed the limit of {n} pages ({setting})"),
            Limit::EmptyPages(n) => write!(
                f,
                "the server sent {n} empty pages in a row, each with a next token ({setting})"
            ),
            Limit::AgnssRequests {
                requests,
                min_fragment,
            } => write!(
                f,
                "the download needs more than {requests} fragment requests: fragments of less than {min_fragment} bytes ({setting})"
            ),
            Limit::AgnssDeadline(d) => write!(
                f,
                "the download did not finish within {} ms ({setting})",
                d.as_millis()
            ),
        }
    }
}

/// An error and its sources, joined by `": "` (reqwest's own message leaves them out).
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// True when `e` comes from a response head over hyper's limits (too many headers, or too
/// large a head). hyper tells it only to servers (`is_parse_too_large` needs its `server`
/// feature), so its parse error is recognised by its message; a test holds it to hyper's text.
pub(crate) fn is_head_too_large(e: &(dyn std::error::Error + 'static)) -> bool {
    find_source::<hyper::Error>(e)
        .is_some_and(|h| h.is_parse() && h.to_string().contains("message head is too large"))
}

impl Error {
    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the response this error comes from, when there was one: an API
    /// error, an undecodable body, a body over the size limit, a refused redirect.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => *status,
            Error::ResponseTooLarge { status, .. } | Error::CrossOriginRedirect { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// True for 404 responses and nRF codes 404xx (including 40499, "not found, but no error").
    pub fn is_not_found(&self) -> bool {
        self.api().is_some_and(ApiError::is_not_found)
    }

    /// True for the errors the client's retry policy retries (one definition, in
    /// [`crate::retry`]): connection failures before a response, 429 (except the monthly
    /// quota, 40005), 502, 503, 504. Not a timeout: the server may still be working on the
    /// request, so sending it again is the caller's decision (safe for idempotent calls).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Transport { source, .. } => crate::retry::is_retryable_error(source),
            _ => false,
        }
    }

    pub(crate) fn invalid(
        operation: Option<&'static str>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidInput {
            operation,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A `reqwest::Error` as the caller sees it: a body cut at the size limit, a refused
    /// redirect, a response head over the parser's limits, a timeout, or a transport failure.
    pub(crate) fn transport(operation: &'static str, e: reqwest::Error) -> Self {
        if let Some(TooLarge { status, limit }) = TooLarge::find(&e) {
            return Error::ResponseTooLarge {
                operation,
                status,
                limit,
            };
        }
        if let Some(refused) = find_source::<CrossOrigin>(&e) {
            return Error::CrossOriginRedirect {
                operation,
                status: refused.status,
                target: refused.target.clone(),
            };
        }
        if is_head_too_large(&e) {
            return Error::ResponseHeadTooLarge { operation };
        }
        if e.is_timeout() {
            Error::Timeout { operation }
        } else {
            Error::Transport {
                operation,
                source: e.without_url(),
            }
        }
    }

    /// A decode error; for an operation whose responses hold secrets, without the body's
    /// excerpt and without the values serde quotes in its reason.
    pub(crate) fn decode(
        operation: &'static str,
        status: Option<u16>,
        reason: impl Into<String>,
        body: &[u8],
    ) -> Self {
        let reason = reason.into();
        if holds_secrets(operation) {
            return Error::Decode {
                operation,
                status,
                reason: without_values(&reason),
                excerpt: format!(
                    "<{} bytes withheld: this operation's responses hold secrets>",
                    body.len()
                ),
            };
        }
        Error::Decode {
            operation,
            status,
            reason,
            excerpt: excerpt(body),
        }
    }
}

/// Whether the operation's responses hold secrets (the codegen's rule, in the operation
/// table).
fn holds_secrets(operation: &str) -> bool {
    nrfcloud_api::operations::by_id(operation).is_some_and(|op| op.secret_response)
}

/// serde's message with the values it quotes from the input taken out (`invalid type:
/// string "…"`, ``unknown variant `…` ``). Messages about the type's own fields (`missing
/// field`, `duplicate field`) name only the type's field names and stay whole.
fn without_values(reason: &str) -> String {
    if reason.starts_with("missing field") || reason.starts_with("duplicate field") {
        return reason.to_string();
    }
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        out.push('…');
        let mut escaped = false;
        for inner in chars.by_ref() {
            if inner == c && !(escaped && c == '"') {
                out.push(c);
                break;
            }
            escaped = inner == '\\' && !escaped;
        }
    }
    out
}

/// At most 200 characters of a body, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(400)]);
    text.chars().take(200).collect()
}

/// An error response of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The operationId of the call.
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The nRF code of the body, when it has one.
    pub code: Option<NrfCode>,
    /// The message of the body (may be absent or null).
    pub message: Option<String>,
    /// The body as received (some errors are arrays of strings, some not JSON at all).
    pub body: String,
}

impl ApiError {
    /// Reads `{code, message}`, an array of strings, or anything else, from an error body.
    pub fn from_body(operation: &'static str, status: u16, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body).into_owned();
        let (code, message) = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => {
                let code = match map.get("code") {
                    Some(serde_json::Value::Number(n)) => {
                        n.as_u64().and_then(|c| u32::try_from(c).ok())
                    }
                    Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                    _ => None,
                };
                let message = map
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned);
                (code.map(NrfCode::from), message)
            }
            Ok(serde_json::Value::Array(items)) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect();
                (None, (!parts.is_empty()).then(|| parts.join("; ")))
            }
            _ => (None, None),
        };
        ApiError {
            operation,
            status,
            code,
            message,
            body: text,
        }
    }

    /// True for 404 and nRF codes 404xx.
    pub fn is_not_found(&self) -> bool {
        self.status == 404
            || self
                .code
                .is_some_and(|c| (40400..40500).contains(&c.as_u32()))
    }

    /// True for nRF code 40499: the requested items do not exist, which is not an error (some
    /// list operations answer this instead of an empty list).
    pub fn is_empty_result(&self) -> bool {
        self.code == Some(NrfCode::NotFoundNoError)
    }

    /// True for 429 (except the monthly usage limit, 40005), 502, 503 and 504 (see
    /// [`retry::is_retryable_answer`](crate::retry::is_retryable_answer)).
    pub fn is_retryable(&self) -> bool {
        crate::retry::is_retryable_answer(self.status, self.code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        if let Some(code) = self.code {
            write!(f, ", nRF code {} ({})", code.as_u32(), code.reason())?;
        }
        match &self.message {
            Some(m) => write!(f, ": {m}"),
            None if self.code.is_none() && !self.body.is_empty() => {
                write!(f, ": {}", excerpt(self.body.as_bytes()))
            }
            None => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

macro_rules! nrf_codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $reason:literal;)*) => {
        /// The nRF codes of the API's error table; other codes are kept as numbers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum NrfCode {
            $($(#[$doc])* $name,)*
            /// A code not in the documented table.
            Unknown(u32),
        }

        impl NrfCode {
            /// The numeric code.
            pub fn as_u32(self) -> u32 {
                match self {
                    $(NrfCode::$name => $code,)*
                    NrfCode::Unknown(c) => c,
                }
            }

            /// A short reason, from the documentation's table.
            pub fn reason(self) -> &'static str {
                match self {
                    $(NrfCode::$name => $reason,)*
                    NrfCode::Unknown(_) => "unknown nRF code",
                }
            }
        }

        impl From<u32> for NrfCode {
            fn from(code: u32) -> Self {
                match code {
                    $($code => NrfCode::$name,)*
                    other => NrfCode::Unknown(other),
                }
            }
        }
    };
}

nrf_codes! {
    /// 40000: generic failure on the cloud side.
    BadRequest = 40000, "bad request";
    /// 40001: the device has no valid certificate for association.
    NoValidDeviceCertificate = 40001, "no valid device certificate for association";
    /// 40002: the device was paired the legacy way and cannot be dissociated.
    CannotDissociate = 40002, "device cannot be dissociated";
    /// 40005: a monthly usage limit of the plan is exceeded.
    UsageLimitExceeded = 40005, "monthly usage limit exceeded";
    /// 40100: access denied (wrong credential or kind of token).
    AccessDenied = 40100, "access denied";
    /// 40101: the device belongs to another account.
    AlreadyAssociated = 40101, "device already associated with another account";
    /// 40102: the ownership code does not match the device.
    InvalidOwnershipCode = 40102, "invalid ownership code";
    /// 40103: the device is not associated with this account.
    NotAssociated = 40103, "device not associated with your account";
    /// 40410: no entity with this id.
    EntityNotFound = 40410, "entity not found";
    /// 40411: no Nordic product with this device id and ownership code.
    ProductNotFound = 40411, "Nordic product not found";
    /// 40412: the device has not connected to nRF Cloud yet.
    DeviceNotProvisioned = 40412, "device not provisioned yet";
    /// 40413: no such device to dissociate.
    DeviceNotFoundForDissociation = 40413, "device not found for dissociation";
    /// 40414: no such device to delete.
    DeviceNotFoundForDeletion = 40414, "device not found for deletion";
    /// 40420: no resource with this id.
    ResourceNotFound = 40420, "resource not found";
    /// 40499: the items do not exist, which is not an error.
    NotFoundNoError = 40499, "not found, but no error";
    /// 41600: the Range header asks for bytes outside the file.
    RangeNotSatisfiable = 41600, "range not satisfiable";
    /// 42200: the request data fails validation.
    ValidationFailed = 42200, "validation failed";
}

/// A problem with credentials, found before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The operation accepts none of the credentials the client holds.
    #[error(
        "{operation} needs {}; the client has none of these configured",
        accepted_list(accepted)
    )]
    Missing {
        /// The operationId.
        operation: &'static str,
        /// The security schemes the operation accepts, by their names in the API document.
        accepted: Vec<&'static str>,
    },
    /// A key that cannot sign ES256 JWTs.
    #[error("unusable {what}: {reason}")]
    BadKey {
        /// Which key (e.g. "device key").
        what: &'static str,
        /// Why (never the key itself).
        reason: String,
    },
    /// A JWT could not be signed: the operating system gave no randomness for the ECDSA
    /// nonce. Nothing was sent.
    #[error("could not sign a JWT with the {what}: the operating system gave no randomness")]
    SigningFailed {
        /// Which key (e.g. "device key").
        what: &'static str,
    },
    /// A credential value that cannot go into an HTTP header (it is not shown).
    #[error("unusable {what}: {reason}")]
    BadToken {
        /// Which credential.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
}

fn accepted_list(accepted: &[&'static str]) -> String {
    if accepted.is_empty() {
        return "no credentials".into();
    }
    accepted
        .iter()
        .map(|s| describe_scheme(s))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// "Simple Token" -> "an API key (Simple Token)".
pub(crate) fn describe_scheme(scheme: &str) -> String {
    match scheme {
        "Simple Token" => "an API key (Simple Token)".into(),
        "JSON Web Token" => {
            "a JWT (JSON Web Token: device key, service key or a token minted elsewhere)".into()
        }
        "Service Evaluation Token" => {
            "a service evaluation token (Service Evaluation Token)".into()
        }
        other => format!("a {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_body_shapes_the_api_uses() {
        let e = ApiError::from_body(
            "FetchDevice",
            404,
            br#"{"code": 40410, "message": "Device not found"}"#,
        );
        assert_eq!(e.code, Some(NrfCode::EntityNotFound));
        assert_eq!(e.message.as_deref(), Some("Device not found"));
        assert!(e.is_not_found() && !e.is_retryable());
        assert_eq!(
            e.to_string(),
            "FetchDevice: HTTP 404, nRF code 40410 (entity not found): Device not found"
        );

        let e = ApiError::from_body("ListMessages", 404, br#"{"code": 40499, "message": null}"#);
        assert!(e.is_empty_result() && e.message.is_none());

        let e = ApiError::from_body(
            "OnboardDevices",
            422,
            br#"["row 2: bad deviceId", "row 5: bad tag"]"#,
        );
        assert_eq!(e.code, None);
        assert_eq!(
            e.message.as_deref(),
            Some("row 2: bad deviceId; row 5: bad tag")
        );

        let e = ApiError::from_body("X", 502, b"<html>Bad Gateway</html>");
        assert!(e.code.is_none() && e.message.is_none() && e.is_retryable());
        assert!(e.to_string().contains("Bad Gateway"));

        let e = ApiError::from_body("X", 400, br#"{"code": 49999, "message": "new"}"#);
        assert_eq!(e.code, Some(NrfCode::Unknown(49999)));
        assert_eq!(e.code.unwrap().as_u32(), 49999);
    }

    #[test]
    fn causes_name_every_source_once() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl fmt::Display for Layer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|l| l as _)
            }
        }
        let chain = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "client error (SendRequest)",
                Some(Box::new(Layer("message head is too large", None))),
            ))),
        );
        assert_eq!(
            causes(&chain),
            "error sending request: client error (SendRequest): message head is too large"
        );
        let repeated = Layer("closed", Some(Box::new(Layer("closed", None))));
        assert_eq!(causes(&repeated), "closed");
    }

    #[test]
    fn every_limit_names_its_setting() {
        for limit in [
            Limit::ErrorSummaryBytes(4),
            Limit::Pages(5),
            Limit::EmptyPages(6),
            Limit::AgnssRequests {
                requests: 7,
                min_fragment: 8,
            },
            Limit::AgnssDeadline(Duration::from_secs(9)),
        ] {
            let text = limit.to_string();
            assert!(text.contains(limit.setting()), "{text}");
            assert!(text.chars().any(|c| c.is_ascii_digit()), "{text}");
        }
    }

    #[test]
    fn quoted_values_leave_the_reason() {
        assert_eq!(
            without_values(
                r#"invalid type: string "-----BEGIN \"EC\" PRIVATE KEY-----", expected struct X at line 1 column 9"#
            ),
            "invalid type: string \"…\", expected struct X at line 1 column 9"
        );
        assert_eq!(
            without_values("unknown variant `secret`, expected `a` or `b`"),
            "unknown variant `…`, expected `…` or `…`"
        );
        let kept = "missing field `token` at line 1 column 2";
        assert_eq!(without_values(kept), kept);
    }

    #[test]
    fn quota_429_is_not_retryable() {
        assert!(
            !ApiError::from_body("X", 429, br#"{"code": 40005, "message": "limit"}"#)
                .is_retryable()
        );
        assert!(ApiError::from_body("X", 429, b"").is_retryable());
        assert!(!ApiError::from_body("X", 401, br#"{"code": 40100}"#).is_retryable());
    }

    #[test]
    fn every_documented_code_round_trips() {
        for code in [
            40000, 40001, 40002, 40005, 40100, 40101, 40102, 40103, 40410, 40411, 40412, 40413,
            40414, 40420, 40499, 41600, 42200,
        ] {
            let c = NrfCode::from(code);
            assert!(!matches!(c, NrfCode::Unknown(_)), "{code} is in the table");
            assert_eq!(c.as_u32(), code);
        }
    }

    #[test]
    fn missing_credentials_name_the_operation_and_the_accepted_kinds() {
        let e = CredentialError::Missing {
            operation: "FetchDevice",
            accepted: vec!["Simple Token", "JSON Web Token"],
        };
        let text = e.to_string();
        assert!(
            text.starts_with("FetchDevice needs an API key (Simple Token) or a JWT"),
            "{text}"
        );
    }
}
