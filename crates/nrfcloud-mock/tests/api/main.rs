//! Integration tests of the mock server, through HTTP with reqwest (one test binary).

mod binary;
mod command_line;
mod common;
mod connection_attacks;

mod auth;
mod beyond_the_seed;
mod coverage;
mod devices;
mod faults;
mod firmware_fota;
mod jwt_attacks;
mod load;
mod location;
mod messages;
mod onboarding;
mod pagination;
mod zip_attacks;
