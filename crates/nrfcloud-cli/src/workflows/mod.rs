//! The hand-written commands: workflows over the wrapper's handles (`client.onboarding()`,
//! `client.firmware()`, `client.fota()`, `client.location()`), `nrfcloud mock` and
//! `nrfcloud config`.

pub mod config_cmd;
pub mod firmware;
pub mod fota;
pub mod location;
pub mod messages;
pub mod mock;
pub mod onboard;
