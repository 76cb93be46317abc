//! Mentions: who a message names (resolved when it is sent or edited), with the channel and seq
//! so read state can count mentions per channel after a seq; and whether it names everyone or
//! roles.

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
                    .add_column(boolean(Messages::MentionEveryone).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(string_len_null(Messages::MentionRoles, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessageMentions::Table)
                    .col(uuid(MessageMentions::MessageId))
                    .col(uuid(MessageMentions::UserId))
                    .col(uuid(MessageMentions::ChannelId))
                    .col(big_integer(MessageMentions::Seq))
                    .primary_key(
                        Index::create()
                            .col(MessageMentions::MessageId)
                            .col(MessageMentions::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("message_mentions_message_id_fkey")
                            .from(MessageMentions::Table, MessageMentions::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("message_mentions_user_id_fkey")
                            .from(MessageMentions::Table, MessageMentions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A user's mentions in a channel after a seq: what a mention badge counts.
        manager
            .create_index(
                Index::create()
                    .name("message_mentions_user_id_channel_id_seq_idx")
                    .table(MessageMentions::Table)
                    .col(MessageMentions::UserId)
                    .col(MessageMentions::ChannelId)
                    .col(MessageMentions::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MessageMentions::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::MentionRoles)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::MentionEveryone)
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
enum Messages {
    Table,
    Id,
    MentionEveryone,
    MentionRoles,
}

#[derive(DeriveIden)]
enum MessageMentions {
    Table,
    MessageId,
    UserId,
    ChannelId,
    Seq,
}
