//! Bans: removing someone from a server for good, until a moderator lifts it. Checked under the
//! server's lock, like every membership change, so a ban and a join cannot cross.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::servers::{Ban, Role};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{bans, members, users};
use super::{Store, servers};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

pub use bans::Model;

pub fn to_dto(ban: &Model, user: &users::Model) -> Ban {
    Ban {
        server_id: ban.server_id,
        user: super::users::to_public_dto(user),
        banned_by: ban.banned_by,
        reason: ban.reason.clone(),
        created_at: ban.created_at,
    }
}

fn forbidden(action: &str) -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        format!("Your role does not allow you to {action}."),
    )
}

/// Whether `user_id` is banned from the server (inside the caller's transaction).
pub(crate) async fn is_banned(
    conn: &impl ConnectionTrait,
    server_id: Uuid,
    user_id: Uuid,
) -> AppResult<bool> {
    Ok(bans::Entity::find_by_id((server_id, user_id))
        .one(conn)
        .await?
        .is_some())
}

/// Bans `user_id` (a member or not) and removes their membership, which kicks them from live
/// sockets too. Moderators ban guests, admins ban moderators and guests; nobody bans themselves
/// or someone of equal or higher role. Banning again updates the reason.
pub async fn ban(
    store: &Store,
    server_id: Uuid,
    actor_id: Uuid,
    user_id: Uuid,
    reason: Option<String>,
) -> AppResult<()> {
    if actor_id == user_id {
        return Err(forbidden("ban yourself"));
    }
    let txn = store.db().begin().await?;
    servers::lock(&txn, server_id).await?;
    let actor = members::Entity::find_by_id((server_id, actor_id))
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let actor_role = super::members::role(&actor);
    if actor_role < Role::Moderator {
        return Err(forbidden("ban people"));
    }
    let target = members::Entity::find_by_id((server_id, user_id))
        .one(&txn)
        .await?;
    if let Some(target) = &target
        && super::members::role(target) >= actor_role
    {
        return Err(forbidden("ban an equal or higher member"));
    }
    bans::Entity::insert(bans::ActiveModel {
        server_id: Set(server_id),
        user_id: Set(user_id),
        banned_by: Set(Some(actor_id)),
        reason: Set(reason),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([bans::Column::ServerId, bans::Column::UserId])
            .update_columns([bans::Column::BannedBy, bans::Column::Reason])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    if target.is_some() {
        members::Entity::delete_by_id((server_id, user_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    if target.is_some() {
        store.publish(
            Audience::Server(server_id),
            ServerEvent::MemberRemove { server_id, user_id },
        );
    }
    Ok(())
}

/// Lifts a ban; false when there was none.
pub async fn unban(store: &Store, server_id: Uuid, user_id: Uuid) -> AppResult<bool> {
    let result = bans::Entity::delete_by_id((server_id, user_id))
        .exec(store.db())
        .await?;
    Ok(result.rows_affected > 0)
}

/// The server's bans, most recent first, with the banned accounts.
pub async fn list(store: &Store, server_id: Uuid) -> AppResult<Vec<(Model, users::Model)>> {
    Ok(bans::Entity::find()
        .filter(bans::Column::ServerId.eq(server_id))
        .order_by_desc(bans::Column::CreatedAt)
        .find_also_related(users::Entity)
        .all(store.db())
        .await?
        .into_iter()
        .filter_map(|(ban, user)| Some((ban, user?)))
        .collect())
}
