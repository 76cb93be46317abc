//! Messages, their edit history, and the per-channel event log clients resume from.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(pk_uuid(Messages::Id))
                    .col(uuid(Messages::ChannelId))
                    .col(uuid(Messages::AuthorId))
                    .col(big_integer(Messages::Seq))
                    .col(text(Messages::Content))
                    .col(string_len_null(Messages::Nonce, 64))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(timestamp_with_time_zone_null(Messages::EditedAt))
                    .col(boolean(Messages::Deleted).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .name("messages_channel_id_fkey")
                            .from(Messages::Table, Messages::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("messages_author_id_fkey")
                            .from(Messages::Table, Messages::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Pages of history are read by (channel, seq): this index makes any page one seek.
        manager
            .create_index(
                Index::create()
                    .name("messages_channel_id_seq_key")
                    .table(Messages::Table)
                    .col(Messages::ChannelId)
                    .col(Messages::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A retried send (same author, same nonce) finds the message it already created.
        manager
            .create_index(
                Index::create()
                    .name("messages_channel_id_author_id_nonce_key")
                    .table(Messages::Table)
                    .col(Messages::ChannelId)
                    .col(Messages::AuthorId)
                    .col(Messages::Nonce)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessageEdits::Table)
                    .col(pk_uuid(MessageEdits::Id))
                    .col(uuid(MessageEdits::MessageId))
                    .col(text(MessageEdits::Content))
                    .col(uuid(MessageEdits::ReplacedBy))
                    .col(timestamp_with_time_zone(MessageEdits::ReplacedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("message_edits_message_id_fkey")
                            .from(MessageEdits::Table, MessageEdits::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("message_edits_message_id_idx")
                    .table(MessageEdits::Table)
                    .col(MessageEdits::MessageId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChannelEvents::Table)
                    .col(uuid(ChannelEvents::ChannelId))
                    .col(big_integer(ChannelEvents::Seq))
                    .col(text(ChannelEvents::Payload))
                    .col(timestamp_with_time_zone(ChannelEvents::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelEvents::ChannelId)
                            .col(ChannelEvents::Seq),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("channel_events_channel_id_fkey")
                            .from(ChannelEvents::Table, ChannelEvents::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("channel_events_created_at_idx")
                    .table(ChannelEvents::Table)
                    .col(ChannelEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChannelEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MessageEdits::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Messages::Table).to_owned())
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
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ChannelId,
    AuthorId,
    Seq,
    Content,
    Nonce,
    CreatedAt,
    EditedAt,
    Deleted,
}

#[derive(DeriveIden)]
enum MessageEdits {
    Table,
    Id,
    MessageId,
    Content,
    ReplacedBy,
    ReplacedAt,
}

#[derive(DeriveIden)]
enum ChannelEvents {
    Table,
    ChannelId,
    Seq,
    Payload,
    CreatedAt,
}
