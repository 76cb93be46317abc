//! Channels of servers: create, rename, reorder, delete.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::servers::{Channel, ChannelKind};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use uuid::Uuid;

use super::entities::channels;
use super::{Store, UniqueKey, servers};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

fn announce(store: &Store, channel: &Model, event: ServerEvent) {
    if let Some(server_id) = channel.server_id {
        store.publish(Audience::Server(server_id), event);
    }
}

pub use channels::Model;

const NAME_KEY: UniqueKey = UniqueKey {
    constraint: "channels_server_id_name_key",
    sqlite_columns: "channels.server_id, channels.name",
};

fn name_taken(err: sea_orm::DbErr) -> AppError {
    if NAME_KEY.violated_by(&err) {
        AppError::new(
            ErrorCode::ChannelNameTaken,
            "This server already has a channel with that name.",
        )
        .with_field("name", "is already used in this server")
    } else {
        err.into()
    }
}

pub async fn by_id(store: &Store, channel_id: Uuid) -> AppResult<Option<Model>> {
    Ok(channels::Entity::find_by_id(channel_id)
        .one(store.db())
        .await?)
}

pub async fn of_server(store: &Store, server_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(channels::Entity::find()
        .filter(channels::Column::ServerId.eq(server_id))
        .order_by_asc(channels::Column::Position)
        .order_by_asc(channels::Column::CreatedAt)
        .all(store.db())
        .await?)
}

/// A new channel at the end of the server's list.
pub async fn create(
    store: &Store,
    server_id: Uuid,
    kind: ChannelKind,
    name: String,
    topic: Option<String>,
) -> AppResult<Model> {
    let txn = store.db().begin().await?;
    servers::lock(&txn, server_id).await?;
    let last = channels::Entity::find()
        .filter(channels::Column::ServerId.eq(server_id))
        .order_by_desc(channels::Column::Position)
        .one(&txn)
        .await?;
    let channel = channels::ActiveModel {
        id: Set(Uuid::now_v7()),
        server_id: Set(Some(server_id)),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name),
        topic: Set(topic),
        position: Set(last.map_or(0, |c| c.position + 1)),
        is_default: Set(false),
        last_seq: Set(0),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(name_taken)?;
    txn.commit().await?;
    announce(
        store,
        &channel,
        ServerEvent::ChannelCreate {
            channel: to_dto(&channel),
        },
    );
    Ok(channel)
}

/// Renames and/or re-topics a channel. `topic: Some("")` clears the topic.
pub async fn update(
    store: &Store,
    channel: Model,
    name: Option<String>,
    topic: Option<String>,
) -> AppResult<Model> {
    if name.is_none() && topic.is_none() {
        return Ok(channel);
    }
    let mut active = channel.into_active_model();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(topic) = topic {
        let topic = topic.trim().to_owned();
        active.topic = Set((!topic.is_empty()).then_some(topic));
    }
    let channel = active.update(store.db()).await.map_err(name_taken)?;
    announce(
        store,
        &channel,
        ServerEvent::ChannelUpdate {
            channel: to_dto(&channel),
        },
    );
    Ok(channel)
}

/// Moves a channel to `position` in its server's order and renumbers the others. Returns every
/// channel whose position changed, the moved one included.
pub async fn move_to(store: &Store, channel: &Model, position: i32) -> AppResult<Vec<Model>> {
    let Some(server_id) = channel.server_id else {
        return Ok(Vec::new());
    };
    let txn = store.db().begin().await?;
    servers::lock(&txn, server_id).await?;
    let mut order: Vec<Model> = channels::Entity::find()
        .filter(channels::Column::ServerId.eq(server_id))
        .order_by_asc(channels::Column::Position)
        .order_by_asc(channels::Column::CreatedAt)
        .all(&txn)
        .await?;
    let Some(from) = order.iter().position(|c| c.id == channel.id) else {
        return Err(AppError::not_found());
    };
    let moving = order.remove(from);
    let to = usize::try_from(position).unwrap_or(0).min(order.len());
    order.insert(to, moving);
    let mut changed = Vec::new();
    for (index, channel) in order.into_iter().enumerate() {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        if channel.position != index {
            let mut active = channel.into_active_model();
            active.position = Set(index);
            changed.push(active.update(&txn).await?);
        }
    }
    txn.commit().await?;
    for channel in &changed {
        announce(
            store,
            channel,
            ServerEvent::ChannelUpdate {
                channel: to_dto(channel),
            },
        );
    }
    Ok(changed)
}

pub async fn delete(store: &Store, channel: &Model) -> AppResult<()> {
    if channel.is_default {
        return Err(AppError::new(
            ErrorCode::DefaultChannel,
            "The server's default channel cannot be deleted.",
        ));
    }
    channels::Entity::delete_by_id(channel.id)
        .exec(store.db())
        .await?;
    let event = ServerEvent::ChannelDelete {
        channel_id: channel.id,
        server_id: channel.server_id,
    };
    announce(store, channel, event);
    Ok(())
}

pub fn kind(channel: &Model) -> ChannelKind {
    ChannelKind::parse(&channel.kind).unwrap_or(ChannelKind::Text)
}

pub fn to_dto(channel: &Model) -> Channel {
    Channel {
        id: channel.id,
        server_id: channel.server_id,
        kind: kind(channel),
        name: channel.name.clone(),
        topic: channel.topic.clone(),
        position: channel.position,
        is_default: channel.is_default,
        last_seq: channel.last_seq,
        recipients: Vec::new(),
        owner_id: channel.owner_id,
        last_message_at: channel.last_message_at,
    }
}
