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
