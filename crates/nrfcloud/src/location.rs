//! Location services from [`Client::location`]: ground fix (cells and Wi-Fi), A-GNSS
//! assistance data, P-GPS prediction files. The methods are documented where their formats
//! live: [`crate::ground_fix`], [`crate::agnss`], [`crate::downloads`].

use crate::Client;

/// Location services: ground fix, A-GNSS, P-GPS; from [`Client::location`].
#[derive(Debug, Clone, Copy)]
pub struct LocationHandler<'a> {
    pub(crate) client: &'a Client,
}

impl Client {
    /// Location services: ground fix, A-GNSS, P-GPS.
    pub fn location(&self) -> LocationHandler<'_> {
        LocationHandler { client: self }
    }
}
