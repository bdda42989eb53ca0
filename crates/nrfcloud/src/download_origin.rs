//! Download origin overrides: a download whose URL names one origin (`https://host:port`) is
//! fetched from another. The API hands out P-GPS files as `{host, path}`, fetched as
//! `https://{host}/{path}`; a local mock serves plain HTTP, so a test maps the mock's
//! `https://` origin to its `http://` base URL with
//! [`ClientBuilder::download_origin_override`](crate::ClientBuilder::download_origin_override).

use reqwest::Url;

use crate::error::Error;

/// The setting's name in errors.
const SETTING: &str = "download_origin_override";

/// Downloads for the origin `from` go to the origin `to`: same path and query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OriginOverride {
    from: Url,
    to: Url,
}

impl OriginOverride {
    /// Both must be `http(s)` origins: a scheme and a host, an optional port, no path, query,
    /// fragment or credentials.
    pub(crate) fn new(from: &str, to: &str) -> Result<Self, Error> {
        Ok(OriginOverride {
            from: origin(from)?,
            to: origin(to)?,
        })
    }

    /// The URL to fetch instead of `url`, when `url` is on the `from` origin.
    pub(crate) fn apply(&self, url: &Url) -> Option<Url> {
        if url.origin() != self.from.origin() {
            return None;
        }
        let mut out = self.to.clone();
        out.set_path(url.path());
        out.set_query(url.query());
        Some(out)
    }
}

fn origin(text: &str) -> Result<Url, Error> {
    let text = text.trim().trim_end_matches('/');
    let url =
        Url::parse(text).map_err(|e| Error::invalid(None, SETTING, format!("{text:?}: {e}")))?;
    let bare = url.path().is_empty() || url.path() == "/";
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !bare
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(Error::invalid(
            None,
            SETTING,
            format!("{text:?} is not an http(s) origin (scheme://host[:port], nothing else)"),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_only_its_own_origin_and_keeps_path_and_query() {
        let o = OriginOverride::new("https://127.0.0.1:8080", "http://127.0.0.1:8080/").unwrap();
        let url = Url::parse("https://127.0.0.1:8080/files/pgnss/a%20b.bin?x=1#f").unwrap();
        assert_eq!(
            o.apply(&url).unwrap().as_str(),
            "http://127.0.0.1:8080/files/pgnss/a%20b.bin?x=1"
        );
        for other in [
            "http://127.0.0.1:8080/files/a.bin",
            "https://127.0.0.1:8081/files/a.bin",
            "https://localhost:8080/files/a.bin",
        ] {
            assert_eq!(o.apply(&Url::parse(other).unwrap()), None, "{other}");
        }
        let default_port =
            OriginOverride::new("https://pgps.example", "http://127.0.0.1:9").unwrap();
        let url = Url::parse("https://pgps.example:443/public/a.bin").unwrap();
        assert_eq!(
            default_port.apply(&url).unwrap().as_str(),
            "http://127.0.0.1:9/public/a.bin"
        );
    }

    #[test]
    fn only_bare_origins_are_accepted() {
        for bad in [
            "ftp://host",
            "https://host/prefix",
            "https://user:pw@host",
            "https://host?x=1",
            "host:8080",
            "",
        ] {
            let e = OriginOverride::new(bad, "http://127.0.0.1:1").unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput { field, .. } if field == SETTING),
                "{bad}: {e:?}"
            );
            assert!(
                OriginOverride::new("http://127.0.0.1:1", bad).is_err(),
                "{bad}"
            );
        }
    }
}
