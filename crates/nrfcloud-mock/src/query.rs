//! Query strings: decoded once with the usual `application/x-www-form-urlencoded` rules, then
//! read by name (first value, all values, comma-separated lists, typed values).

/// The decoded query parameters of one request, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Decodes a raw query string (without the `?`).
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, as sent.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every value of `name`, also splitting comma-separated values; empty items dropped.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.all(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A boolean (`true`/`false`, `1`/`0`), or `default` when absent or unreadable.
    pub(crate) fn bool_or(&self, name: &str, default: bool) -> bool {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            _ => default,
        }
    }

    /// A number, if present and readable.
    pub(crate) fn f64(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(|v| v.trim().parse::<f64>().ok())
    }

    /// Whether `name` was sent at all.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_plus_decoding() {
        let q = QueryParams::parse(Some("a=x%2By&b=1+2&c=p,q&c=r"));
        assert_eq!(q.get("a"), Some("x+y"));
        assert_eq!(q.get("b"), Some("1 2"));
        assert_eq!(q.list("c"), vec!["p", "q", "r"]);
    }
}
