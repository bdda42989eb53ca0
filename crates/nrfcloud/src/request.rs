//! [`Request`]: one call of an operation, set up and sent through the wrapper. [`Api`]'s
//! methods return one; its parameter setters are generated with [`Api`] (one per setter of
//! the generated request builder, with the parameter's docs), and this file holds what every
//! request shares: sending ([`Request::send`], [`Request::send_response`]), per-call options
//! ([`Request::with_options`]) and, for paginated operations, page and item streams.
//!
//! [`Api`]: crate::Api

use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::{self, BoxFuture, Either};
use futures_util::stream::{self, BoxStream, StreamExt};
use nrfcloud_api::ResponseValue;
use nrfcloud_api::pagination::{Page, PagedBuilder};
use nrfcloud_api::sendable::{Sendable, Transformable};
use serde::de::DeserializeOwned;

use crate::middleware::CallOptions;
use crate::pagination::{self, MAX_PAGE_LIMIT};
use crate::{Client, Error, Transform};

/// One call of an operation: the generated request builder `B` (set up with this type's
/// parameter setters), the client that sends it and the call's [`CallOptions`].
///
/// ```no_run
/// # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
/// use nrfcloud::{CallOptions, RetryPolicy};
/// let device = client
///     .api()
///     .fetch_device()
///     .device_id("nrf-352656100000000")
///     .with_options(CallOptions { retry: Some(RetryPolicy::default()), ..Default::default() })
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
///
/// Sending applies what the client applies to every call: the credential the operation's
/// security accepts (checked where the request is prepared: a missing one fails with
/// [`Error::Credentials`] and nothing is sent), the user agent, retries, the size limit
/// ([`Error::ResponseTooLarge`]) and a `tracing` span `nrfcloud.request`.
#[derive(Clone)]
pub struct Request<'a, B> {
    client: &'a Client,
    builder: B,
    options: CallOptions,
    paging: Paging,
}

/// What the page streams add to a paginated request.
#[derive(Debug, Clone, Copy)]
struct Paging {
    /// Set with `page_limit`: checked when sent.
    page_limit: Option<u32>,
    max_items: Option<usize>,
    max_pages: u64,
    max_empty_pages: u64,
    token_window: usize,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page_limit: None,
            max_items: None,
            max_pages: pagination::DEFAULT_MAX_PAGES,
            max_empty_pages: pagination::DEFAULT_MAX_EMPTY_PAGES,
            token_window: pagination::DEFAULT_TOKEN_WINDOW,
        }
    }
}

impl Paging {
    /// The error of an out-of-range `pageLimit`, before anything is sent.
    fn check(&self, operation: &'static str) -> Result<(), Error> {
        match self.page_limit {
            Some(limit) => pagination::check_page_limit(operation, limit),
            None => Ok(()),
        }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for Request<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("builder", &self.builder)
            .field("options", &self.options)
            .field("page_limit", &self.paging.page_limit)
            .field("max_items", &self.paging.max_items)
            .finish()
    }
}

impl<'a, B> Request<'a, B> {
    /// A request sending `builder` through `client`.
    pub(crate) fn new(client: &'a Client, builder: B) -> Self {
        Request {
            client,
            builder,
            options: CallOptions::default(),
            paging: Paging::default(),
        }
    }

    /// Applies `f` to the request builder (the generated parameter setters forward this way).
    pub(crate) fn map(mut self, f: impl FnOnce(B) -> B) -> Self {
        self.builder = f(self.builder);
        self
    }

    /// Options for this call only: a retry policy instead of the client's, or retrying a
    /// non-idempotent call you know is safe to repeat.
    pub fn with_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }
}

impl<'a, B> Request<'a, B>
where
    B: Sendable<'a>,
    B::ErrorBody: serde::Serialize,
{
    /// Sends the request; the success body (`()` for empty answers, a
    /// [`ByteStream`](crate::ByteStream) for binary downloads).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a parameter a setter refused, or a `page_limit` outside
    /// 1..=100 (nothing is sent); [`Error::Api`] for an error answer (its nRF code in
    /// [`ApiError::code`](crate::ApiError::code)); [`Error::Credentials`] when the client holds
    /// no credential the operation accepts (nothing is sent); [`Error::Timeout`] and
    /// [`Error::Transport`] when the request fails; [`Error::Decode`] for an answer that is not
    /// the documented body. [`Error::ResponseTooLarge`] past the client's size limit;
    /// [`Error::CrossOriginRedirect`] and [`Error::ResponseHeadTooLarge`] for a hostile server.
    pub fn send(self) -> impl Future<Output = Result<B::Response, Error>> + Send + 'a {
        // `map` and `Either`, not `async` blocks around the call: FetchDevice's future is
        // 2.5 kB instead of 5.5 kB (each block kept a copy of the one inside it).
        self.send_response()
            .map(|result| result.map(ResponseValue::into_inner))
    }

    /// As [`Request::send`], keeping the status and headers (e.g. `Content-Length` of a HEAD,
    /// `Content-Range` of a 206).
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn send_response(
        self,
    ) -> impl Future<Output = Result<ResponseValue<B::Response>, Error>> + Send + 'a {
        let Request {
            client,
            builder,
            options,
            paging,
        } = self;
        match paging.check(builder.operation().operation_id) {
            Ok(()) => Either::Left(client.send(builder, options)),
            Err(e) => Either::Right(future::ready(Err(e))),
        }
    }
}

impl<'a, B> Request<'a, B>
where
    B: Transformable<'a>,
{
    /// A JSONata expression the server applies to the answer (to every item of a paginated
    /// operation); its syntax was checked when the [`Transform`] was made. Read transformed
    /// items with [`Request::items_as`].
    ///
    /// Only operations that take a `transform` have it: on any other it does not compile.
    ///
    /// ```compile_fail
    /// # fn f(client: nrfcloud::Client, t: nrfcloud::Transform) {
    /// let _ = client.api().list_firmware().transform(&t); // ListFirmware takes no transform
    /// # }
    /// ```
    pub fn transform(self, transform: &Transform) -> Self {
        self.map(|b| b.set_transform(transform.as_str()))
    }
}

impl<'a, B> Request<'a, B>
where
    B: PagedBuilder<'a> + Sync,
    B::ErrorBody: serde::Serialize,
{
    /// Items per page, 1 to 100 (the page streams default to 100; [`Request::send`] sends
    /// none unless set). Out of range fails the call or the stream before anything is sent.
    pub fn page_limit(mut self, limit: u32) -> Self {
        self.paging.page_limit = Some(limit);
        if (1..=MAX_PAGE_LIMIT).contains(&limit) {
            self.builder = self.builder.set_page_limit(limit);
        }
        self
    }

    /// Stops the page and item streams after this many items in all.
    pub fn max_items(mut self, n: usize) -> Self {
        self.paging.max_items = Some(n);
        self
    }

    /// The most pages the streams fetch (at least 1; default
    /// [`DEFAULT_MAX_PAGES`](crate::pagination::DEFAULT_MAX_PAGES)); past it the stream ends
    /// with [`Error::LimitExceeded`] ([`Limit::Pages`](crate::Limit::Pages)).
    pub fn max_pages(mut self, n: u64) -> Self {
        self.paging.max_pages = n.max(1);
        self
    }

    /// The most empty pages in a row that still carry a next token (at least 1; default
    /// [`DEFAULT_MAX_EMPTY_PAGES`](crate::pagination::DEFAULT_MAX_EMPTY_PAGES)); past it the
    /// stream ends with [`Error::LimitExceeded`]
    /// ([`Limit::EmptyPages`](crate::Limit::EmptyPages)).
    pub fn max_empty_pages(mut self, n: u64) -> Self {
        self.paging.max_empty_pages = n.max(1);
        self
    }

    /// How many of the latest page tokens the repeat guard remembers (at least 1; default
    /// [`DEFAULT_TOKEN_WINDOW`](crate::pagination::DEFAULT_TOKEN_WINDOW)).
    pub fn token_window(mut self, n: usize) -> Self {
        self.paging.token_window = n.max(1);
        self
    }

    /// The pages, each request sent with the filters set on this request, fetched one ahead
    /// of the consumer (see [`crate::pagination`]): nRF code 40499 is an empty page, and a
    /// token the server repeats ends the stream with an error.
    pub fn pages(self) -> BoxStream<'a, Result<Page<B::Item>, Error>> {
        let operation = self.builder.operation().operation_id;
        let limit = self.paging.page_limit.unwrap_or(MAX_PAGE_LIMIT);
        if let Err(e) = pagination::check_page_limit(operation, limit) {
            return stream::once(async move { Err(e) }).boxed();
        }
        let (client, options) = (self.client, self.options);
        let first = self.builder.set_page_limit(limit);
        let fetch: pagination::FetchPage<'a, B::Item> =
            Arc::new(move |token: Option<String>| -> BoxFuture<'a, _> {
                let mut builder = first.clone();
                if let Some(token) = &token {
                    builder = builder.set_page_next_token(token);
                }
                Box::pin(async move {
                    let response = client.send(builder, options).await?;
                    Ok(B::into_page(response.into_inner()))
                })
            });
        let p = self.paging;
        let bounds = pagination::PageBounds::new(p.max_pages, p.max_empty_pages, p.token_window);
        pagination::page_stream(operation, fetch, p.max_items, bounds)
    }

    /// The items of every page, in order.
    pub fn items(self) -> BoxStream<'a, Result<B::Item, Error>> {
        pagination::items_of(self.pages())
    }

    /// The items of every page, in order (the same as [`Request::items`]).
    pub fn stream(self) -> BoxStream<'a, Result<B::Item, Error>> {
        self.items()
    }

    /// The items as `T` (e.g. `serde_json::Value`, or your own type for a transform's output).
    pub fn items_as<T: DeserializeOwned + Send + 'a>(self) -> BoxStream<'a, Result<T, Error>>
    where
        B::Item: serde::Serialize,
    {
        let operation = self.builder.operation().operation_id;
        pagination::items_as(operation, self.items())
    }
}
