//! The nRF Cloud REST API's formats that are not JSON documents, written once for both sides
//! of the wire: the `nrfcloud` client reads what the service sends and checks what it uploads,
//! and `nrfcloud-mock` writes what the service sends and checks what it receives.

#![warn(missing_docs)]
