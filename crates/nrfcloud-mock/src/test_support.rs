//! What a test needs to act towards the mock as a device, a team or the FOTA engine would
//! expect: key pairs, certificates and JWTs, the ownership code of a seeded device, and which
//! seeded FOTA executions fail. Nothing here is part of the mock's server surface.

pub use crate::fota_engine::fota_execution_fails;
pub use crate::keys::KeyPair;
pub use crate::routes::onboarding::ownership_code;
