//! Servers: creation (with the creator as admin and a `general` channel), settings, icons,
//! invite codes and discovery.

use std::collections::HashMap;

use chrono::Utc;
use parley_shared::events::ServerEvent;
use parley_shared::servers::{ChannelKind, MyServer, Role, Server};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{bans, channels, members, servers};
use super::{Store, UniqueKey};
use crate::error::AppResult;
use crate::media::icons;
use crate::realtime::Audience;

pub use servers::Model;

const INVITE_CODE_KEY: UniqueKey = UniqueKey {
    constraint: "servers_invite_code_key",
    sqlite_columns: "servers.invite_code",
};
const INVITE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
/// 16 characters of a 56-letter alphabet: about 93 random bits, far beyond guessing.
const INVITE_LENGTH: usize = 16;

pub fn to_dto(server: &Model) -> Server {
    Server {
        id: server.id,
        name: server.name.clone(),
        icon_url: server.icon_hash.as_deref().map(icons::url),
        owner_id: server.owner_id,
        discoverable: server.discoverable,
        created_at: server.created_at,
    }
}

pub fn to_my_server(server: &Model, role: Role, channel_list: &[channels::Model]) -> MyServer {
    MyServer {
        server: to_dto(server),
        role,
        channels: channel_list.iter().map(super::channels::to_dto).collect(),
    }
}

pub fn new_invite_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..INVITE_LENGTH)
        .map(|_| char::from(INVITE_ALPHABET[rng.gen_range(0..INVITE_ALPHABET.len())]))
        .collect()
}

/// A new server, its creator as admin and its default `general` text channel, all or nothing.
pub async fn create(
    store: &Store,
    owner_id: Uuid,
    name: String,
    discoverable: bool,
) -> AppResult<(Model, Vec<channels::Model>)> {
    let now = Utc::now();
    let txn = store.db().begin().await?;
    let server = servers::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        icon_hash: Set(None),
        owner_id: Set(owner_id),
        invite_code: Set(new_invite_code()),
        discoverable: Set(discoverable),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    members::ActiveModel {
        server_id: Set(server.id),
        user_id: Set(owner_id),
        role: Set(Role::Admin.as_str().to_owned()),
        joined_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let general = channels::ActiveModel {
        id: Set(Uuid::now_v7()),
        server_id: Set(Some(server.id)),
        kind: Set(ChannelKind::Text.as_str().to_owned()),
        name: Set("general".to_owned()),
        topic: Set(None),
        position: Set(0),
        is_default: Set(true),
        last_seq: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let channel_list = vec![general];
    // The creator's other devices show it too.
    let event = ServerEvent::ServerCreate {
        server: to_my_server(&server, Role::Admin, &channel_list),
    };
    store.publish(Audience::Users(vec![owner_id]), event);
    Ok((server, channel_list))
}

pub async fn by_id(store: &Store, server_id: Uuid) -> AppResult<Option<Model>> {
    Ok(servers::Entity::find_by_id(server_id)
        .one(store.db())
        .await?)
}

/// The servers `user_id` is in, with their role and channels in order.
pub async fn of_user(
    store: &Store,
    user_id: Uuid,
) -> AppResult<Vec<(Model, Role, Vec<channels::Model>)>> {
    let rows = members::Entity::find()
        .filter(members::Column::UserId.eq(user_id))
        .find_also_related(servers::Entity)
        .order_by_asc(members::Column::JoinedAt)
        .all(store.db())
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|(m, _)| m.server_id).collect();
    let mut by_server: HashMap<Uuid, Vec<channels::Model>> = HashMap::new();
    for channel in channels::Entity::find()
        .filter(channels::Column::ServerId.is_in(ids))
        .order_by_asc(channels::Column::Position)
        .order_by_asc(channels::Column::CreatedAt)
        .all(store.db())
        .await?
    {
        if let Some(server_id) = channel.server_id {
            by_server.entry(server_id).or_default().push(channel);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|(member, server)| {
            let server = server?;
            let role = Role::parse(&member.role)?;
            let channels = by_server.remove(&server.id).unwrap_or_default();
            Some((server, role, channels))
        })
        .collect())
}

pub async fn update(
    store: &Store,
    server: Model,
    name: Option<String>,
    discoverable: Option<bool>,
) -> AppResult<Model> {
    let mut server = server.into_active_model();
    if let Some(name) = name {
        server.name = Set(name);
    }
    if let Some(discoverable) = discoverable {
        server.discoverable = Set(discoverable);
    }
    server.updated_at = Set(Utc::now());
    let server = server.update(store.db()).await?;
    store.publish(
        Audience::Server(server.id),
        ServerEvent::ServerUpdate {
            server: to_dto(&server),
        },
    );
    Ok(server)
}

/// Sets (or clears) the icon. Returns the server and the icon it had before, which the caller
/// deletes when no server uses it any more ([`icon_in_use`]).
pub async fn set_icon(
    store: &Store,
    server: Model,
    icon_hash: Option<String>,
) -> AppResult<(Model, Option<String>)> {
    let previous = server.icon_hash.clone();
    let mut server = server.into_active_model();
    server.icon_hash = Set(icon_hash);
    server.updated_at = Set(Utc::now());
    let server = server.update(store.db()).await?;
    store.publish(
        Audience::Server(server.id),
        ServerEvent::ServerUpdate {
            server: to_dto(&server),
        },
    );
    let replaced = previous.filter(|old| server.icon_hash.as_ref() != Some(old));
    Ok((server, replaced))
}

/// Whether any server shows the icon with this hash (icons are shared by content).
pub async fn icon_in_use(store: &Store, hash: &str) -> AppResult<bool> {
    Ok(servers::Entity::find()
        .filter(servers::Column::IconHash.eq(hash))
        .count(store.db())
        .await?
        > 0)
}

/// Deletes the server; members and channels go with it (foreign keys cascade). Returns the
/// icon it had, which the caller deletes when no other server uses it.
pub async fn delete(store: &Store, server: Model) -> AppResult<Option<String>> {
    let server_id = server.id;
    servers::Entity::delete_by_id(server_id)
        .exec(store.db())
        .await?;
    store.publish(
        Audience::Server(server_id),
        ServerEvent::ServerDelete { server_id },
    );
    Ok(server.icon_hash)
}

/// A fresh invite code; the old one stops working at once.
pub async fn regenerate_invite(store: &Store, server: Model) -> AppResult<Model> {
    loop {
        let mut active = server.clone().into_active_model();
        active.invite_code = Set(new_invite_code());
        active.updated_at = Set(Utc::now());
        match active.update(store.db()).await {
            Ok(updated) => return Ok(updated),
            Err(err) if INVITE_CODE_KEY.violated_by(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
}

pub async fn by_invite_code(store: &Store, code: &str) -> AppResult<Option<Model>> {
    Ok(servers::Entity::find()
        .filter(servers::Column::InviteCode.eq(code))
        .one(store.db())
        .await?)
}

pub async fn member_count(store: &Store, server_id: Uuid) -> AppResult<u64> {
    Ok(members::Entity::find()
        .filter(members::Column::ServerId.eq(server_id))
        .count(store.db())
        .await?)
}

/// Discoverable servers, most members first, optionally whose name contains `query`; never one
/// that `viewer` is banned from.
pub async fn discover(
    store: &Store,
    viewer: Uuid,
    query: Option<&str>,
    limit: u64,
) -> AppResult<Vec<(Model, u64)>> {
    let banned_from = sea_orm::sea_query::Query::select()
        .column(bans::Column::ServerId)
        .from(bans::Entity)
        .and_where(bans::Column::UserId.eq(viewer))
        .to_owned();
    let mut select = servers::Entity::find()
        .filter(servers::Column::Discoverable.eq(true))
        .filter(servers::Column::Id.not_in_subquery(banned_from))
        .left_join(members::Entity)
        .column_as(members::Column::UserId.count(), "member_count")
        .group_by(servers::Column::Id)
        .order_by_desc(Expr::col(sea_orm::sea_query::Alias::new("member_count")))
        .order_by_asc(servers::Column::Name)
        .limit(limit);
    if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = super::contains_pattern(query);
        select = select.filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col((
                servers::Entity,
                servers::Column::Name,
            ))))
            .like(pattern),
        );
    }
    let rows = select.into_model::<DiscoverRow>().all(store.db()).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.server(), r.member_count.max(0) as u64))
        .collect())
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct DiscoverRow {
    id: Uuid,
    name: String,
    icon_hash: Option<String>,
    owner_id: Uuid,
    invite_code: String,
    discoverable: bool,
    created_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
    member_count: i64,
}

impl DiscoverRow {
    fn server(&self) -> Model {
        Model {
            id: self.id,
            name: self.name.clone(),
            icon_hash: self.icon_hash.clone(),
            owner_id: self.owner_id,
            invite_code: self.invite_code.clone(),
            discoverable: self.discoverable,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Takes the server's row lock for the rest of `txn`, so membership changes of one server happen
/// one at a time (no two admins stepping down at once and leaving none). An update, not
/// `SELECT ... FOR UPDATE`, so it works the same on SQLite.
pub(crate) async fn lock(txn: &impl ConnectionTrait, server_id: Uuid) -> AppResult<bool> {
    let result = servers::Entity::update_many()
        .col_expr(servers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(servers::Column::Id.eq(server_id))
        .exec(txn)
        .await?;
    Ok(result.rows_affected == 1)
}
