//! Who is in which server, with which role.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::servers::{Member, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{members, users};
use super::{Store, UniqueKey, channels, servers};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

pub use members::Model;

const MEMBER_KEY: UniqueKey = UniqueKey {
    constraint: "members_pkey",
    sqlite_columns: "members.server_id, members.user_id",
};

pub fn role(member: &Model) -> Role {
    // The column only ever holds values written from `Role::as_str`.
    Role::parse(&member.role).unwrap_or(Role::Guest)
}

pub fn to_dto(member: &Model, user: &users::Model) -> Member {
    Member {
        server_id: member.server_id,
        user: super::users::to_public_dto(user),
        role: role(member),
        joined_at: member.joined_at,
    }
}

async fn publish_change(store: &Store, member: &Model, joined: bool) -> AppResult<()> {
    let Some(user) = super::users::by_id(store, member.user_id).await? else {
        return Ok(());
    };
    if joined && let Some(server) = servers::by_id(store, member.server_id).await? {
        // The joiner's sockets learn the server (and start receiving its events) first.
        let channel_list = channels::of_server(store, server.id).await?;
        let mine = servers::to_my_server(&server, role(member), &channel_list);
        store.publish(
            Audience::Users(vec![member.user_id]),
            ServerEvent::ServerCreate { server: mine },
        );
    }
    let member_dto = to_dto(member, &user);
    let event = if joined {
        ServerEvent::MemberAdd { member: member_dto }
    } else {
        ServerEvent::MemberUpdate { member: member_dto }
    };
    store.publish(Audience::Server(member.server_id), event);
    Ok(())
}

pub async fn get(store: &Store, server_id: Uuid, user_id: Uuid) -> AppResult<Option<Model>> {
    Ok(members::Entity::find_by_id((server_id, user_id))
        .one(store.db())
        .await?)
}

/// Adds the user as a guest. `(member, true)` when they joined now, `(member, false)` when they
/// already were a member (joining twice is not an error). 403 `banned` for someone banned from
/// the server, whichever way they came (an invite, discovery); checked under the server's lock,
/// so a ban in progress is not slipped past.
pub async fn join(store: &Store, server_id: Uuid, user_id: Uuid) -> AppResult<(Model, bool)> {
    let txn = store.db().begin().await?;
    servers::lock(&txn, server_id).await?;
    if let Some(existing) = members::Entity::find_by_id((server_id, user_id))
        .one(&txn)
        .await?
    {
        return Ok((existing, false));
    }
    if super::bans::is_banned(&txn, server_id, user_id).await? {
        return Err(AppError::new(
            ErrorCode::Banned,
            "You are banned from this server.",
        ));
    }
    let member = members::ActiveModel {
        server_id: Set(server_id),
        user_id: Set(user_id),
        role: Set(Role::Guest.as_str().to_owned()),
        joined_at: Set(Utc::now()),
    };
    let member = match member.insert(&txn).await {
        Ok(member) => member,
        Err(err) if MEMBER_KEY.violated_by(&err) => {
            drop(txn);
            let existing = get(store, server_id, user_id)
                .await?
                .ok_or_else(AppError::not_found)?;
            return Ok((existing, false));
        }
        Err(err) => return Err(err.into()),
    };
    txn.commit().await?;
    publish_change(store, &member, true).await?;
    Ok((member, true))
}

/// Members with their accounts: admins first, then moderators, then guests, each by name.
pub async fn list(store: &Store, server_id: Uuid) -> AppResult<Vec<(Model, users::Model)>> {
    let mut rows: Vec<(Model, users::Model)> = members::Entity::find()
        .filter(members::Column::ServerId.eq(server_id))
        .find_also_related(users::Entity)
        .order_by_asc(members::Column::JoinedAt)
        .all(store.db())
        .await?
        .into_iter()
        .filter_map(|(m, u)| Some((m, u?)))
        .collect();
    rows.sort_by(|(a, ua), (b, ub)| {
        role(b).cmp(&role(a)).then_with(|| {
            ua.display_name
                .to_lowercase()
                .cmp(&ub.display_name.to_lowercase())
        })
    });
    Ok(rows)
}

/// Changes a role, refusing to leave the server without an admin.
pub async fn set_role(
    store: &Store,
    server_id: Uuid,
    actor_id: Uuid,
    user_id: Uuid,
    new_role: Role,
) -> AppResult<Model> {
    let txn = store.db().begin().await?;
    servers::lock(&txn, server_id).await?;
    // Checked under the lock, so a role changed a moment ago counts.
    let (actor, member) = actor_and_target(&txn, server_id, actor_id, user_id).await?;
    if role(&actor) < Role::Admin {
        return Err(forbidden("change roles"));
    }
    if actor_id != user_id && role(&member) >= role(&actor) {
        return Err(forbidden("change the role of an equal or higher member"));
    }
    let mut active = member.into_active_model();
    active.role = Set(new_role.as_str().to_owned());
    let updated = active.update(&txn).await?;
    ensure_an_admin_remains(&txn, server_id).await?;
    txn.commit().await?;
    publish_change(store, &updated, false).await?;
    Ok(updated)
}

/// Removes a member (kick or leave), refusing to remove the last admin.
pub async fn remove(
    store: &Store,
    server_id: Uuid,
    actor_id: Uuid,
    user_id: Uuid,
) -> AppResult<()> {
    let txn = store.db().begin().await?;
    servers::lock(&txn, server_id).await?;
    if actor_id != user_id {
        let (actor, target) = actor_and_target(&txn, server_id, actor_id, user_id).await?;
        if role(&actor) < Role::Moderator {
            return Err(forbidden("kick members"));
        }
        if role(&target) >= role(&actor) {
            return Err(forbidden("kick an equal or higher member"));
        }
    }
    let result = members::Entity::delete_by_id((server_id, user_id))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::not_found());
    }
    ensure_an_admin_remains(&txn, server_id).await?;
    txn.commit().await?;
    store.publish(
        Audience::Server(server_id),
        ServerEvent::MemberRemove { server_id, user_id },
    );
    Ok(())
}

fn forbidden(action: &str) -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        format!("Your role does not allow you to {action}."),
    )
}

/// Both memberships, read inside the transaction; 404 if either is gone.
async fn actor_and_target(
    txn: &sea_orm::DatabaseTransaction,
    server_id: Uuid,
    actor_id: Uuid,
    target_id: Uuid,
) -> AppResult<(Model, Model)> {
    let actor = members::Entity::find_by_id((server_id, actor_id))
        .one(txn)
        .await?;
    let target = members::Entity::find_by_id((server_id, target_id))
        .one(txn)
        .await?;
    match (actor, target) {
        (Some(actor), Some(target)) => Ok((actor, target)),
        _ => Err(AppError::not_found()),
    }
}

async fn ensure_an_admin_remains(
    txn: &sea_orm::DatabaseTransaction,
    server_id: Uuid,
) -> AppResult<()> {
    let admins = members::Entity::find()
        .filter(members::Column::ServerId.eq(server_id))
        .filter(members::Column::Role.eq(Role::Admin.as_str()))
        .count(txn)
        .await?;
    if admins == 0 {
        // Dropping the transaction rolls the change back.
        return Err(AppError::new(
            ErrorCode::LastAdmin,
            "A server needs an admin: make someone else admin first, or delete the server.",
        ));
    }
    Ok(())
}

/// The servers a user is a member of.
pub async fn server_ids_of(store: &Store, user_id: Uuid) -> AppResult<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    Ok(members::Entity::find()
        .select_only()
        .column(members::Column::ServerId)
        .filter(members::Column::UserId.eq(user_id))
        .into_tuple()
        .all(store.db())
        .await?)
}
