//! Reactions: who reacted to which message with which emoji, one row each.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .col(uuid(Reactions::MessageId))
                    .col(string_len(Reactions::Emoji, 64))
                    .col(uuid(Reactions::UserId))
                    .col(timestamp_with_time_zone(Reactions::CreatedAt))
                    // Also the index that aggregates a message's reactions and lists who
                    // reacted with one emoji, by user id.
                    .primary_key(
                        Index::create()
                            .col(Reactions::MessageId)
                            .col(Reactions::Emoji)
                            .col(Reactions::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("reactions_message_id_fkey")
                            .from(Reactions::Table, Reactions::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("reactions_user_id_fkey")
                            .from(Reactions::Table, Reactions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reactions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    MessageId,
    Emoji,
    UserId,
    CreatedAt,
}
