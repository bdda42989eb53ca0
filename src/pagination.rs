//! The paginated operations: those that take `pageNextToken` and answer `{items, total,
//! pageNextToken}`. Each has a marker type here (named like its request builder) implementing
//! [`Paginated`]; `build.rs` generates them from the document, so the list is never kept by
//! hand. Their request builders implement [`PagedBuilder`]. The `nrfcloud` wrapper turns
//! them into streams.

#[allow(unused_imports)]
use crate::builder;
use crate::operations::{OPERATIONS, Operation};
use crate::sendable::Sendable;
#[allow(unused_imports)]
use crate::types;

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `total` as the API reports it (the number of results of the query, at most a page or
    /// ten pages; not the number of items available).
    pub total: Option<i64>,
    /// The token for the next page; `None` on the last page.
    pub next_token: Option<String>,
}

/// The request builder of a paginated operation (generated impls, one per builder): what the
/// wrapper's page and item streams need to walk the pages from a builder the caller set up.
pub trait PagedBuilder<'a>: Sendable<'a> + Clone {
    /// One item of `items`.
    type Item: Send + 'static;
    /// Sets `pageNextToken` (the raw token: the query encoder encodes it once).
    fn set_page_next_token(self, token: &str) -> Self;
    /// Sets `pageLimit`, if the operation has it (otherwise returns the builder unchanged).
    fn set_page_limit(self, limit: u32) -> Self;
    /// Splits a response into a page.
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

/// A paginated operation, by a marker type (the wrapper's `Client::paginate`).
pub trait Paginated: Send + Sync + 'static {
    /// Its request builder.
    type Builder<'a>: Sendable<'a, Response = Self::Response, ErrorBody = Self::ErrorBody> + Clone;
    /// The body type of its documented error responses.
    type ErrorBody: serde::Serialize + Send + 'static;
    /// Its response body.
    type Response: Send + 'static;
    /// One item of `items`.
    type Item: Send + 'static;
    /// Whether the operation takes a JSONata `transform`.
    const TAKES_TRANSFORM: bool;
    /// The operation's table entry.
    fn operation() -> &'static Operation;
    /// A fresh request builder on `api`.
    fn builder(api: &crate::Client) -> Self::Builder<'_>;
    /// Sets `transform` (no-op when [`Paginated::TAKES_TRANSFORM`] is false).
    fn with_transform<'a>(builder: Self::Builder<'a>, expression: &str) -> Self::Builder<'a>;
    /// Sets `pageNextToken` (the raw token: the query encoder encodes it once).
    fn with_page_next_token<'a>(builder: Self::Builder<'a>, token: &str) -> Self::Builder<'a>;
    /// Sets `pageLimit`, if the operation has it.
    fn with_page_limit<'a>(builder: Self::Builder<'a>, limit: u32) -> Self::Builder<'a>;
    /// Splits a response into a page.
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

include!(concat!(env!("OUT_DIR"), "/pagination.rs"));
