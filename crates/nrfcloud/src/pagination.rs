//! Streams of pages and of items for every paginated operation (the markers of
//! [`nrfcloud_api::pagination`], generated from the API document).
//!
//! ```no_run
//! # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
//! use futures::TryStreamExt;
//! use nrfcloud::pagination::ListDevices;
//! let devices: Vec<_> = client
//!     .paginate::<ListDevices>()
//!     .with(|api| api.list_devices().tags(vec!["warehouse-east".parse().unwrap()]))
//!     .items()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! - `pageLimit` defaults to the maximum, 100; every other filter set with
//!   [`Pager::with`] is sent with every page.
//! - The next page is requested while the caller consumes the current one, at most one page
//!   ahead, so at most two pages are held at once.
//! - nRF code 40499 ("not found, but no error") is an empty result. A token the server
//!   repeats ends the stream with an error instead of looping.
//! - Tokens go through the query encoder exactly once: they are sent back exactly as received.

use std::collections::HashSet;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
pub use nrfcloud_api::pagination::*;
use serde::de::DeserializeOwned;

use crate::{Client, Error};

/// The largest `pageLimit` the API accepts, and the default.
pub const MAX_PAGE_LIMIT: u32 = 100;

type Start<P> =
    Arc<dyn for<'a> Fn(&'a nrfcloud_api::Client) -> <P as Paginated>::Builder<'a> + Send + Sync>;

/// Configures a paginated listing; [`Pager::pages`] and [`Pager::items`] run it.
pub struct Pager<P: Paginated> {
    client: Client,
    start: Start<P>,
    page_limit: u32,
    max_items: Option<usize>,
    transform: Option<String>,
    _op: PhantomData<P>,
}

impl<P: Paginated> std::fmt::Debug for Pager<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("operation", &P::operation().operation_id)
            .field("page_limit", &self.page_limit)
            .field("max_items", &self.max_items)
            .field("transform", &self.transform)
            .finish()
    }
}

impl Client {
    /// A listing of the paginated operation `P` (a marker of [`crate::pagination`]).
    pub fn paginate<P: Paginated>(&self) -> Pager<P> {
        Pager {
            client: self.clone(),
            start: Arc::new(P::builder),
            page_limit: MAX_PAGE_LIMIT,
            max_items: None,
            transform: None,
            _op: PhantomData,
        }
    }
}

impl<P: Paginated> Pager<P> {
    /// Starts each page's request with the operation's filters set, e.g.
    /// `|api| api.list_devices().tags(tags.clone())`; `pageLimit` and `pageNextToken` are set
    /// on top. Applied to every page.
    pub fn with(
        mut self,
        start: impl for<'a> Fn(&'a nrfcloud_api::Client) -> P::Builder<'a> + Send + Sync + 'static,
    ) -> Self {
        self.start = Arc::new(start);
        self
    }

    /// Items per page, 1 to 100 (default 100). Out of range fails the stream before sending.
    pub fn page_limit(mut self, limit: u32) -> Self {
        self.page_limit = limit;
        self
    }

    /// Stops after this many items in all.
    pub fn max_items(mut self, n: usize) -> Self {
        self.max_items = Some(n);
        self
    }

    /// A JSONata expression the server applies to every item (ListDevices, ListDeviceTags);
    /// its syntax was checked when the [`crate::Transform`] was made. Read the transformed
    /// items with [`Pager::items_as`]. An operation without `transform` fails the stream
    /// before sending.
    pub fn transform(mut self, transform: &crate::Transform) -> Self {
        self.transform = Some(transform.as_str().to_string());
        self
    }

    fn check(&self) -> Result<(), Error> {
        let op = Some(P::operation().operation_id);
        if !(1..=MAX_PAGE_LIMIT).contains(&self.page_limit) {
            return Err(Error::invalid(
                op,
                "pageLimit",
                format!("{} is outside 1..=100", self.page_limit),
            ));
        }
        if self.transform.is_some() && !P::TAKES_TRANSFORM {
            return Err(Error::invalid(
                op,
                "transform",
                "this operation takes no transform",
            ));
        }
        Ok(())
    }

    /// The pages, fetched one ahead of the consumer.
    pub fn pages(self) -> BoxStream<'static, Result<Page<P::Item>, Error>> {
        if let Err(e) = self.check() {
            return stream::once(async move { Err(e) }).boxed();
        }
        // Capacity 1 plus reserve-before-fetch: the producer fetches page n+1 only once page n
        // has left the channel, so at most one page waits beside the one being consumed.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Page<P::Item>, Error>>(1);
        let producer = tokio::spawn(produce::<P>(self, tx));
        let guard = AbortOnDrop(producer.abort_handle());
        stream::unfold((rx, guard), |(mut rx, guard)| async move {
            rx.recv().await.map(|page| (page, (rx, guard)))
        })
        .boxed()
    }

    /// The items of every page, in order.
    pub fn items(self) -> BoxStream<'static, Result<P::Item, Error>> {
        self.pages()
            .flat_map(|page| match page {
                Ok(p) => stream::iter(p.items.into_iter().map(Ok).collect::<Vec<_>>()),
                Err(e) => stream::iter(vec![Err(e)]),
            })
            .boxed()
    }

    /// The items as `T` (e.g. `serde_json::Value`, or your own type for a transform's output).
    pub fn items_as<T: DeserializeOwned + Send + 'static>(
        self,
    ) -> BoxStream<'static, Result<T, Error>>
    where
        P::Item: serde::Serialize,
    {
        let operation = P::operation().operation_id;
        self.items()
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
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn produce<P: Paginated>(
    pager: Pager<P>,
    tx: tokio::sync::mpsc::Sender<Result<Page<P::Item>, Error>>,
) {
    let operation = P::operation().operation_id;
    let mut token: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut remaining = pager.max_items;
    loop {
        let Ok(permit) = tx.reserve().await else {
            return;
        };
        let result = fetch::<P>(&pager, token.as_deref()).await;
        let mut page = match result {
            Ok(page) => page,
            Err(e) if e.api().is_some_and(|a| a.is_empty_result()) => Page {
                items: Vec::new(),
                total: Some(0),
                next_token: None,
            },
            Err(e) => {
                permit.send(Err(e));
                return;
            }
        };
        if let Some(left) = remaining.as_mut() {
            page.items.truncate(*left);
            *left -= page.items.len();
            if *left == 0 {
                page.next_token = None;
            }
        }
        let next = page.next_token.clone().filter(|t| !t.is_empty());
        if let Some(t) = &next
            && !seen.insert(t.clone())
        {
            permit.send(Err(Error::Decode {
                operation,
                status: None,
                reason: "the server repeated a page token; stopping instead of looping".into(),
                excerpt: String::new(),
            }));
            return;
        }
        permit.send(Ok(page));
        match next {
            Some(t) => token = Some(t),
            None => return,
        }
    }
}

async fn fetch<P: Paginated>(
    pager: &Pager<P>,
    token: Option<&str>,
) -> Result<Page<P::Item>, Error> {
    let response = pager
        .client
        .execute(|api| {
            let mut b = (pager.start)(api);
            b = P::with_page_limit(b, pager.page_limit);
            if let Some(expr) = &pager.transform {
                b = P::with_transform(b, expr);
            }
            if let Some(t) = token {
                b = P::with_page_next_token(b, t);
            }
            b
        })
        .await?;
    Ok(P::into_page(response))
}
