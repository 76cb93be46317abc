//! Direct messages: conversations are channels without a server, with their recipients listed
//! here. A 1:1 conversation's `channels.dm_key` names its pair and is unique, so two people
//! opening it at the same moment still get one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    DmKey,
}

#[derive(DeriveIden)]
enum ChannelRecipients {
    Table,
    ChannelId,
    UserId,
    JoinedAt,
}
