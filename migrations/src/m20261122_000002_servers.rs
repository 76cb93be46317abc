//! Servers, their members (with roles) and channels. Channels have a nullable `server_id` so
//! direct-message conversations can be channels too, as the design has it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Servers::Table)
                    .col(pk_uuid(Servers::Id))
                    .col(string_len(Servers::Name, 100))
                    .col(string_len_null(Servers::IconHash, 64))
                    .col(uuid(Servers::OwnerId))
                    .col(string_len(Servers::InviteCode, 32))
                    .col(boolean(Servers::Discoverable).default(false))
                    .col(timestamp_with_time_zone(Servers::CreatedAt))
                    .col(timestamp_with_time_zone(Servers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("servers_owner_id_fkey")
                            .from(Servers::Table, Servers::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("servers_invite_code_key")
                    .table(Servers::Table)
                    .col(Servers::InviteCode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("servers_discoverable_idx")
                    .table(Servers::Table)
                    .col(Servers::Discoverable)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(uuid(Members::ServerId))
                    .col(uuid(Members::UserId))
                    .col(string_len(Members::Role, 16))
                    .col(timestamp_with_time_zone(Members::JoinedAt))
                    .primary_key(Index::create().col(Members::ServerId).col(Members::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("members_server_id_fkey")
                            .from(Members::Table, Members::ServerId)
                            .to(Servers::Table, Servers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("members_user_id_fkey")
                            .from(Members::Table, Members::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("members_user_id_idx")
                    .table(Members::Table)
                    .col(Members::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Channels::Table)
                    .col(pk_uuid(Channels::Id))
                    .col(uuid_null(Channels::ServerId))
                    .col(string_len(Channels::Kind, 16))
                    .col(string_len(Channels::Name, 100))
                    .col(string_len_null(Channels::Topic, 1024))
                    .col(integer(Channels::Position))
                    .col(boolean(Channels::IsDefault).default(false))
                    .col(big_integer(Channels::LastSeq).default(0))
                    .col(timestamp_with_time_zone(Channels::CreatedAt))
                    // Conversations only: the pair of a 1:1 (unique), a group's creator, and when
                    // the latest message came (conversations are listed by it).
                    .col(string_len_null(Channels::DmKey, 80))
                    .col(uuid_null(Channels::OwnerId))
                    .col(timestamp_with_time_zone_null(Channels::LastMessageAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("channels_server_id_fkey")
                            .from(Channels::Table, Channels::ServerId)
                            .to(Servers::Table, Servers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("channels_server_id_name_key")
                    .table(Channels::Table)
                    .col(Channels::ServerId)
                    .col(Channels::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Channels::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Members::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Servers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Servers {
    Table,
    Id,
    Name,
    IconHash,
    OwnerId,
    InviteCode,
    Discoverable,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    ServerId,
    UserId,
    Role,
    JoinedAt,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    ServerId,
    Kind,
    Name,
    Topic,
    Position,
    IsDefault,
    LastSeq,
    CreatedAt,
    DmKey,
    OwnerId,
    LastMessageAt,
}
