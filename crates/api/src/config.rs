//! Typed configuration: defaults that run out of the box, overridden by environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Config {
    /// `PARLEY_ADDR`: where to listen. Port 0 picks a free port (tests use that).
    pub addr: SocketAddr,
    /// `PARLEY_DATA_DIR`: the embedded database and uploads live here.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`; SQLite in the data folder by default.
    pub database_url: String,
    /// `REDIS_URL`: when set, events travel between instances over this Redis (and what is
    /// counted per process, like rate limits, is counted there).
    pub redis_url: Option<String>,
    /// `PARLEY_REDIS_NAMESPACE`: what Parley's Redis channel and keys start with, so several
    /// Parley clusters (or test runs) can share one Redis.
    pub redis_namespace: String,
    /// `PARLEY_PUBLIC_URL`: the URL people use to reach this server, e.g. `https://chat.example.org`,
    /// kept as its origin (scheme, host, port). Decides the allowed Origin and whether cookies are
    /// `Secure`. When unset, the Origin must match the request's Host.
    pub public_url: Option<String>,
    /// `PARLEY_WEB_DIR`: the built web app (Trunk's output).
    pub web_dir: PathBuf,
    pub login_throttle: FailureLimits,
    /// Unknown invite codes tolerated per user and per address (`PARLEY_INVITE_FAILURES_PER_IP`).
    pub invite_throttle: FailureLimits,
    /// `PARLEY_SESSION_DAYS`: a browser session ends after this long without use.
    pub session_idle: Duration,
    /// `PARLEY_HEARTBEAT_SECS`: how often gateway clients must send a heartbeat.
    pub heartbeat_interval: Duration,
    /// `PARLEY_SEND_RATE`: messages per second a user may send, sustained.
    pub send_rate: u32,
    /// `PARLEY_SEND_BURST`: messages a user may send at once before the rate applies.
    pub send_burst: u32,
    /// `PARLEY_EVENT_RETENTION_DAYS`: how long channel events are kept for resuming clients.
    pub event_retention_days: u32,
    /// `PARLEY_HASH_CONCURRENCY`: password hashes computed at once (each takes about 19 MiB);
    /// the machine's cores by default.
    pub hash_concurrency: usize,
    /// `PARLEY_HASH_QUEUE_MS`: how long a sign-in or registration waits for a free hasher
    /// before it is answered 503 with Retry-After.
    pub hash_queue_wait: Duration,
    /// `PARLEY_REGISTRATIONS_PER_IP`: accounts one address may create per hour.
    pub registrations_per_ip: u32,
    /// `PARLEY_EDIT_RATE`: message edits per second a user may make, sustained.
    pub edit_rate: u32,
    /// `PARLEY_EDIT_BURST`: edits a user may make at once before the rate applies.
    pub edit_burst: u32,
    /// `PARLEY_GROUPS_PER_HOUR`: group conversations a user may create per hour.
    pub groups_per_hour: u32,
    /// `PARLEY_MAX_SOCKETS_PER_USER`: gateway sockets one user may hold on one instance.
    pub max_sockets_per_user: usize,
    /// `PARLEY_GATEWAY_WRITE_TIMEOUT_SECS`: a socket whose frame cannot be written within this
    /// long is closed.
    pub gateway_write_timeout: Duration,
    /// `PARLEY_HEADER_TIMEOUT_SECS`: time a connection has to send its request headers, from
    /// connecting or from its previous response (so also how long an idle keep-alive
    /// connection is kept).
    pub header_timeout: Duration,
    /// `PARLEY_MAX_CONNECTIONS`: connections open at once, gateway sockets included; more are
    /// answered 503 and closed. Below the process's file limit (20,000 here), leaving room for
    /// the database and files.
    pub max_connections: usize,
    /// `PARLEY_ICON_UPLOADS_PER_HOUR`: server icons one user may upload per hour.
    pub icon_uploads_per_hour: u32,
    /// `PARLEY_SQLITE_SYNCHRONOUS`: `full` (the default: an acknowledged write survives power
    /// loss) or `normal` (survives a crash of the process, not of the machine).
    pub sqlite_synchronous: SqliteSynchronous,
    /// `PARLEY_IMAGE_DECODE_CONCURRENCY`: uploads decoded at once (each up to 80 MiB); half the
    /// machine's cores by default, at least one. Others wait as long as for a password hash.
    pub image_decode_concurrency: usize,
    /// `PARLEY_UPLOAD_MAX_MB`: largest file one upload may be, in MiB (25 by default).
    pub upload_max_bytes: u64,
    /// `PARLEY_UPLOADS_PER_HOUR`: upload slots one user may ask for per hour.
    pub uploads_per_hour: u32,
    /// `PARLEY_UPLOAD_EXPIRY_SECS`: an upload no message has claimed after this long is deleted.
    pub upload_expiry: Duration,
    /// Where uploaded files are kept: the data folder, or S3 when `PARLEY_S3_BUCKET` is set.
    pub storage: StorageConfig,
}

/// Where uploaded files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// Under `PARLEY_DATA_DIR/files`.
    Disk,
    /// An S3-compatible object store.
    S3(S3Config),
}

/// `PARLEY_S3_*`: an S3-compatible bucket (AWS, MinIO, Garage, Ceph...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// `PARLEY_S3_BUCKET`
    pub bucket: String,
    /// `PARLEY_S3_ENDPOINT`: e.g. `http://127.0.0.1:9000`; AWS itself when unset.
    pub endpoint: Option<String>,
    /// `PARLEY_S3_REGION`, `us-east-1` by default.
    pub region: String,
    /// `PARLEY_S3_ACCESS_KEY_ID`
    pub access_key_id: String,
    /// `PARLEY_S3_SECRET_ACCESS_KEY`
    pub secret_access_key: Secret,
    /// `PARLEY_S3_PATH_STYLE`: `true` for `endpoint/bucket/key` URLs (most self-hosted stores)
    /// rather than `bucket.endpoint/key`.
    pub path_style: bool,
    /// `PARLEY_S3_URL_EXPIRY_SECS`: how long a presigned download URL works (300 by default).
    pub url_expiry: Duration,
}

/// A value that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// When SQLite waits for the disk. In WAL mode `Full` syncs the log at every commit, so what was
/// acknowledged survives power loss; `Normal` syncs only at checkpoints, so a crash of the
/// process loses nothing but a power cut may lose the last commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSynchronous {
    Normal,
    Full,
}

impl SqliteSynchronous {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "normal" => Some(Self::Normal),
            "full" => Some(Self::Full),
            _ => None,
        }
    }
}

/// How many failures (failed logins, unknown invite codes) are tolerated before answering 429,
/// and for how long.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimits {
    /// `PARLEY_LOGIN_FAILURES_PER_ACCOUNT`
    pub per_account: u32,
    /// `PARLEY_LOGIN_FAILURES_PER_IP`
    pub per_ip: u32,
    /// `PARLEY_LOGIN_FAILURE_WINDOW_SECS`
    pub window: Duration,
}

impl Default for FailureLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_ip: 30,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl Config {
    /// The defaults, for a data folder of the caller's choice.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        let database_url = sqlite_url(&data_dir);
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            database_url,
            redis_url: None,
            redis_namespace: "parley".into(),
            public_url: None,
            web_dir: PathBuf::from("dist"),
            login_throttle: FailureLimits::default(),
            invite_throttle: FailureLimits {
                per_account: 10,
                per_ip: 30,
                window: Duration::from_secs(10 * 60),
            },
            session_idle: Duration::from_secs(30 * 24 * 3600),
            heartbeat_interval: Duration::from_secs(30),
            send_rate: 5,
            send_burst: 10,
            event_retention_days: 30,
            hash_concurrency: std::thread::available_parallelism().map_or(2, usize::from),
            hash_queue_wait: Duration::from_secs(2),
            registrations_per_ip: 20,
            edit_rate: 5,
            edit_burst: 10,
            groups_per_hour: 10,
            max_sockets_per_user: 20,
            gateway_write_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(10),
            max_connections: 18_000,
            icon_uploads_per_hour: 10,
            sqlite_synchronous: SqliteSynchronous::Full,
            image_decode_concurrency: std::thread::available_parallelism()
                .map_or(1, |n| (usize::from(n) / 2).max(1)),
            upload_max_bytes: 25 * 1024 * 1024,
            uploads_per_hour: 100,
            upload_expiry: Duration::from_secs(3600),
            storage: StorageConfig::Disk,
        }
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = var("PARLEY_DATA_DIR").unwrap_or_else(|| "data".into());
        let mut config = Self::with_data_dir(data_dir);
        if let Some(addr) = var("PARLEY_ADDR") {
            config.addr = addr
                .parse()
                .with_context(|| format!("PARLEY_ADDR={addr} is not host:port"))?;
        }
        if let Some(url) = var("DATABASE_URL") {
            config.database_url = url;
        }
        if let Some(url) = var("REDIS_URL") {
            config.redis_url = Some(url);
        }
        if let Some(namespace) = var("PARLEY_REDIS_NAMESPACE") {
            config.redis_namespace = namespace;
        }
        if let Some(url) = var("PARLEY_PUBLIC_URL") {
            config.public_url = Some(parse_public_url(&url)?);
        }
        if let Some(dir) = var("PARLEY_WEB_DIR") {
            config.web_dir = dir.into();
        }
        if let Some(n) = number("PARLEY_LOGIN_FAILURES_PER_ACCOUNT")? {
            config.login_throttle.per_account = n;
        }
        if let Some(n) = number("PARLEY_LOGIN_FAILURES_PER_IP")? {
            config.login_throttle.per_ip = n;
        }
        if let Some(n) = number("PARLEY_LOGIN_FAILURE_WINDOW_SECS")? {
            config.login_throttle.window = Duration::from_secs(n.into());
        }
        if let Some(n) = number("PARLEY_INVITE_FAILURES_PER_IP")? {
            config.invite_throttle.per_ip = n;
        }
        if let Some(n) = number("PARLEY_SESSION_DAYS")? {
            config.session_idle = Duration::from_secs(u64::from(n) * 24 * 3600);
        }
        if let Some(n) = number("PARLEY_HEARTBEAT_SECS")? {
            config.heartbeat_interval = Duration::from_secs(n.max(1).into());
        }
        if let Some(n) = number("PARLEY_SEND_RATE")? {
            config.send_rate = n;
        }
        if let Some(n) = number("PARLEY_SEND_BURST")? {
            config.send_burst = n;
        }
        if let Some(n) = number("PARLEY_EVENT_RETENTION_DAYS")? {
            config.event_retention_days = n.max(1);
        }
        if let Some(n) = number("PARLEY_HASH_CONCURRENCY")? {
            config.hash_concurrency = n.max(1) as usize;
        }
        if let Some(n) = number("PARLEY_HASH_QUEUE_MS")? {
            config.hash_queue_wait = Duration::from_millis(n.into());
        }
        if let Some(n) = number("PARLEY_REGISTRATIONS_PER_IP")? {
            config.registrations_per_ip = n.max(1);
        }
        if let Some(n) = number("PARLEY_EDIT_RATE")? {
            config.edit_rate = n;
        }
        if let Some(n) = number("PARLEY_EDIT_BURST")? {
            config.edit_burst = n;
        }
        if let Some(n) = number("PARLEY_GROUPS_PER_HOUR")? {
            config.groups_per_hour = n.max(1);
        }
        if let Some(n) = number("PARLEY_MAX_SOCKETS_PER_USER")? {
            config.max_sockets_per_user = n.max(1) as usize;
        }
        if let Some(n) = number("PARLEY_GATEWAY_WRITE_TIMEOUT_SECS")? {
            config.gateway_write_timeout = Duration::from_secs(n.max(1).into());
        }
        if let Some(n) = number("PARLEY_HEADER_TIMEOUT_SECS")? {
            config.header_timeout = Duration::from_secs(n.max(1).into());
        }
        if let Some(n) = number("PARLEY_MAX_CONNECTIONS")? {
            config.max_connections = n.max(1) as usize;
        }
        if let Some(value) = var("PARLEY_SQLITE_SYNCHRONOUS") {
            config.sqlite_synchronous = SqliteSynchronous::parse(&value).with_context(|| {
                format!("PARLEY_SQLITE_SYNCHRONOUS={value} must be full or normal")
            })?;
        }
        if let Some(n) = number("PARLEY_ICON_UPLOADS_PER_HOUR")? {
            config.icon_uploads_per_hour = n.max(1);
        }
        if let Some(n) = number("PARLEY_IMAGE_DECODE_CONCURRENCY")? {
            config.image_decode_concurrency = n.max(1) as usize;
        }
        if let Some(n) = number("PARLEY_UPLOAD_MAX_MB")? {
            config.upload_max_bytes = u64::from(n.max(1)) * 1024 * 1024;
        }
        if let Some(n) = number("PARLEY_UPLOADS_PER_HOUR")? {
            config.uploads_per_hour = n.max(1);
        }
        if let Some(n) = number("PARLEY_UPLOAD_EXPIRY_SECS")? {
            config.upload_expiry = Duration::from_secs(n.max(1).into());
        }
        if let Some(bucket) = var("PARLEY_S3_BUCKET") {
            let required = |name: &str| {
                var(name).with_context(|| format!("PARLEY_S3_BUCKET is set, so {name} must be too"))
            };
            config.storage = StorageConfig::S3(S3Config {
                bucket,
                endpoint: var("PARLEY_S3_ENDPOINT"),
                region: var("PARLEY_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key_id: required("PARLEY_S3_ACCESS_KEY_ID")?,
                secret_access_key: Secret(required("PARLEY_S3_SECRET_ACCESS_KEY")?),
                path_style: match var("PARLEY_S3_PATH_STYLE").as_deref().map(str::trim) {
                    None | Some("false" | "0") => false,
                    Some("true" | "1") => true,
                    Some(other) => bail!("PARLEY_S3_PATH_STYLE={other} must be true or false"),
                },
                url_expiry: Duration::from_secs(
                    number("PARLEY_S3_URL_EXPIRY_SECS")?
                        .unwrap_or(300)
                        .max(1)
                        .into(),
                ),
            });
        }
        Ok(config)
    }

    /// Whether cookies must only travel over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// The SQLite database inside a data folder; `mode=rwc` creates it on first start.
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("parley.db").display())
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number(name: &str) -> anyhow::Result<Option<u32>> {
    var(name)
        .map(|v| {
            v.trim()
                .parse()
                .with_context(|| format!("{name}={v} is not a whole number"))
        })
        .transpose()
}

/// Keeps scheme, host and port (what an `Origin` header carries) and drops any path.
fn parse_public_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!("PARLEY_PUBLIC_URL={url} must start with http:// or https://");
    };
    if scheme != "http" && scheme != "https" {
        bail!("PARLEY_PUBLIC_URL={url} must start with http:// or https://");
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        bail!("PARLEY_PUBLIC_URL={url} has no host");
    }
    Ok(format!("{scheme}://{host}"))
}
