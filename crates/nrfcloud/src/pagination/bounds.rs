//! The bounds of one listing: how many pages it may fetch, how many empty pages with a next
//! token may follow each other, and the guard against a server that repeats a token, kept in
//! bounded memory (64-bit hashes of the last [`DEFAULT_TOKEN_WINDOW`] tokens by default, not
//! every token seen).

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};

use crate::error::Limit;

/// The default [`Request::max_pages`](crate::Request::max_pages): 100,000 pages (10 million items
/// at the API's 100 per page).
pub const DEFAULT_MAX_PAGES: u64 = 100_000;

/// The default [`Request::max_empty_pages`](crate::Request::max_empty_pages): 20 empty pages in
/// a row, each with a next token.
pub const DEFAULT_MAX_EMPTY_PAGES: u64 = 20;

/// The default [`Request::token_window`](crate::Request::token_window): the repeat guard
/// remembers the latest 64 tokens (as 64-bit hashes). A server that cycles through more
/// distinct tokens than the window is stopped by the page bounds instead.
pub const DEFAULT_TOKEN_WINDOW: usize = 64;

/// What to do after a page whose next token is `Some`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Fetch the next page.
    Fetch,
    /// The server sent a token it sent before.
    Repeated,
    /// A limit is reached: stop with this error after the page.
    Stop(Limit),
}

/// The counters and the token guard of one page stream.
#[derive(Debug)]
pub(crate) struct PageBounds {
    max_pages: u64,
    max_empty_pages: u64,
    pages: u64,
    empty_run: u64,
    hasher: RandomState,
    window: usize,
    recent: VecDeque<u64>,
}

impl PageBounds {
    pub(crate) fn new(max_pages: u64, max_empty_pages: u64, window: usize) -> Self {
        let window = window.max(1);
        PageBounds {
            max_pages,
            max_empty_pages,
            pages: 0,
            empty_run: 0,
            hasher: RandomState::new(),
            window,
            recent: VecDeque::with_capacity(window),
        }
    }

    /// Counts a page of `items` items (as the server sent it) that carries `next_token`, and
    /// says whether the next page may be fetched.
    pub(crate) fn after_page(&mut self, items: usize, next_token: &str) -> Next {
        self.pages = self.pages.saturating_add(1);
        self.empty_run = if items == 0 {
            self.empty_run.saturating_add(1)
        } else {
            0
        };
        if self.repeats(next_token) {
            Next::Repeated
        } else if self.pages >= self.max_pages {
            Next::Stop(Limit::Pages(self.max_pages))
        } else if self.empty_run >= self.max_empty_pages {
            Next::Stop(Limit::EmptyPages(self.max_empty_pages))
        } else {
            Next::Fetch
        }
    }

    /// True when `token` is among the last `window` tokens; remembers it otherwise.
    fn repeats(&mut self, token: &str) -> bool {
        let hash = self.hasher.hash_one(token);
        if self.recent.contains(&hash) {
            return true;
        }
        if self.recent.len() >= self.window {
            self.recent.pop_front();
        }
        self.recent.push_back(hash);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_guard_remembers_a_bounded_window() {
        let mut b = PageBounds::new(u64::MAX, u64::MAX, DEFAULT_TOKEN_WINDOW);
        for i in 0..10_000 {
            assert_eq!(b.after_page(1, &format!("token-{i}")), Next::Fetch);
            assert!(b.recent.len() <= DEFAULT_TOKEN_WINDOW);
        }
        assert_eq!(b.recent.capacity(), DEFAULT_TOKEN_WINDOW, "never grew");
        assert_eq!(
            b.after_page(1, "token-9990"),
            Next::Repeated,
            "within the window"
        );
        assert_eq!(
            b.after_page(1, "token-0"),
            Next::Fetch,
            "out of the window: the page bounds catch such cycles"
        );
        let mut wide = PageBounds::new(u64::MAX, u64::MAX, 20_000);
        for i in 0..10_000 {
            assert_eq!(wide.after_page(1, &format!("token-{i}")), Next::Fetch);
        }
        assert_eq!(
            wide.after_page(1, "token-0"),
            Next::Repeated,
            "a wider window"
        );
    }

    #[test]
    fn pages_and_empty_runs_are_counted() {
        let mut b = PageBounds::new(5, 3, 8);
        assert_eq!(b.after_page(0, "a"), Next::Fetch);
        assert_eq!(b.after_page(0, "b"), Next::Fetch);
        assert_eq!(b.after_page(2, "c"), Next::Fetch, "an item resets the run");
        assert_eq!(b.after_page(0, "d"), Next::Fetch);
        assert_eq!(b.after_page(0, "e"), Next::Stop(Limit::Pages(5)));
        let mut b = PageBounds::new(100, 3, 8);
        for t in ["a", "b"] {
            assert_eq!(b.after_page(0, t), Next::Fetch);
        }
        assert_eq!(b.after_page(0, "c"), Next::Stop(Limit::EmptyPages(3)));
    }
}
