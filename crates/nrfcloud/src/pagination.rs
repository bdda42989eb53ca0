//! Streams of pages and of items for every paginated operation (those the API document
//! gives a `pageNextToken`; their request builders implement [`PagedBuilder`]).
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
//! use futures::TryStreamExt;
//! let devices: Vec<_> = client
//!     .api()
//!     .list_devices()
//!     .tags(vec!["warehouse-east".parse().unwrap()])
//!     .items()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! One implementation serves [`crate::Request::pages`] (and `items`, `stream`, `items_as`):
//!
//! - `pageLimit` defaults to the maximum, 100; every other filter set on the request is
//!   sent with every page.
//! - The next page is requested while the caller consumes the current one, at most one page
//!   ahead, so at most two pages are held at once. Its response is decoded when the caller
//!   asks for it, on the caller's task (see [`crate::Request::pages`]).
//! - nRF code 40499 ("not found, but no error") is an empty result. A token the server
//!   repeats (among its last [`Request::token_window`](crate::Request::token_window) tokens, [`DEFAULT_TOKEN_WINDOW`] by
//!   default) ends the stream with an error instead of looping.
//! - A listing fetches at most [`Request::max_pages`](crate::Request::max_pages) pages (default [`DEFAULT_MAX_PAGES`]) and
//!   accepts at most [`Request::max_empty_pages`](crate::Request::max_empty_pages) empty pages in a row that still carry a next
//!   token (default [`DEFAULT_MAX_EMPTY_PAGES`]); past either, the stream ends with
//!   [`Error::LimitExceeded`] instead of requesting the next page. A server that sends new
//!   tokens forever cannot keep a stream going.
//! - Tokens go through the query encoder exactly once: they are sent back exactly as received.

use std::sync::Arc;

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
pub use nrfcloud_api::pagination::*;
use serde::de::DeserializeOwned;

use crate::Error;

mod bounds;

use bounds::Next;
pub(crate) use bounds::PageBounds;
pub use bounds::{DEFAULT_MAX_EMPTY_PAGES, DEFAULT_MAX_PAGES, DEFAULT_TOKEN_WINDOW};

/// The largest `pageLimit` the API accepts, and the default.
pub const MAX_PAGE_LIMIT: u32 = 100;

/// Sends the request for one page: `None` for the first, then each page's token.
pub(crate) type FetchPage<'a, T> =
    Arc<dyn Fn(Option<String>) -> BoxFuture<'a, Result<Page<T>, Error>> + Send + Sync + 'a>;

/// The error of a `pageLimit` outside 1..=100, before anything is sent.
pub(crate) fn check_page_limit(operation: &'static str, limit: u32) -> Result<(), Error> {
    if (1..=MAX_PAGE_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(Error::invalid(
            Some(operation),
            "pageLimit",
            format!("{limit} is outside 1..=100"),
        ))
    }
}

/// The page stream of `operation`: pages from `fetch`, one ahead of the consumer, at most
/// `max_items` items in all, within `bounds` (pages, empty pages, repeated tokens).
pub(crate) fn page_stream<'a, T: Send + 'a>(
    operation: &'static str,
    fetch: FetchPage<'a, T>,
    max_items: Option<usize>,
    bounds: PageBounds,
) -> BoxStream<'a, Result<Page<T>, Error>> {
    PageStream {
        operation,
        fetch,
        in_flight: None,
        bounds,
        stopped: None,
        remaining: max_items,
        done: false,
    }
    .boxed()
}

/// The items of every page, in order; an error ends the stream after the items before it.
pub(crate) fn items_of<'a, T: Send + 'a>(
    pages: BoxStream<'a, Result<Page<T>, Error>>,
) -> BoxStream<'a, Result<T, Error>> {
    pages
        .flat_map(|page| {
            let (items, error) = match page {
                Ok(p) => (p.items, None),
                Err(e) => (Vec::new(), Some(e)),
            };
            stream::iter(items.into_iter().map(Ok).chain(error.map(Err)))
        })
        .boxed()
}

/// The items re-read as `T` (a transform's output, or `serde_json::Value`).
pub(crate) fn items_as<'a, I, T>(
    operation: &'static str,
    items: BoxStream<'a, Result<I, Error>>,
) -> BoxStream<'a, Result<T, Error>>
where
    I: serde::Serialize + Send + 'a,
    T: DeserializeOwned + Send + 'a,
{
    items
        .map(move |item| {
            let item = item?;
            let value = serde_json::to_value(&item)
                .map_err(|e| Error::decode(operation, None, e.to_string(), b""))?;
            serde_json::from_value(value.clone()).map_err(|e| {
                Error::decode(operation, None, e.to_string(), value.to_string().as_bytes())
            })
        })
        .boxed()
}

/// A page request on its way.
struct Flight<'a, T> {
    future: BoxFuture<'a, Result<Page<T>, Error>>,
    /// The token it was sent with (to send it again).
    token: Option<String>,
    /// Sent ahead, before the caller asked for it.
    ahead: bool,
}

/// The page stream: one request at a time, the next one sent when a page is handed over.
struct PageStream<'a, T> {
    operation: &'static str,
    fetch: FetchPage<'a, T>,
    in_flight: Option<Flight<'a, T>>,
    bounds: PageBounds,
    /// The limit that ends the stream after the page just handed over.
    stopped: Option<Error>,
    remaining: Option<usize>,
    done: bool,
}

impl<'a, T> PageStream<'a, T> {
    fn send(&self, token: Option<String>, ahead: bool) -> Flight<'a, T> {
        Flight {
            future: (self.fetch)(token.clone()),
            token,
            ahead,
        }
    }
}

impl<'a, T: Send + 'a> Stream for PageStream<'a, T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(e) = this.stopped.take() {
                return Poll::Ready(Some(Err(e)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            if this.in_flight.is_none() {
                this.in_flight = Some(this.send(None, false));
            }
            let Some(flight) = this.in_flight.as_mut() else {
                unreachable!("set above")
            };
            let result = ready!(flight.future.as_mut().poll(cx));
            let Some(flight) = this.in_flight.take() else {
                unreachable!("polled above")
            };
            let mut page = match result {
                Ok(page) => page,
                Err(e) if e.api().is_some_and(|a| a.is_empty_result()) => Page {
                    items: Vec::new(),
                    total: Some(0),
                    next_token: None,
                },
                // The request ahead may have waited on a slow caller past its timeout.
                Err(Error::Timeout { .. } | Error::Transport { .. }) if flight.ahead => {
                    this.in_flight = Some(this.send(flight.token, false));
                    continue;
                }
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            };
            let sent_items = page.items.len();
            if let Some(left) = this.remaining.as_mut() {
                page.items.truncate(*left);
                *left -= page.items.len();
                if *left == 0 {
                    page.next_token = None;
                }
            }
            let next = page.next_token.clone().filter(|t| !t.is_empty());
            let operation = this.operation;
            let decision = next.map(|t| {
                let next = this.bounds.after_page(sent_items, &t);
                (t, next)
            });
            match decision {
                Some((_, Next::Repeated)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::Decode {
                        operation,
                        status: None,
                        reason: "the server repeated a page token; stopping instead of looping"
                            .into(),
                        excerpt: String::new(),
                    })));
                }
                Some((_, Next::Stop(limit))) => {
                    this.done = true;
                    this.stopped = Some(Error::LimitExceeded { operation, limit });
                }
                Some((t, Next::Fetch)) => {
                    // Send the next request now: polling it once hands it to the connection.
                    let mut ahead = this.send(Some(t), true);
                    if let Poll::Ready(result) = ahead.future.as_mut().poll(cx) {
                        ahead.future = Box::pin(futures_util::future::ready(result));
                    }
                    this.in_flight = Some(ahead);
                }
                None => this.done = true,
            }
            return Poll::Ready(Some(Ok(page)));
        }
    }
}
