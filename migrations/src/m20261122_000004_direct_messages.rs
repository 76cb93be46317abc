//! Direct messages: conversations are channels without a server, with their recipients listed
//! here. A 1:1 conversation has a `dm_key` naming its pair, unique, so two people opening it at
//! the same moment still get one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Channels::DmKey)
                .string_len(80)
                .null()
                .to_owned(),
            ColumnDef::new(Channels::OwnerId).uuid().null().to_owned(),
            ColumnDef::new(Channels::LastMessageAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Channels::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("channels_dm_key_key")
                    .table(Channels::Table)
                    .col(Channels::DmKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len(Users::AllowDmsFrom, 16).default("shared_servers"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelRecipients::Table)
                    .col(uuid(ChannelRecipients::ChannelId))
                    .col(uuid(ChannelRecipients::UserId))
                    .col(timestamp_with_time_zone(ChannelRecipients::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelRecipients::ChannelId)
                            .col(ChannelRecipients::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("channel_recipients_channel_id_fkey")
                            .from(ChannelRecipients::Table, ChannelRecipients::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("channel_recipients_user_id_fkey")
                            .from(ChannelRecipients::Table, ChannelRecipients::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("channel_recipients_user_id_idx")
                    .table(ChannelRecipients::Table)
                    .col(ChannelRecipients::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChannelRecipients::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("channels_dm_key_key")
                    .table(Channels::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Channels::DmKey, Channels::OwnerId, Channels::LastMessageAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Channels::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::AllowDmsFrom)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    AllowDmsFrom,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    DmKey,
    OwnerId,
    LastMessageAt,
}

#[derive(DeriveIden)]
enum ChannelRecipients {
    Table,
    ChannelId,
    UserId,
    JoinedAt,
}
