//! Hooks for tests and benchmarks of code built on this crate: how many JWTs a key has
//! minted, and a key's token at a chosen time. Nothing here is needed to call the API.

use crate::jwt::Clock;
use crate::{DeviceKey, Secret};

/// How many JWTs `key` (and its clones, which share one cache) has minted so far: a test
/// checks with it that tokens are cached and re-minted when they should be.
pub fn mint_count(key: &DeviceKey) -> u64 {
    key.minter().mint_count()
}

/// `key`'s token as the client would send it at `clock`'s time: cached while it has more than
/// the refresh margin left, else newly minted (a benchmark advances the clock to measure a
/// mint).
pub fn token_at(key: &DeviceKey, clock: &dyn Clock) -> Secret {
    key.minter().token(clock)
}
