//! The schema, one migration a step. A migration that has shipped is never edited: changes come
//! as a new one. Every one runs on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_accounts;
mod m20261122_000002_servers;
mod m20261122_000003_messages;
mod m20261122_000004_direct_messages;
mod m20261123_000005_bans;
mod m20261123_000006_message_replies;
mod m20261123_000007_reactions;
mod m20261123_000008_mentions;
mod m20261123_000009_pins;
mod m20261124_000001_attachments;
mod m20261124_000002_avatars;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_accounts::Migration),
            Box::new(m20261122_000002_servers::Migration),
            Box::new(m20261122_000003_messages::Migration),
            Box::new(m20261122_000004_direct_messages::Migration),
            Box::new(m20261123_000005_bans::Migration),
            Box::new(m20261123_000006_message_replies::Migration),
            Box::new(m20261123_000007_reactions::Migration),
            Box::new(m20261123_000008_mentions::Migration),
            Box::new(m20261123_000009_pins::Migration),
            Box::new(m20261124_000001_attachments::Migration),
            Box::new(m20261124_000002_avatars::Migration),
        ]
    }
}
