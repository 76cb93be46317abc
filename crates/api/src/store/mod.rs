//! All database access. Nothing outside this module imports sea-orm's query API; callers get
//! domain functions (`users::create`, `tokens::revoke`) and plain models back.

pub mod attachments;
pub mod bans;
pub mod channels;
pub mod conversations;
pub mod entities;
pub mod members;
pub mod mentions;
pub mod messages;
pub mod pins;
pub mod reactions;
mod sends;
pub mod servers;
pub mod sessions;
pub mod tokens;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use parley_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr};

use crate::config::Config;
use crate::realtime::bus::EventBus;
use crate::realtime::{Audience, BusMessage, Envelope, Revocation};
use parley_shared::events::ServerEvent;

/// The handle every store function takes. Cheap to clone: the pool and bus are shared.
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    bus: EventBus,
    /// The group-commit writer of sends; `None` in the writer's own handle.
    sends: Option<sends::SendQueue>,
}

impl Store {
    /// Connects, creating the data folder for SQLite, and applies pending migrations.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let url = &config.database_url;
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!(
                    "cannot create the data folder {}",
                    config.data_dir.display()
                )
            })?;
        }
        let mut options = ConnectOptions::new(url.clone());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        if sqlite {
            // WAL lets readers proceed while one writer commits; the busy timeout makes
            // concurrent writers wait for each other instead of failing. `synchronous` decides
            // whether an acknowledged commit survives power loss (see the README).
            let synchronous = match config.sqlite_synchronous {
                crate::config::SqliteSynchronous::Full => {
                    sea_orm::sqlx::sqlite::SqliteSynchronous::Full
                }
                crate::config::SqliteSynchronous::Normal => {
                    sea_orm::sqlx::sqlite::SqliteSynchronous::Normal
                }
            };
            options.max_connections(8).map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        } else {
            options.max_connections(20);
        }
        // Migrations run on a connection of their own, closed before the pool opens: a pooled
        // SQLite connection that saw the schema before an `ALTER TABLE` keeps stale column lists
        // for the statements it has prepared.
        let mut migrating = options.clone();
        migrating.max_connections(1).min_connections(1);
        let migrator = Database::connect(migrating)
            .await
            .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
        Migrator::up(&migrator, None)
            .await
            .context("cannot apply database migrations")?;
        migrator
            .close()
            .await
            .context("closing the migration connection")?;
        let db = Database::connect(options)
            .await
            .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
        let bus = match &config.redis_url {
            Some(url) => EventBus::with_redis(url, &config.redis_namespace)
                .with_context(|| format!("REDIS_URL={} is not a Redis URL", redact(url)))?,
            None => EventBus::new(),
        };
        let writer = Self {
            db,
            bus,
            sends: None,
        };
        let sends = Some(sends::SendQueue::start(writer.clone()));
        Ok(Self { sends, ..writer })
    }

    fn sends(&self) -> Option<&sends::SendQueue> {
        self.sends.as_ref()
    }

    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// Announces a committed change. Only store functions call this, after their commit.
    pub(crate) fn publish(&self, audience: Audience, event: ServerEvent) {
        self.bus
            .publish(BusMessage::Event(Envelope { audience, event }));
    }

    /// Announces that credentials ended, so every instance closes their sockets. Only store
    /// functions call this, after the rows are gone.
    pub(crate) fn publish_revocation(&self, revocation: Revocation) {
        self.bus.publish(BusMessage::Revoke(revocation));
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Whether the database answers, for `/readyz`.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }

    /// The backend's name, for logs.
    pub fn backend(&self) -> &'static str {
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => "sqlite",
            sea_orm::DatabaseBackend::Postgres => "postgres",
            sea_orm::DatabaseBackend::MySql => "mysql",
        }
    }
}

/// A unique index, named as PostgreSQL reports it and as SQLite reports it (`table.column`).
pub(crate) struct UniqueKey {
    pub constraint: &'static str,
    pub sqlite_columns: &'static str,
}

impl UniqueKey {
    /// Whether `err` is a violation of this key, so it can become a client error, not a 500.
    pub fn violated_by(&self, err: &DbErr) -> bool {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(message)) => {
                message.contains(self.constraint)
                    || message.ends_with(self.sqlite_columns)
                    || message.contains(&format!("{}\n", self.sqlite_columns))
            }
            _ => false,
        }
    }
}

/// A `LIKE` pattern matching text that contains `query` (lowercased) literally: `%`, `_` and
/// the escape character itself are escaped, so a search for `%%` looks for two percent signs
/// rather than matching everyone.
pub(crate) fn contains_pattern(query: &str) -> sea_orm::sea_query::LikeExpr {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')
}

/// Hides a password in a connection URL before it is logged.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_in_database_urls_are_not_logged() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("sqlite://data/parley.db?mode=rwc"),
            "sqlite://data/parley.db?mode=rwc"
        );
    }
}
