//! Pagination: `pageLimit` (default 10, 1 to 100) and opaque `pageNextToken`s. Tokens are
//! standard base64 (so they contain `+`, `/` and `=`, like the service's) of a marker, the
//! list they belong to, an offset and a check byte. They must come back decoded exactly once
//! by the usual query rules; anything else is a 422.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::query::QueryParams;

/// Leading bytes of every token: they encode to `+/+/`.
const MARKER: [u8; 3] = [0xfb, 0xff, 0xbf];

/// Which listing a token belongs to (a token from one list is refused by another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ListKind {
    Devices = 1,
    DeviceTags = 2,
    Messages = 3,
    Alerts = 4,
    BulkOps = 5,
    Firmware = 6,
    FotaJobs = 7,
    JobExecutionStatuses = 8,
    DeviceExecutions = 9,
    LocationHistory = 10,
    Invoices = 11,
    Usage = 12,
    Anchors = 13,
    Contributions = 14,
}

/// The page a request asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    kind: ListKind,
}

impl PageRequest {
    /// Reads `pageLimit` and `pageNextToken` from the query.
    pub(crate) fn from_query(q: &QueryParams, kind: ListKind) -> Result<Self, ApiError> {
        let limit = match q.get("pageLimit") {
            None => 10,
            Some(raw) => {
                let n: f64 = raw.trim().parse().map_err(|_| {
                    ApiError::validation("pageLimit must be an integer between 1 and 100")
                })?;
                if n.fract() != 0.0 || !(1.0..=100.0).contains(&n) {
                    return Err(ApiError::validation(
                        "pageLimit must be an integer between 1 and 100",
                    ));
                }
                n as usize
            }
        };
        let offset = match q.get("pageNextToken") {
            None | Some("") => 0,
            Some(token) => decode(token, kind)?,
        };
        Ok(Self {
            offset,
            limit,
            kind,
        })
    }

    /// Cuts one page out of `items`; returns it and the token of the next page, if any.
    pub(crate) fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let page: Vec<T> = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        let next = self.offset + page.len();
        let token = (next < total && !page.is_empty()).then(|| encode(self.kind, next));
        (page, token)
    }
}

/// `{items, total, pageNextToken?}`, where `total` counts the items of this page.
pub(crate) fn envelope(items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = json!({ "total": items.len(), "items": items });
    if let Some(token) = next {
        out["pageNextToken"] = json!(token);
    }
    out
}

/// The token for `offset` in list `kind`.
pub(crate) fn encode(kind: ListKind, offset: usize) -> String {
    let mut bytes = MARKER.to_vec();
    bytes.push(kind as u8);
    bytes.extend_from_slice(&(offset as u64).to_be_bytes());
    bytes.push(check_byte(&bytes));
    STANDARD.encode(bytes)
}

fn check_byte(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0x5au8, |acc, b| acc.rotate_left(3) ^ b)
}

fn decode(token: &str, kind: ListKind) -> Result<usize, ApiError> {
    let hint = if token.contains('%') {
        " (it looks URL-encoded twice)"
    } else if token.contains(' ') {
        " (a '+' arrived as a space: URL-encode the token)"
    } else {
        ""
    };
    let invalid = || ApiError::validation(format!("pageNextToken is not a valid token{hint}"));
    let bytes = STANDARD.decode(token).map_err(|_| invalid())?;
    if bytes.len() != 13 || bytes[..3] != MARKER || check_byte(&bytes[..12]) != bytes[12] {
        return Err(invalid());
    }
    if bytes[3] != kind as u8 {
        return Err(ApiError::validation(
            "pageNextToken belongs to another list operation",
        ));
    }
    let mut offset = [0u8; 8];
    offset.copy_from_slice(&bytes[4..12]);
    usize::try_from(u64::from_be_bytes(offset)).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_plus_slash_and_padding_and_round_trip() {
        let token = encode(ListKind::Devices, 10);
        assert!(
            token.contains('+') && token.contains('/') && token.ends_with('='),
            "{token}"
        );
        let encoded: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
        let q = QueryParams::parse(Some(&format!("pageNextToken={encoded}")));
        let page = PageRequest::from_query(&q, ListKind::Devices).expect("valid");
        assert_eq!(page.offset, 10);
        assert!(PageRequest::from_query(&q, ListKind::Messages).is_err());
        let raw = QueryParams::parse(Some(&format!("pageNextToken={token}")));
        assert!(PageRequest::from_query(&raw, ListKind::Devices).is_err());
    }

    #[test]
    fn slicing_gives_tokens_until_the_end() {
        let page = PageRequest {
            offset: 0,
            limit: 2,
            kind: ListKind::Alerts,
        };
        let (items, next) = page.slice(vec![1, 2, 3]);
        assert_eq!(items, vec![1, 2]);
        assert!(next.is_some());
        let page = PageRequest {
            offset: 2,
            limit: 2,
            kind: ListKind::Alerts,
        };
        let (items, next) = page.slice(vec![1, 2, 3]);
        assert_eq!(items, vec![3]);
        assert!(next.is_none());
    }
}
