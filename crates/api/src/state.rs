//! What every handler can reach.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::auth::password::Hasher;
use crate::auth::throttle::FailureThrottle;
use crate::config::Config;
use crate::limits::{BlockingPool, KeyedLimiter};
use crate::media::storage::Storage;
use crate::realtime::hub::Hub;
use crate::shared::SharedCounters;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub hasher: Arc<Hasher>,
    /// Where icon uploads are decoded, a few at a time.
    pub image_decoders: Arc<BlockingPool>,
    pub login_throttle: Arc<FailureThrottle>,
    pub invite_throttle: Arc<FailureThrottle>,
    pub hub: Arc<Hub>,
    pub limits: Arc<Limits>,
    /// Where attachments live (the data folder, or S3).
    pub storage: Storage,
}

/// Rate limits per user (or per address, for registrations).
#[derive(Debug)]
pub struct Limits {
    pub sends: KeyedLimiter<Uuid>,
    pub edits: KeyedLimiter<Uuid>,
    pub groups: KeyedLimiter<Uuid>,
    pub registrations: KeyedLimiter<IpAddr>,
    pub icon_uploads: KeyedLimiter<Uuid>,
    pub uploads: KeyedLimiter<Uuid>,
}

impl Limits {
    /// Counted in this process, or in Redis (shared by every instance) when `shared` is given.
    pub fn new(config: &Config, shared: Option<&SharedCounters>) -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            sends: KeyedLimiter::per_second(config.send_rate, config.send_burst)
                .shared(shared, "sends"),
            edits: KeyedLimiter::per_second(config.edit_rate, config.edit_burst)
                .shared(shared, "edits"),
            groups: KeyedLimiter::per_period(config.groups_per_hour, hour).shared(shared, "groups"),
            registrations: KeyedLimiter::per_period(config.registrations_per_ip, hour)
                .shared(shared, "registrations"),
            icon_uploads: KeyedLimiter::per_period(config.icon_uploads_per_hour, hour)
                .shared(shared, "icons"),
            uploads: KeyedLimiter::per_period(config.uploads_per_hour, hour)
                .shared(shared, "uploads"),
        }
    }
}

impl AppState {
    /// Fails only when the worker threads cannot be started or `REDIS_URL` is not a URL.
    pub fn new(
        config: &Config,
        store: Store,
        hub: Arc<Hub>,
        storage: Storage,
    ) -> anyhow::Result<Self> {
        let shared = config
            .redis_url
            .as_deref()
            .map(|url| SharedCounters::new(url, &config.redis_namespace))
            .transpose()?;
        Ok(Self {
            config: Arc::new(config.clone()),
            store,
            hasher: Arc::new(Hasher::new(
                config.hash_concurrency,
                config.hash_queue_wait,
            )?),
            image_decoders: Arc::new(BlockingPool::new(
                "parley-decode",
                config.image_decode_concurrency,
                config.hash_queue_wait,
            )?),
            login_throttle: Arc::new(
                FailureThrottle::new(config.login_throttle).shared(shared.as_ref(), "login"),
            ),
            invite_throttle: Arc::new(
                FailureThrottle::new(config.invite_throttle).shared(shared.as_ref(), "invite"),
            ),
            hub,
            limits: Arc::new(Limits::new(config, shared.as_ref())),
            storage,
        })
    }
}
