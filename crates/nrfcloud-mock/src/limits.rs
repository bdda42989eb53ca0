//! The bounds a mock server puts on its clients, each with a default and set through
//! [`MockConfig`](crate::MockConfig): what one firmware upload may unpack to, how long a
//! connection may take to send a request head or sit idle, how many connections are served at
//! once, and which JWT lifetimes and clock differences are accepted.

use std::time::Duration;

/// The longest a device JWT may be valid (`exp` − `iat`): 7 days, the same limit the `nrfcloud`
/// client puts on the tokens it mints (`nrfcloud::jwt::MAX_LIFETIME`).
pub const MAX_DEVICE_JWT_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Bounds on one firmware bundle (UploadFirmware). The zip itself is at most 999,999 bytes
/// (the documentation's 1,333,333 base64 characters); these bound what it unpacks to. Bytes are
/// counted as they are inflated: the sizes a zip declares are not trusted.
///
/// A bundle past a bound is answered 422 / 42200, the message naming the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleRules {
    /// Entries in the zip, `manifest.json` included. Default: 16 (a bundle holds the manifest
    /// and one or two images).
    pub max_entries: usize,
    /// What `manifest.json` may unpack to. Default: 64 KiB (a real manifest is a few hundred
    /// bytes).
    pub max_manifest_bytes: u64,
    /// What each file the manifest names may unpack to. Default: 999,999 bytes, the
    /// documentation's upload limit, which no image for the 1 MB flash of an nRF91 or nRF53
    /// application core exceeds.
    pub max_file_bytes: u64,
    /// What all the files the manifest names may unpack to together. Default: 4 MiB.
    pub max_total_bytes: u64,
}

impl Default for BundleRules {
    fn default() -> Self {
        Self {
            max_entries: 16,
            max_manifest_bytes: 64 * 1024,
            max_file_bytes: 999_999,
            max_total_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Bounds on the server's connections (HTTP/1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a complete request head, counted from the moment the
    /// server waits for it: a new connection, or the end of the previous response (so it also
    /// bounds a keep-alive connection's wait for its next request). The connection is closed
    /// after it. Default: 30 s.
    pub header_read_timeout: Duration,
    /// How long a connection may go without a byte read or written while the server waits for
    /// the client: for the rest of a request body, for it to read the response, or for its next
    /// request. It is closed after it. A handler at work that is not waiting for its request
    /// body is never idle. Default: 60 s.
    pub idle_timeout: Duration,
    /// Connections served at once. At the limit the server stops accepting: further connections
    /// wait in the operating system's listen queue and are served, in order, as others close
    /// (the timeouts above bound how long a slot can be held without a request). Default: 1,024.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// What a JWT's time claims may say. Every `exp`, `iat` and `nbf` present must be a number of
/// seconds since the epoch (a string or `null` is refused, as JWT libraries refuse it); a JWT
/// whose `exp` has passed is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwtRules {
    /// The longest a device JWT may be valid: `exp` − `iat`, or `exp` − now without `iat`.
    /// Device JWTs must carry `exp`. Default: [`MAX_DEVICE_JWT_LIFETIME`] (7 days).
    /// Service-key JWTs have no such bound (the service's own token is valid for a year).
    pub max_device_lifetime: Duration,
    /// How far in the future an `iat` or `nbf` may be (the device's clock ahead of the
    /// server's), also allowed on top of the lifetime when `iat` is absent. Default: 60 s.
    pub clock_leeway: Duration,
}

impl Default for JwtRules {
    fn default() -> Self {
        Self {
            max_device_lifetime: MAX_DEVICE_JWT_LIFETIME,
            clock_leeway: Duration::from_secs(60),
        }
    }
}
