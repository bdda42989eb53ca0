//! Location services from [`Client::location`]: ground fix (cells and Wi-Fi), A-GNSS
//! assistance data, P-GPS prediction files, the location history. The methods are documented
//! where their formats live: [`crate::ground_fix`], [`crate::agnss`], [`crate::downloads`].

use crate::{Client, Request, builder};

/// Location services: ground fix, A-GNSS, P-GPS, history; from [`Client::location`].
#[derive(Debug, Clone, Copy)]
pub struct LocationHandler<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> LocationHandler<'a> {
    /// The location history (GetLocationHistory, the API key; all devices needs admin
    /// rights): a request to narrow with its setters (`device_id`, `start`, `end`, …) and
    /// read with [`Request::items`].
    ///
    /// ```no_run
    /// # async fn f(client: nrfcloud::Client) -> Result<(), nrfcloud::Error> {
    /// use futures::TryStreamExt;
    /// let fixes: Vec<_> = client
    ///     .location()
    ///     .history()
    ///     .device_id("nrf-352656100000000")
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn history(&self) -> Request<'a, builder::GetLocationHistory<'a>> {
        self.client.api().get_location_history()
    }

    /// Deletes one entry of a device's location history (DeleteLocationHistory): set
    /// `device_id` and `id` (the entry's) and send.
    pub fn delete_history(&self) -> Request<'a, builder::DeleteLocationHistory<'a>> {
        self.client.api().delete_location_history()
    }
}

impl Client {
    /// Location services: ground fix, A-GNSS, P-GPS, the location history.
    pub fn location(&self) -> LocationHandler<'_> {
        LocationHandler { client: self }
    }
}
