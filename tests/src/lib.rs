//! Helpers for the black-box tests: start the real server on a free port against a fresh
//! database and talk to it over HTTP as a third-party client would.
//!
//! The database is SQLite in a temporary folder, or, when `PARLEY_TEST_POSTGRES_URL` names a
//! PostgreSQL server, a fresh database created on it for each test and dropped afterwards. Those
//! are copies of a template database migrated once (per version of the migrations), which is
//! much faster than migrating every test's database.

pub mod client;
pub mod gateway;
pub mod process;
pub mod redis_server;

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
/// Names a Redis the multi-instance tests may use, e.g. `redis://127.0.0.1:6379`. Each test
/// uses a namespace of its own on it.
pub const REDIS_ENV: &str = "PARLEY_TEST_REDIS_URL";
/// Names an S3-compatible server (moto's, say) whose buckets the attachment tests may create and
/// use without credentials being checked, e.g. `http://127.0.0.1:5000`. `cargo xtask test`
/// starts one and sets it.
pub const S3_ENV: &str = "PARLEY_TEST_S3_ENDPOINT";

/// Where a test server keeps attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStore {
    /// The data folder.
    Disk,
    /// A bucket of its own on the S3-compatible server at this endpoint.
    S3 { endpoint: String, bucket: String },
}

impl FileStore {
    /// The data folder, and S3 too when [`S3_ENV`] names a server.
    pub fn all() -> Vec<Self> {
        let mut stores = vec![Self::Disk];
        if let Ok(endpoint) = std::env::var(S3_ENV)
            && !endpoint.is_empty()
        {
            stores.push(Self::S3 {
                endpoint: endpoint.trim_end_matches('/').to_owned(),
                bucket: format!("parley-test-{}", uuid::Uuid::new_v4().simple()),
            });
        }
        stores
    }

    /// S3 only, or `None` (with a note) when no server is named.
    pub fn s3() -> Option<Self> {
        let s3 = Self::all()
            .into_iter()
            .find(|s| matches!(s, Self::S3 { .. }));
        if s3.is_none() {
            eprintln!("note: no S3 server ({S3_ENV} unset); the S3 case is skipped");
        }
        s3
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    config: Config,
    running: Option<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
    data_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
    files: FileStore,
}

impl TestApp {
    /// The server with default settings.
    pub async fn spawn() -> anyhow::Result<Self> {
        Self::spawn_with(|_| {}).await
    }

    /// The server with settings adjusted by `configure` (limits, public URL...).
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> anyhow::Result<Self> {
        Self::spawn_storing(FileStore::Disk, configure).await
    }

    /// The server keeping attachments in `files` (a fresh bucket is created for S3).
    pub async fn spawn_storing(
        files: FileStore,
        configure: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
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
        // Every test user registers from 127.0.0.1; tests of the limit set their own.
        config.registrations_per_ip = 100_000;
        if let FileStore::S3 { endpoint, bucket } = &files {
            let created = reqwest::Client::new()
                .put(format!("{endpoint}/{bucket}"))
                .send()
                .await
                .with_context(|| format!("cannot reach the S3 server at {endpoint}"))?;
            anyhow::ensure!(
                created.status().is_success(),
                "creating the bucket: {}",
                created.status()
            );
            config.storage = parley_api::config::StorageConfig::S3(parley_api::config::S3Config {
                bucket: bucket.clone(),
                endpoint: Some(endpoint.clone()),
                region: "us-east-1".into(),
                access_key_id: "parley-test".into(),
                secret_access_key: parley_api::config::Secret("parley-test-secret".into()),
                path_style: true,
                url_expiry: std::time::Duration::from_secs(300),
            });
        }
        configure(&mut config);
        let mut app = Self {
            addr: config.addr,
            config,
            running: None,
            data_dir,
            postgres,
            files,
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

    /// Two instances of the server on one PostgreSQL database, joined by Redis (`redis_url`,
    /// under a namespace of their own), as behind a load balancer.
    pub async fn spawn_pair(redis_url: &str) -> anyhow::Result<(Self, Self)> {
        Self::spawn_pair_with(redis_url, |_| {}).await
    }

    pub async fn spawn_pair_with(
        redis_url: &str,
        configure: impl Fn(&mut Config),
    ) -> anyhow::Result<(Self, Self)> {
        anyhow::ensure!(
            std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty()),
            "several instances share a PostgreSQL database: set {POSTGRES_ENV}"
        );
        let namespace = format!("parley-test-{}", uuid::Uuid::new_v4().simple());
        let first = Self::spawn_with(|c| {
            c.redis_url = Some(redis_url.to_owned());
            c.redis_namespace.clone_from(&namespace);
            configure(c);
        })
        .await?;
        let data_dir = tempfile::tempdir()?;
        let mut config = first.config.clone();
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.data_dir = data_dir.path().to_owned();
        config.web_dir = data_dir.path().join("web");
        let mut second = Self {
            addr: config.addr,
            config,
            running: None,
            data_dir,
            // The first owns (and drops) the database.
            postgres: None,
            files: first.files.clone(),
        };
        second.start().await?;
        // Both must be listening on Redis before a test relies on it.
        for app in [&first, &second] {
            app.wait_for_redis().await?;
        }
        Ok((first, second))
    }

    /// Waits until `/readyz` says the link to Redis is up.
    pub async fn wait_for_redis(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let started = std::time::Instant::now();
        loop {
            let ready: serde_json::Value =
                client.get(self.url("/readyz")).send().await?.json().await?;
            if ready["redis"] == "connected" {
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "Redis not connected after 20 s: {ready}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
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

    /// A new client connecting from another loopback address (`127.0.0.<n>`), so the server
    /// sees another machine.
    pub fn client_from(&self, n: u8) -> Client {
        Client::from_address(
            self.url(""),
            Some(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n))),
        )
    }

    /// Runs one SQL statement on the server's database, written with `?` placeholders
    /// (rewritten to `$n` for PostgreSQL).
    pub async fn execute(&self, sql: &str, values: Vec<sea_orm::Value>) -> anyhow::Result<u64> {
        let db = self.database().await?;
        let statement = self.statement(&db, sql, values);
        let done = db.execute(statement).await?.rows_affected();
        db.close().await?;
        Ok(done)
    }

    /// Rows of one SQL query on the server's database (placeholders as for [`Self::execute`]).
    pub async fn query(
        &self,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> anyhow::Result<Vec<sea_orm::QueryResult>> {
        let db = self.database().await?;
        let statement = self.statement(&db, sql, values);
        let rows = db.query_all(statement).await?;
        db.close().await?;
        Ok(rows)
    }

    fn statement(
        &self,
        db: &sea_orm::DatabaseConnection,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> sea_orm::Statement {
        let backend = db.get_database_backend();
        let sql = if backend == sea_orm::DatabaseBackend::Postgres {
            let mut n = 0;
            sql.chars()
                .map(|c| {
                    if c == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        } else {
            sql.to_owned()
        };
        sea_orm::Statement::from_sql_and_values(backend, sql, values)
    }

    /// Where this server keeps attachments.
    pub fn files(&self) -> &FileStore {
        &self.files
    }

    /// Whether the storage holds `key` (e.g. `attachments/<id>/original`), looked at directly
    /// in the data folder or the bucket, not through the server.
    pub async fn stored(&self, key: &str) -> anyhow::Result<bool> {
        match &self.files {
            FileStore::Disk => Ok(self.data_dir().join("files").join(key).exists()),
            FileStore::S3 { endpoint, bucket } => {
                // A listing, not a HEAD of the key: moto refuses some unsigned object reads.
                let listing = reqwest::Client::new()
                    .get(format!("{endpoint}/{bucket}"))
                    .query(&[("list-type", "2"), ("prefix", key)])
                    .send()
                    .await?;
                anyhow::ensure!(
                    listing.status().is_success(),
                    "listing: {}",
                    listing.status()
                );
                Ok(listing.text().await?.contains(&format!("<Key>{key}</Key>")))
            }
        }
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
pub(crate) struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    pub(crate) async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let template = migrated_template(admin_url).await?;
        let name = format!("parley_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .with_context(|| format!("{POSTGRES_ENV}: cannot connect"))?;
        admin
            .execute_unprepared(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
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

/// The name of a database on the server with every migration applied, made once per version of
/// the migrations (the name carries a hash of their source) and shared by every test process.
/// Test databases are created as copies of it.
async fn migrated_template(admin_url: &str) -> anyhow::Result<String> {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_try_init(|| make_template(admin_url))
        .await
        .cloned()
}

const TEMPLATE_PREFIX: &str = "parley_test_template_";

async fn make_template(admin_url: &str) -> anyhow::Result<String> {
    use parley_migrations::{Migrator, MigratorTrait};
    use sea_orm::Statement;

    let name = format!("{TEMPLATE_PREFIX}{:016x}", migrations_hash()?);
    let admin = Database::connect(admin_url)
        .await
        .with_context(|| format!("{POSTGRES_ENV}: cannot connect"))?;
    // One process makes it; others wait here, then find it made. The lock is the session's and
    // goes with the connection.
    admin
        .execute_unprepared("SELECT pg_advisory_lock(7411907)")
        .await?;
    let exists = admin
        .query_one(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.clone().into()],
        ))
        .await?
        .is_some();
    if !exists {
        // Older templates (earlier migrations) are of no further use.
        let stale = admin
            .query_all(Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE $1",
                [format!("{TEMPLATE_PREFIX}%").into()],
            ))
            .await?;
        for row in stale {
            let old: String = row.try_get("", "datname")?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)"))
                .await?;
        }
        // Built under another name and renamed when complete, so a crash halfway leaves no
        // half-migrated template behind.
        let building = format!("{name}_building");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
            ))
            .await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
            .await?;
        let db = Database::connect(with_database(admin_url, &building)).await?;
        Migrator::up(&db, None).await?;
        db.close().await?;
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
            ))
            .await?;
    }
    // Closing the connection releases the lock.
    admin.close().await?;
    Ok(name)
}

/// A hash of the migrations' source, so a changed migration gets a new template.
fn migrations_hash() -> anyhow::Result<u64> {
    use std::hash::{Hash, Hasher};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("migrations")
        .join("src");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)?.hash(&mut hasher);
    }
    Ok(hasher.finish())
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
