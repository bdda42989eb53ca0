//! The redirect policy of the HTTP client the builder makes: a 307 or 308 (which re-send the
//! request body) from the API's origin to another origin is not followed, so a POSTed CSV
//! with onboarding tokens, or any other body, never leaves the API for a host the server
//! names. The API does not redirect across origins. Other redirects are followed as
//! `reqwest` does by default (at most 10; 301/302/303 drop the body, and `Authorization` is
//! removed whenever the origin changes).

use reqwest::Url;
use reqwest::redirect::{Attempt, Policy};

/// Scheme, host and port: what makes two URLs the same origin.
pub(crate) type Origin = (String, String, Option<u16>);

/// The origin of `url`.
pub(crate) fn origin_of(url: &Url) -> Origin {
    (
        url.scheme().to_string(),
        url.host_str().unwrap_or_default().to_string(),
        url.port_or_known_default(),
    )
}

/// True when `url` is at `origin`.
pub(crate) fn is_at(origin: &Origin, url: &Url) -> bool {
    let (scheme, host, port) = origin;
    url.scheme() == scheme
        && url.host_str() == Some(host.as_str())
        && url.port_or_known_default() == *port
}

/// The policy for a client whose API is at `api`.
pub(crate) fn policy(api: Origin) -> Policy {
    let default = Policy::default();
    Policy::custom(move |attempt: Attempt<'_>| {
        let status = attempt.status().as_u16();
        let previous = attempt.previous();
        let from_api = previous.first().is_some_and(|first| is_at(&api, first));
        let leaves = previous
            .last()
            .is_some_and(|last| !is_at(&origin_of(last), attempt.url()));
        if from_api && leaves && matches!(status, 307 | 308) {
            let refused = CrossOrigin {
                status,
                target: shown(attempt.url()),
            };
            return attempt.error(refused);
        }
        default.redirect(attempt)
    })
}

/// `scheme://host[:port]/path` of a URL: no user, query or fragment (a presigned query holds
/// signatures).
fn shown(url: &Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

/// The refusal, as the source of the `reqwest::Error` the call gets;
/// [`crate::Error::CrossOriginRedirect`] carries it to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrossOrigin {
    pub status: u16,
    pub target: String,
}

impl std::fmt::Display for CrossOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a {} redirect from the API to another origin ({}) is not followed",
            self.status, self.target
        )
    }
}

impl std::error::Error for CrossOrigin {}

/// The first error of type `T` in the source chain of `e`.
pub(crate) fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(e);
    while let Some(e) = current {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_targets_have_no_query_or_credentials() {
        let url = Url::parse("https://user:pw@evil.example:8443/a/b?X-Amz-Signature=s#f").unwrap();
        assert_eq!(shown(&url), "https://evil.example:8443/a/b");
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let api = origin_of(&Url::parse("https://api.example/v1").unwrap());
        assert!(is_at(
            &api,
            &Url::parse("https://api.example:443/x").unwrap()
        ));
        assert!(!is_at(&api, &Url::parse("http://api.example/x").unwrap()));
        assert!(!is_at(
            &api,
            &Url::parse("https://api.example:444/x").unwrap()
        ));
        assert!(!is_at(
            &api,
            &Url::parse("https://other.example/x").unwrap()
        ));
    }
}
