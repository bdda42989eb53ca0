//! The A-GNSS download: [`LocationHandler::agnss`](crate::LocationHandler::agnss) fetches the file in `Range` fragments
//! within the bounds of [`AgnssDownload`] (see the [module docs](crate::agnss)).

use std::future::Future;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::TryStreamExt;
use nrfcloud_api::{ByteStream, builder, types};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, HeaderMap};

use super::AgnssData;
use crate::error::{Error, Limit};
use crate::middleware::CallOptions;
use crate::runtime::TimeSource;

/// The default fragment size of [`LocationHandler::agnss`](crate::LocationHandler::agnss): 1,700 bytes, as the nRF91 device
/// SDK requests.
pub const DEFAULT_FRAGMENT_SIZE: u64 = 1700;

/// The default largest download [`LocationHandler::agnss`](crate::LocationHandler::agnss) accepts: 1 MiB (a full set of
/// assistance data is a few kilobytes).
pub const DEFAULT_MAX_SIZE: u64 = 1 << 20;

/// The default [`AgnssDownload::min_fragment_size`]: 64 bytes. A server that trims fragments
/// to whole records (at most 62 bytes each) never sends less than the fragment size minus 61.
pub const DEFAULT_MIN_FRAGMENT_SIZE: u64 = 64;

/// The default [`AgnssDownload::deadline`]: 60 s for the whole download.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

const GET_OPERATION: &str = "GetAssistanceData";
const HEAD_OPERATION: &str = "GetAssistanceDataSize";

/// Options of [`LocationHandler::agnss`](crate::LocationHandler::agnss).
#[derive(Debug, Clone, PartialEq)]
pub struct AgnssDownload {
    fragment_size: u64,
    max_size: u64,
    min_fragment_size: u64,
    deadline: Duration,
    validate: bool,
    custom_device_id: Option<types::CustomDeviceId>,
}

impl Default for AgnssDownload {
    fn default() -> Self {
        AgnssDownload {
            fragment_size: DEFAULT_FRAGMENT_SIZE,
            max_size: DEFAULT_MAX_SIZE,
            min_fragment_size: DEFAULT_MIN_FRAGMENT_SIZE,
            deadline: DEFAULT_DEADLINE,
            validate: false,
            custom_device_id: None,
        }
    }
}

impl AgnssDownload {
    /// The defaults: fragments of 1,700 bytes, at most 1 MiB, fragments of at least 64 bytes
    /// counted on, 60 s in all, no validation.
    pub fn new() -> Self {
        Self::default()
    }

    /// The smallest fragment the download counts on (default [`DEFAULT_MIN_FRAGMENT_SIZE`];
    /// the fragment size when that is smaller; at least 1): a download of `n` bytes makes at
    /// most `n` divided by it (rounded up) fragment requests. A server whose fragments are
    /// shorter ends the download with [`Error::LimitExceeded`]
    /// ([`Limit::AgnssRequests`]) instead of being asked again and again.
    pub fn min_fragment_size(mut self, bytes: u64) -> Self {
        self.min_fragment_size = bytes.max(1);
        self
    }

    /// The longest time the whole download may take, HEAD included (default
    /// [`DEFAULT_DEADLINE`]). Checked with the client's clock before each request, and each
    /// request waits at most for what is left; past it the download ends with
    /// [`Error::LimitExceeded`] ([`Limit::AgnssDeadline`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Bytes asked for per request (`Range: bytes=a-(a+n-1)`); at least 1.
    pub fn fragment_size(mut self, bytes: u64) -> Self {
        self.fragment_size = bytes;
        self
    }

    /// The largest total size accepted; a larger one is an [`Error::Decode`].
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// Parse the joined data with [`AgnssData::parse`] and fail with [`Error::Decode`] when it
    /// is not valid (off by default: element types the parser does not know, such as QZSS
    /// data, would fail it).
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// The `x-custom-device-id` header of every fragment request (service evaluation tokens,
    /// cloud-to-cloud integrations).
    pub fn custom_device_id(mut self, id: types::CustomDeviceId) -> Self {
        self.custom_device_id = Some(id);
        self
    }
}

impl crate::location::LocationHandler<'_> {
    /// Downloads the A-GNSS assistance data for `request`: its size with a HEAD
    /// (GetAssistanceDataSize, with the body's fields as query parameters), then `Range`d
    /// fragments (GetAssistanceData), joined. See the [module docs](crate::agnss).
    ///
    /// # Errors
    ///
    /// those of the calls (e.g. [`Error::Api`] with nRF code 41600 for a range the
    /// server cannot satisfy); [`Error::Decode`] for bad or inconsistent ranges, a size over
    /// [`AgnssDownload::max_size`], or, with [`AgnssDownload::validate`], invalid data;
    /// [`Error::LimitExceeded`] past [`AgnssDownload::min_fragment_size`]'s number of
    /// requests or [`AgnssDownload::deadline`]; [`Error::InvalidInput`] for a fragment size
    /// of 0.
    pub async fn agnss(
        &self,
        request: types::GetAssistanceDataBody,
        options: AgnssDownload,
    ) -> Result<Vec<u8>, Error> {
        if options.fragment_size == 0 {
            return Err(Error::invalid(
                Some(GET_OPERATION),
                "fragment_size",
                "must be at least 1 byte",
            ));
        }
        let budget = Budget::new(self.client.time(), options.deadline);
        let head = budget
            .run(self.client.send(
                size_request(self.client.raw(), &request),
                CallOptions::default(),
            ))
            .await??;
        // 0 (or none) is taken as unknown: valid data is never empty, and the first fragment's
        // Content-Range gives the total (an empty file answers 416).
        let mut total = content_length(head.headers())?.filter(|&t| t > 0);
        if let Some(t) = total {
            check_size(t, &options, None)?;
        }

        let min_fragment = options.min_fragment_size.min(options.fragment_size).max(1);
        let mut requests: u64 = 0;
        let mut data: Vec<u8> = Vec::new();
        let mut offset: u64 = 0;
        loop {
            if total.is_some_and(|t| offset >= t) {
                break;
            }
            // The first fragment may be needed to learn the size; after it the size is known.
            if let Some(t) = total {
                let allowed = t.div_ceil(min_fragment).max(1);
                if requests >= allowed {
                    return Err(Error::LimitExceeded {
                        operation: GET_OPERATION,
                        limit: Limit::AgnssRequests {
                            requests: allowed,
                            min_fragment,
                        },
                    });
                }
            }
            requests += 1;
            let mut end = offset.saturating_add(options.fragment_size - 1);
            if let Some(t) = total {
                end = end.min(t - 1);
            }
            let range = format!("bytes={offset}-{end}");
            tracing::debug!(%range, "A-GNSS fragment");
            let fragment = async {
                let response = self
                    .client
                    .send(
                        {
                            let mut b = self
                                .client
                                .raw()
                                .get_assistance_data()
                                .range(range.clone())
                                .body(request.clone());
                            if let Some(id) = &options.custom_device_id {
                                b = b.x_custom_device_id(id.clone());
                            }
                            b
                        },
                        CallOptions {
                            retry_non_idempotent: true,
                            ..CallOptions::default()
                        },
                    )
                    .await?;
                let status = response.status();
                let headers = response.headers().clone();
                let limit = if status == StatusCode::OK {
                    options.max_size
                } else {
                    end - offset + 1
                };
                let body = collect(response.into_inner(), limit, status).await?;
                Ok::<_, Error>((status, headers, body))
            };
            let (status, headers, body) = budget.run(fragment).await??;

            if status == StatusCode::OK {
                // The whole file at once (the server ignored the range).
                if !body.starts_with(&data) {
                    return Err(decode(
                        status,
                        "a 200 answer whose body does not begin with the fragments already received",
                        &body,
                    ));
                }
                if let Some(t) = total.filter(|&t| t != body.len() as u64) {
                    tracing::debug!(
                        expected = t,
                        received = body.len(),
                        "200 answer: its body is the whole file"
                    );
                }
                return finish(body.to_vec(), &options, Some(status));
            }

            let got = match headers.get(CONTENT_RANGE) {
                Some(value) => {
                    let text = value
                        .to_str()
                        .map_err(|_| decode(status, "Content-Range is not readable text", &body))?;
                    ContentRange::parse(text).ok_or_else(|| {
                        decode(
                            status,
                            format!("bad Content-Range {text:?} (expected \"bytes a-b/total\")"),
                            &body,
                        )
                    })?
                }
                None => {
                    // Lenient: a 206 without Content-Range is taken as starting where asked.
                    let len = body.len() as u64;
                    if len == 0 || total.is_none() {
                        return Err(decode(
                            status,
                            format!(
                                "206 answer to {range} without Content-Range{}",
                                if len == 0 { " and without bytes" } else { "" }
                            ),
                            &body,
                        ));
                    }
                    ContentRange {
                        start: offset,
                        end: offset + len - 1,
                        total: None,
                    }
                }
            };
            if got.start != offset {
                return Err(decode(
                    status,
                    format!(
                        "asked for {range}, the server sent bytes {}-{}",
                        got.start, got.end
                    ),
                    &body,
                ));
            }
            if got.end > end {
                return Err(decode(
                    status,
                    format!(
                        "asked for {range}, the server sent more: bytes {}-{}",
                        got.start, got.end
                    ),
                    &body,
                ));
            }
            let expected_len = got.end - got.start + 1;
            if body.len() as u64 != expected_len {
                return Err(decode(
                    status,
                    format!(
                        "Content-Range bytes {}-{} announces {expected_len} bytes, the body has {}",
                        got.start,
                        got.end,
                        body.len()
                    ),
                    &body,
                ));
            }
            match (got.total, total) {
                (Some(t), _) if got.end >= t => {
                    return Err(decode(
                        status,
                        format!(
                            "Content-Range bytes {}-{}/{t} ends past its total",
                            got.start, got.end
                        ),
                        &body,
                    ));
                }
                (Some(t), Some(known)) if t != known => {
                    tracing::debug!(
                        head = known,
                        content_range = t,
                        "A-GNSS size changed: following Content-Range"
                    );
                    check_size(t, &options, Some(status))?;
                    total = Some(t);
                }
                (Some(t), None) => {
                    check_size(t, &options, Some(status))?;
                    total = Some(t);
                }
                (None, None) => {
                    return Err(decode(
                        status,
                        "neither the HEAD (Content-Length) nor Content-Range gives the total size",
                        &body,
                    ));
                }
                _ => {}
            }
            if got.end < end {
                tracing::debug!(
                    asked = end,
                    received = got.end,
                    "short fragment: continuing after it"
                );
            }
            data.extend_from_slice(&body);
            offset = got.end + 1;
        }
        finish(data, &options, Some(StatusCode::PARTIAL_CONTENT))
    }
}

/// The deadline of one download, on the client's clock.
struct Budget<'a> {
    clock: &'a dyn TimeSource,
    started: SystemTime,
    deadline: Duration,
}

impl<'a> Budget<'a> {
    fn new(clock: &'a dyn TimeSource, deadline: Duration) -> Self {
        Budget {
            clock,
            started: clock.now(),
            deadline,
        }
    }

    fn exceeded(&self) -> Error {
        Error::LimitExceeded {
            operation: GET_OPERATION,
            limit: Limit::AgnssDeadline(self.deadline),
        }
    }

    /// Runs one request if time is left, for at most the time left. A clock that goes back
    /// counts as no time passed.
    async fn run<T>(&self, request: impl Future<Output = T>) -> Result<T, Error> {
        let spent = self
            .clock
            .now()
            .duration_since(self.started)
            .unwrap_or_default();
        let Some(left) = self.deadline.checked_sub(spent).filter(|d| !d.is_zero()) else {
            return Err(self.exceeded());
        };
        tokio::time::timeout(left, request)
            .await
            .map_err(|_| self.exceeded())
    }
}

/// GetAssistanceDataSize with the query parameters equivalent to the body.
fn size_request<'a>(
    api: &'a nrfcloud_api::Client,
    body: &types::GetAssistanceDataBody,
) -> builder::GetAssistanceDataSize<'a> {
    let mut b = api.get_assistance_data_size();
    if let Some(v) = &body.eci {
        b = b.eci(v.clone());
    }
    if let Some(v) = &body.filtered {
        b = b.filtered(v.clone());
    }
    if let Some(v) = &body.mask {
        b = b.mask(v.clone());
    }
    if let Some(v) = &body.mcc {
        b = b.mcc(v.clone());
    }
    if let Some(v) = &body.mnc {
        b = b.mnc(v.clone());
    }
    if let Some(v) = &body.rsrp {
        b = b.rsrp(v.clone());
    }
    if let Some(v) = &body.tac {
        b = b.tac(v.clone());
    }
    if !body.types.is_empty() {
        b = b.types(body.types.clone());
    }
    b
}

/// The HEAD's `Content-Length`: `None` when absent.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, Error> {
    let Some(value) = headers.get(CONTENT_LENGTH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(parse_digits)
        .map(Some)
        .ok_or_else(|| {
            Error::decode(
                HEAD_OPERATION,
                Some(200),
                format!("bad Content-Length {value:?}"),
                b"",
            )
        })
}

fn check_size(
    total: u64,
    options: &AgnssDownload,
    status: Option<StatusCode>,
) -> Result<(), Error> {
    if total > options.max_size {
        return Err(Error::decode(
            if status.is_some() {
                GET_OPERATION
            } else {
                HEAD_OPERATION
            },
            Some(status.map_or(200, |s| s.as_u16())),
            format!(
                "the A-GNSS data is {total} bytes, more than the {} allowed (AgnssDownload::max_size)",
                options.max_size
            ),
            b"",
        ));
    }
    Ok(())
}

fn finish(
    data: Vec<u8>,
    options: &AgnssDownload,
    status: Option<StatusCode>,
) -> Result<Vec<u8>, Error> {
    if options.validate {
        AgnssData::parse(&data).map_err(|e| {
            Error::decode(
                GET_OPERATION,
                status.map(|s| s.as_u16()),
                format!("invalid A-GNSS data: {e}"),
                &data,
            )
        })?;
    }
    Ok(data)
}

fn decode(status: StatusCode, reason: impl Into<String>, body: &[u8]) -> Error {
    Error::decode(GET_OPERATION, Some(status.as_u16()), reason, body)
}

/// Reads a body, failing once it is longer than `limit`.
async fn collect(stream: ByteStream, limit: u64, status: StatusCode) -> Result<Bytes, Error> {
    let mut stream = stream.into_inner();
    let mut out: Vec<u8> = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| Error::transport(GET_OPERATION, e))?
    {
        out.extend_from_slice(&chunk);
        if out.len() as u64 > limit {
            return Err(decode(
                status,
                format!("the body is longer than the {limit} bytes expected"),
                &out,
            ));
        }
    }
    Ok(Bytes::from(out))
}

/// `bytes a-b/total` (total `*` when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    end: u64,
    total: Option<u64>,
}

impl ContentRange {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (unit, rest) = text.split_once(' ')?;
        if !unit.eq_ignore_ascii_case("bytes") {
            return None;
        }
        let (range, total) = rest.trim_start().split_once('/')?;
        let (start, end) = range.split_once('-')?;
        let (start, end) = (parse_digits(start)?, parse_digits(end)?);
        let total = match total {
            "*" => None,
            t => Some(parse_digits(t)?),
        };
        (start <= end).then_some(ContentRange { start, end, total })
    }
}

/// A decimal number of ASCII digits only (no sign, no spaces).
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        let cr = |s| ContentRange::parse(s);
        assert_eq!(
            cr("bytes 0-1699/3000"),
            Some(ContentRange {
                start: 0,
                end: 1699,
                total: Some(3000)
            })
        );
        assert_eq!(
            cr(" Bytes 1700-2999/*"),
            Some(ContentRange {
                start: 1700,
                end: 2999,
                total: None
            })
        );
        for bad in [
            "",
            "bytes",
            "bytes */3000",
            "bytes 5-4/10",
            "bytes 0-1699",
            "items 0-1/2",
            "bytes +0-1/2",
            "bytes 0--1/2",
            "bytes 0-1/-2",
            "bytes 0-99999999999999999999999/1",
        ] {
            assert_eq!(cr(bad), None, "{bad:?}");
        }
    }
}
