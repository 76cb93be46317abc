//! Bans: a banned user is not a member and cannot become one again through any invite or
//! discovery until a moderator lifts the ban. One row per (server, user).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Bans::Table)
                    .col(uuid(Bans::ServerId))
                    .col(uuid(Bans::UserId))
                    .col(uuid_null(Bans::BannedBy))
                    .col(string_null(Bans::Reason))
                    .col(timestamp_with_time_zone(Bans::CreatedAt))
                    .primary_key(Index::create().col(Bans::ServerId).col(Bans::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("bans_server_id_fkey")
                            .from(Bans::Table, Bans::ServerId)
                            .to(Servers::Table, Servers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("bans_user_id_fkey")
                            .from(Bans::Table, Bans::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("bans_banned_by_fkey")
                            .from(Bans::Table, Bans::BannedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Bans::Table).to_owned())
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
}

#[derive(DeriveIden)]
enum Bans {
    Table,
    ServerId,
    UserId,
    BannedBy,
    Reason,
    CreatedAt,
}
