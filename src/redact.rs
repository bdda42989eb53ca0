//! Secrets of the generated types: which types and properties hold one (found by
//! `nrfcloud-codegen`'s `secrets` rule on the document's names and descriptions), and the
//! placeholder their `Debug` prints instead.

/// What a secret's `Debug` prints: `<redacted>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

include!(concat!(env!("OUT_DIR"), "/secrets.rs"));
