//! The server as a process of its own, for the tests that kill it: `SIGKILL` mid-send is what a
//! crash or a power cut looks like to the database, which an in-process server cannot show.
//!
//! The binary is the workspace's `parley`, built (or found up to date) by `cargo build` once per
//! test process, into the target folder the tests themselves run from.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::{Client, POSTGRES_ENV, PostgresDatabase};

pub struct ServerProcess {
    pub addr: SocketAddr,
    child: Option<Child>,
    vars: Vec<(String, String)>,
    data_dir: tempfile::TempDir,
    _postgres: Option<PostgresDatabase>,
}

impl ServerProcess {
    /// Starts the server on a fresh database (SQLite in a temporary folder, or a PostgreSQL
    /// database when `PARLEY_TEST_POSTGRES_URL` is set), with `vars` added to its environment.
    pub async fn start(vars: &[(&str, &str)]) -> anyhow::Result<Self> {
        let binary = server_binary().await?;
        let data_dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let postgres = match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => Some(PostgresDatabase::create(&url).await?),
            _ => None,
        };
        let mut all = vec![
            ("PARLEY_ADDR".to_owned(), addr.to_string()),
            (
                "PARLEY_DATA_DIR".to_owned(),
                data_dir.path().display().to_string(),
            ),
            (
                "PARLEY_WEB_DIR".to_owned(),
                data_dir.path().join("web").display().to_string(),
            ),
            (
                "PARLEY_REGISTRATIONS_PER_IP".to_owned(),
                "100000".to_owned(),
            ),
        ];
        if let Some(pg) = &postgres {
            all.push(("DATABASE_URL".to_owned(), pg.url.clone()));
        }
        all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let mut server = Self {
            addr,
            child: None,
            vars: all,
            data_dir,
            _postgres: postgres,
        };
        server.spawn(&binary).await?;
        Ok(server)
    }

    async fn spawn(&mut self, binary: &PathBuf) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let child = Command::new(binary)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        self.child = Some(child);
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(response) = http.get(self.url("/healthz")).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if let Some(child) = &mut self.child
                && let Some(status) = child.try_wait()?
            {
                anyhow::bail!("the server exited ({status}): {}", self.log_tail());
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not answer within 30 s: {}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `SIGKILL`: no graceful shutdown, no flush; whatever was not committed is gone.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Starts it again on the same database, address and settings.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        let binary = server_binary().await?;
        self.spawn(&binary).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn client(&self) -> Client {
        Client::new(self.url(""))
    }

    fn log_path(&self) -> PathBuf {
        self.data_dir.path().join("server.log")
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let start = log.len().saturating_sub(4000);
        log.get(start..).unwrap_or_default().to_owned()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// `cargo build --bin parley` into the target folder this test runs from
/// (`<target>/debug/deps/<test>`), once per process; cargo answers at once when it is up to
/// date, so the tests never run a stale server.
async fn server_binary() -> anyhow::Result<PathBuf> {
    static BINARY: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    BINARY
        .get_or_try_init(|| async {
            let exe = std::env::current_exe()?;
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .context("the test executable is not in <target>/<profile>/deps")?
                .to_owned();
            let target_dir = profile_dir
                .parent()
                .context("the test executable has no target folder")?
                .to_owned();
            let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .context("the tests crate is not in a workspace")?
                .to_owned();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let output = tokio::process::Command::new(cargo)
                .current_dir(&workspace)
                .env("CARGO_TARGET_DIR", &target_dir)
                .args(["build", "--bin", "parley"])
                .output()
                .await
                .context("cannot run cargo to build the server")?;
            anyhow::ensure!(
                output.status.success(),
                "building the server failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            Ok(profile_dir.join("parley"))
        })
        .await
        .cloned()
}
