//! What every handler can reach.

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub login_throttle: Arc<LoginThrottle>,
}
