//! Replies: a message may answer another message of its channel. No foreign key: messages are
//! only soft-deleted, and a channel's deletion takes parent and reply together.

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
                    .add_column(uuid_null(Messages::ReplyToId))
                    .to_owned(),
            )
            .await?;
        // Finding a message's replies (to refresh their previews) is one seek.
        manager
            .create_index(
                Index::create()
                    .name("messages_reply_to_id_idx")
                    .table(Messages::Table)
                    .col(Messages::ReplyToId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("messages_reply_to_id_idx")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::ReplyToId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    ReplyToId,
}
