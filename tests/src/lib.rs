//! Helpers for the black-box tests: start the real server on a free port against a fresh
//! database and talk to it over HTTP as a third-party client would.
//!
//! The database is SQLite in a temporary folder, or, when `PARLEY_TEST_POSTGRES_URL` names a
//! PostgreSQL server, a fresh database created on it for each test and dropped afterwards.

pub mod client;
pub mod gateway;

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use parley_api::{Application, Config};
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use client::{Client, a_user};

/// Names the PostgreSQL server the tests may create databases on, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_ENV: &str = "PARLEY_TEST_POSTGRES_URL";

pub struct TestApp {
    pub addr: SocketAddr,
    config: Config,
    running: Option<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
    data_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
}

impl TestApp {
    /// The server with default settings.
    pub async fn spawn() -> anyhow::Result<Self> {
        Self::spawn_with(|_| {}).await
    }

    /// The server with settings adjusted by `configure` (limits, public URL...).
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> anyhow::Result<Self> {
        // `PARLEY_TEST_LOG=debug` shows the server's logs, to see why a test failed.
        if let Ok(filter) = std::env::var("PARLEY_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let data_dir = tempfile::tempdir()?;
        let mut config = Config::with_data_dir(data_dir.path());
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.web_dir = data_dir.path().join("web");
        let postgres = match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => Some(PostgresDatabase::create(&url).await?),
            _ => None,
        };
        if let Some(pg) = &postgres {
            config.database_url = pg.url.clone();
        }
        configure(&mut config);
        let mut app = Self {
            addr: config.addr,
            config,
            running: None,
            data_dir,
            postgres,
        };
        app.start().await?;
        Ok(app)
    }

    async fn start(&mut self) -> anyhow::Result<()> {
        let application = Application::build(self.config.clone()).await?;
        self.addr = application.addr();
        // A restart must come back on the same address, so clients keep working.
        self.config.addr = self.addr;
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        self.running = Some((stop, handle));
        Ok(())
    }

    /// Stops the server gracefully and starts it again on the same database and address.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        if let Some((stop, handle)) = self.running.take() {
            let _ = stop.send(());
            handle.await.context("server task")??;
        }
        self.start().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What a browser page of this server sends as `Origin`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A new client with its own cookie jar, signed in as nobody.
    pub fn client(&self) -> Client {
        Client::new(self.url(""))
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    pub fn database_url(&self) -> &str {
        &self.config.database_url
    }

    /// A direct connection to the server's database, for tests that must reach behind the API
    /// (to age data, say).
    pub async fn database(&self) -> anyhow::Result<sea_orm::DatabaseConnection> {
        Ok(Database::connect(self.config.database_url.as_str()).await?)
    }

    pub fn backend(&self) -> &'static str {
        if self.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.running.take() {
            let _ = stop.send(());
            handle.abort();
        }
    }
}

/// A database of its own on the shared PostgreSQL server, dropped with the test.
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("parley_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .with_context(|| format!("{POSTGRES_ENV}: cannot connect"))?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        admin.close().await?;
        let url = with_database(admin_url, &name);
        Ok(Self {
            admin_url: admin_url.to_owned(),
            name,
            url,
        })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with a
        // runtime of its own does the clean-up.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                        let _ = admin.execute_unprepared(&sql).await;
                        let _ = admin.close().await;
                    }
                });
            }
        });
        let _ = cleanup.join();
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
