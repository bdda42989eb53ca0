//! Integration tests of the mock server, through HTTP with reqwest (one test binary).

mod common;

mod auth;
mod coverage;
mod devices;
mod extras;
mod faults;
mod firmware_fota;
mod load;
mod location;
mod messages;
mod onboarding;
mod pagination;
