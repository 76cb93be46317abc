//! Builds the server from a [`Config`]. `main` and the black-box tests start it the same way.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::routing::{any, get};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::origin::reject_foreign_origin;
use crate::config::Config;
use crate::connections::{self, ConnectionLimits};
use crate::error::AppError;
use crate::media::storage::Storage;
use crate::realtime::hub::Hub;
use crate::routes;
use crate::state::AppState;
use crate::store::{self, Store};

pub const SESSION_COOKIE: &str = "parley_session";
/// JSON bodies are small; uploads get their own, larger limits on their own routes.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
    hub: Arc<Hub>,
    retention_days: u32,
    storage: Storage,
    upload_expiry: Duration,
    limits: ConnectionLimits,
    addr: SocketAddr,
}

impl Application {
    /// Opens the database (applying migrations), binds the listener and assembles the routes.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = Store::open(&config).await?;
        let storage = Storage::open(&config)?;
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let hub = Hub::new();
        let router = router(&config, store.clone(), hub.clone(), storage.clone())?;
        tracing::info!(%addr, database = store.backend(), files = storage.backend(), "parley is ready");
        Ok(Self {
            listener,
            router,
            store,
            hub,
            retention_days: config.event_retention_days,
            storage,
            upload_expiry: config.upload_expiry,
            limits: ConnectionLimits {
                header_timeout: config.header_timeout,
                max_connections: config.max_connections,
            },
            addr,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let sweeper = tokio::spawn(sweep(self.store.clone(), self.retention_days));
        let uploads = tokio::spawn(sweep_uploads(
            self.store.clone(),
            self.storage.clone(),
            self.upload_expiry,
        ));
        let delivery = self.hub.spawn(self.store.bus());
        connections::serve(self.listener, self.router, self.limits, shutdown).await;
        sweeper.abort();
        uploads.abort();
        delivery.abort();
        self.store.close().await.context("closing the database")
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

fn router(
    config: &Config,
    store: Store,
    hub: Arc<Hub>,
    storage: Storage,
) -> anyhow::Result<Router> {
    let state =
        AppState::new(config, store.clone(), hub, storage).context("starting worker threads")?;
    let (api, openapi) = routes::api().split_for_parts();
    let openapi = Arc::new(routes::openapi::document(&openapi));

    let sessions = SessionManagerLayer::new(store::sessions::DbSessionStore::new(store))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(config.session_idle).unwrap_or(time::Duration::days(30)),
        ));

    let api = api
        .route("/api/v1/gateway", get(crate::realtime::gateway::upgrade))
        .route(
            "/api/v1/openapi.json",
            get(move || std::future::ready(axum::Json(openapi.clone()))),
        )
        .route("/api/{*rest}", any(routes::api_not_found))
        .route("/api", any(routes::api_not_found))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            reject_foreign_origin,
        ))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .with_state(state);

    let security_headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ));

    let csp = Arc::new(crate::web::ContentSecurityPolicy::new(
        &config.web_dir,
        config.public_url.as_deref(),
        crate::media::storage::download_origin(&config.storage),
    ));
    Ok(api
        .merge(crate::media::icons::router(&config.data_dir))
        .merge(crate::web::router(&config.web_dir))
        .layer(axum::middleware::from_fn_with_state(
            csp,
            crate::web::content_security_policy,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!(
                                "request",
                                method = %request.method(),
                                path = %request.uri().path(),
                                request_id,
                            )
                        })
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| {
                    AppError::internal(anyhow::anyhow!("handler panicked")).into_response_boxed()
                }))
                .layer(security_headers),
        ))
}

impl AppError {
    fn into_response_boxed(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}

/// Hourly housekeeping: expired sessions, and channel events past their retention.
async fn sweep(store: Store, retention_days: u32) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match store::sessions::delete_expired(&store).await {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions removed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = ?err, "could not remove expired sessions"),
        }
        match store::messages::prune_events(&store, retention_days.into()).await {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "old channel events removed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = ?err, "could not remove old channel events"),
        }
    }
}

/// Deletes uploads no message claimed within `expiry`, with their files. Runs a few times per
/// expiry period, so none outlives it by much.
async fn sweep_uploads(store: Store, storage: Storage, expiry: Duration) {
    let mut every = tokio::time::interval(
        (expiry / 4).clamp(Duration::from_millis(200), Duration::from_secs(300)),
    );
    loop {
        every.tick().await;
        let cutoff = chrono::Utc::now()
            - chrono::Duration::from_std(expiry).unwrap_or(chrono::Duration::hours(1));
        match store::attachments::unclaimed_before(&store, cutoff, 500).await {
            Ok(expired) => {
                for attachment in expired {
                    match store::attachments::delete_unclaimed(&store, attachment.id).await {
                        Ok(true) => {
                            crate::media::attachments::forget(&storage, attachment.id).await
                        }
                        Ok(false) => {}
                        Err(err) => {
                            tracing::warn!(error = ?err, "could not delete an unused upload")
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = ?err, "could not look for unused uploads"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
