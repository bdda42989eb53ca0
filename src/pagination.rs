//! The paginated operations: those that take `pageNextToken` and answer `{items, total,
//! pageNextToken}`. Their request builders implement [`PagedBuilder`]; `build.rs` generates
//! the impls from the document, so the list ([`PAGINATED`]) is never kept by hand. The
//! `nrfcloud` wrapper turns them into streams.

#[allow(unused_imports)]
use crate::builder;
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

include!(concat!(env!("OUT_DIR"), "/pagination.rs"));
