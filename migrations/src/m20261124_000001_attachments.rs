//! Files attached to messages. A row is made when a client asks for an upload slot; the bytes
//! arrive later (`uploaded_at` set), and a message claims it (`message_id` set). Rows never
//! claimed are swept after an hour, their files with them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(pk_uuid(Attachments::Id))
                    .col(uuid(Attachments::ChannelId))
                    .col(uuid(Attachments::UploaderId))
                    .col(uuid_null(Attachments::MessageId))
                    .col(integer(Attachments::Position).default(0))
                    .col(string_len(Attachments::Filename, 255))
                    .col(big_integer(Attachments::Size))
                    .col(string_len(Attachments::ContentType, 127))
                    .col(integer_null(Attachments::Width))
                    .col(integer_null(Attachments::Height))
                    .col(boolean(Attachments::HasThumbnail).default(false))
                    .col(text_null(Attachments::Placeholder))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Attachments::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("attachments_channel_id_fkey")
                            .from(Attachments::Table, Attachments::ChannelId)
                            .to(Channels::Table, Channels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("attachments_uploader_id_fkey")
                            .from(Attachments::Table, Attachments::UploaderId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("attachments_message_id_fkey")
                            .from(Attachments::Table, Attachments::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A page of messages reads its attachments by message.
        manager
            .create_index(
                Index::create()
                    .name("attachments_message_id_idx")
                    .table(Attachments::Table)
                    .col(Attachments::MessageId)
                    .to_owned(),
            )
            .await?;
        // The sweep of unclaimed uploads, and the cleanup when a channel goes, read by channel.
        manager
            .create_index(
                Index::create()
                    .name("attachments_channel_id_idx")
                    .table(Attachments::Table)
                    .col(Attachments::ChannelId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("attachments_created_at_idx")
                    .table(Attachments::Table)
                    .col(Attachments::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachments::Table).to_owned())
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
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    ChannelId,
    UploaderId,
    MessageId,
    Position,
    Filename,
    Size,
    ContentType,
    Width,
    Height,
    HasThumbnail,
    Placeholder,
    CreatedAt,
    UploadedAt,
}
