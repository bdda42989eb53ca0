//! How a generated call makes its request's URL.
//!
//! progenitor formats `{base}{path}` and hands the text to `reqwest`, which parses all of it
//! on every call: scheme, host, port and path (about 7,400 instructions for FetchDevice's URL,
//! most of them in the host). The generated `send` methods call [`request`] instead (see
//! `nrfcloud-codegen`'s `request_urls`): the client's base URL is parsed once, and each call
//! clones it and sets its path (about 3,500). The URL is the one parsing `{base}{path}` gives; where that is
//! not certain (a base the parser rewrites, such as `HTTP://Host:80`, or a base with a query),
//! the call formats and parses the text as before. The tests below compare both ways over
//! bases and paths of every kind; `tests/path_segments.rs` sends every path parameter of the
//! document through it to a server that reports the path it got.
//!
//! An absent optional query parameter adds nothing to the URL; [`OptionalQuery::query_if`]
//! skips `reqwest`'s query serialiser for it (about 700 instructions per parameter).

use std::sync::OnceLock;

use progenitor_client::ClientInfo;
use reqwest::{Method, RequestBuilder, Url};

use crate::Client;

/// A base URL parsed once: the text it was parsed from, and how paths join it.
#[derive(Debug, Clone)]
struct Base {
    /// The base URL as the client holds it (`Client::baseurl`).
    text: String,
    /// The parsed base; `None` when joining by text is the only faithful way.
    url: Option<Url>,
    /// The path that a request's path follows: the base's own path, or nothing when the
    /// parser added the `/` (`http://host` is `http://host/`).
    prefix: String,
}

impl Base {
    fn parse(text: &str) -> Base {
        let joinable = Url::parse(text).ok().and_then(|url| {
            if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
                return None;
            }
            // Only a base the parser leaves as written: then `{text}{path}` parses to the
            // base followed by the path.
            let prefix = if url.as_str() == text {
                url.path().to_string()
            } else if url.path() == "/" && url.as_str().strip_suffix('/') == Some(text) {
                String::new()
            } else {
                return None;
            };
            Some((url, prefix))
        });
        match joinable {
            Some((url, prefix)) => Base {
                text: text.to_string(),
                url: Some(url),
                prefix,
            },
            None => Base {
                text: text.to_string(),
                url: None,
                prefix: String::new(),
            },
        }
    }

    /// The base with `path` joined, as `Url::parse(format!("{text}{path}"))` gives it;
    /// `None` where that is not certain.
    fn join(&self, path: &str) -> Option<Url> {
        let base = self.url.as_ref()?;
        // The parser ends the path at `?` and `#` and trims spaces and controls at the ends,
        // where setting a path encodes them. The generated paths have none (the segments are
        // percent-encoded); anything else goes the long way.
        if !path.starts_with('/') || path.bytes().any(|b| LONG_WAY[usize::from(b)]) {
            return None;
        }
        let mut full = String::with_capacity(self.prefix.len() + path.len());
        full.push_str(&self.prefix);
        full.push_str(path);
        let mut url = base.clone();
        url.set_path(&full);
        Some(url)
    }
}

/// The bytes of a path that [`Base::join`] leaves to the parser: space, the controls and DEL,
/// `?`, `#` and `\`.
const LONG_WAY: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b <= b' ' as usize {
        table[b] = true;
        b += 1;
    }
    table[b'?' as usize] = true;
    table[b'#' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table
};

/// The client's base URL as parsed for its first call (one per client; held in its
/// [`Hooks`](crate::hooks::Hooks)).
#[derive(Debug, Clone, Default)]
pub(crate) struct BaseUrl(OnceLock<Base>);

impl BaseUrl {
    /// `path` joined to the base `text`; `None` when it must be parsed as text. A base cached
    /// for another text (hooks shared by clients of different bases) is not used.
    fn join(&self, text: &str, path: &str) -> Option<Url> {
        let base = self.0.get_or_init(|| Base::parse(text));
        if base.text != text {
            return None;
        }
        base.join(path)
    }
}

/// The request builder of a generated call: `method` on the client's base URL followed by
/// `path` (percent-encoded, starting with `/`). The same request as
/// `client.client().request(method, format!("{}{}", client.baseurl(), path))`; a base URL
/// that does not parse fails the same way, when the request is built.
pub fn request(client: &Client, method: Method, path: &str) -> RequestBuilder {
    match client.inner().base.join(client.baseurl(), path) {
        Some(url) => client.client().request(method, url),
        None => client
            .client()
            .request(method, format!("{}{}", client.baseurl(), path)),
    }
}

/// Query parameters that may be absent.
pub trait OptionalQuery: Sized {
    /// `self.query(query)` when `present`; `self` unchanged otherwise. The generated `send`
    /// passes `parameter.is_some()`: an absent parameter serialises to nothing, so the URL is
    /// the same either way.
    #[must_use]
    fn query_if<T: serde::Serialize + ?Sized>(self, present: bool, query: &T) -> Self;
}

impl OptionalQuery for RequestBuilder {
    fn query_if<T: serde::Serialize + ?Sized>(self, present: bool, query: &T) -> Self {
        if present { self.query(query) } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What progenitor's way gives: the whole text parsed.
    fn parsed(base: &str, path: &str) -> Option<String> {
        Url::parse(&format!("{base}{path}"))
            .ok()
            .map(|u| u.to_string())
    }

    #[test]
    fn joined_urls_are_the_parsed_ones() {
        let bases = [
            "https://api.nrfcloud.com/v1",
            "https://api.nrfcloud.com/v1/",
            "https://api.nrfcloud.com",
            "https://api.nrfcloud.com/",
            "http://127.0.0.1:8080/n100",
            "http://[::1]:8080/v1",
            "HTTP://API.nrfcloud.com:443/v1",
            "https://api.nrfcloud.com:443/v1",
            "https://user:pw@api.nrfcloud.com/v1",
            "https://api.nrfcloud.com/a b/v1",
            "https://api.nrfcloud.com/a%20b/v1",
            "https://api.nrfcloud.com/x/../v1",
            "https://api.nrfcloud.com/v1/..",
            "https://api.nrfcloud.com/v1?x=1",
            "https://api.nrfcloud.com/v1#top",
            "https://api.nrfcloud.com/v1\t",
            " https://api.nrfcloud.com/v1",
            "custom://host/v1",
            "custom:opaque",
            "file:///tmp/v1",
            "not a url",
            "",
        ];
        let paths = [
            "/devices",
            "/devices/",
            "/devices/0b9e1f1c-6d4e-4a57-9c0e-2a1b1b1f9d3a",
            "/devices/a%2F..%2F/state",
            "/devices/%2e%2e/x",
            "/location/anchors/aa:bb:cc:dd:ee:ff",
            "/devices/APP*1a2b*v1.0.0",
            "/devices/caf%C3%A9",
            "/devices/café",
            "/devices/a?b",
            "/devices/a#b",
            "/devices/a b",
            "/devices/a\\b",
            "/devices/.",
            "/devices/..",
            "//devices",
            "devices",
            "",
        ];
        let mut fast = 0;
        for base in bases {
            let parsed_base = Base::parse(base);
            for path in paths {
                let want = parsed(base, path);
                match parsed_base.join(path) {
                    Some(url) => {
                        fast += 1;
                        assert_eq!(Some(url.to_string()), want, "{base:?} + {path:?}");
                    }
                    None => {} // formatted and parsed as before
                }
            }
        }
        // The common bases take the short way for the generated paths.
        assert!(fast >= 60, "only {fast} joins took the short way");
        for base in ["https://api.nrfcloud.com/v1", "http://127.0.0.1:8080/n100"] {
            assert!(Base::parse(base).join("/devices/x%2Fy").is_some(), "{base}");
        }
    }

    #[test]
    fn a_base_cached_for_another_text_is_not_used() {
        let cache = BaseUrl::default();
        let first = cache.join("https://a.example/v1", "/devices").unwrap();
        assert_eq!(first.as_str(), "https://a.example/v1/devices");
        assert!(cache.join("https://b.example/v1", "/devices").is_none());
    }
}
