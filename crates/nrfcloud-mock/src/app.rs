//! The context every handler shares: the operation table, the state, the fault knobs and the
//! optional JSONata engine.

use std::ops::Deref;
use std::sync::Arc;

use serde_json::Value;

use crate::errors::ApiError;
use crate::faults::Faults;
use crate::spec::ApiSpec;
use crate::state::{MockState, Settings};
use crate::transforms::Transforms;

/// Cheap to clone: an `Arc` around [`AppInner`].
#[derive(Clone)]
pub(crate) struct App(Arc<AppInner>);

/// What [`App`] holds.
pub(crate) struct AppInner {
    pub(crate) spec: ApiSpec,
    pub(crate) state: Arc<MockState>,
    pub(crate) faults: Arc<Faults>,
    pub(crate) transforms: Option<Transforms>,
    pub(crate) empty_lists_as_40499: bool,
}

impl App {
    /// Wraps the parts.
    pub(crate) fn new(inner: AppInner) -> Self {
        Self(Arc::new(inner))
    }

    /// The team settings.
    pub(crate) fn settings(&self) -> &Settings {
        &self.state.settings
    }

    /// Applies the `transform` expression to the items of one response with the
    /// configured engine, on a transform worker and within the transform limits.
    pub(crate) async fn transform(
        &self,
        expression: String,
        items: Vec<Value>,
    ) -> Result<Vec<Value>, ApiError> {
        let transforms = self.transforms.as_ref().ok_or_else(|| {
            ApiError::validation(
                "transform: this mock server has no JSONata engine configured (MockConfig::transform)",
            )
        })?;
        transforms.apply(expression, items).await
    }

    /// The answer for an empty list: 404 / 40499 when so configured.
    pub(crate) fn check_empty(&self, is_empty: bool, what: &str) -> Result<(), ApiError> {
        if is_empty && self.empty_lists_as_40499 {
            Err(ApiError::empty(format!("No {what} found")))
        } else {
            Ok(())
        }
    }
}

impl Deref for App {
    type Target = AppInner;

    fn deref(&self) -> &AppInner {
        &self.0
    }
}
