//! Pins: a message is pinned when `pinned_at` is set (at most 50 per channel).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(timestamp_with_time_zone_null(Messages::PinnedAt))
                    .to_owned(),
            )
            .await?;
        // A channel's pins, newest first: one seek.
        manager
            .create_index(
                Index::create()
                    .name("messages_channel_id_pinned_at_idx")
                    .table(Messages::Table)
                    .col(Messages::ChannelId)
                    .col(Messages::PinnedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("messages_channel_id_pinned_at_idx")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::PinnedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    ChannelId,
    PinnedAt,
}
