//! What every handler can reach.

use std::sync::Arc;

use crate::auth::throttle::FailureThrottle;
use crate::config::Config;
use crate::realtime::hub::Hub;
use crate::realtime::limits::SendLimiter;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub login_throttle: Arc<FailureThrottle>,
    pub invite_throttle: Arc<FailureThrottle>,
    pub hub: Arc<Hub>,
    pub send_limiter: Arc<SendLimiter>,
}
