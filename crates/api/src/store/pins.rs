//! Pins. Pinning or unpinning is a channel event (`pins_update`) with its own seq, logged and
//! published after commit; repeating one changes nothing and spends no seq. The 50-pin limit is
//! counted under the channel's lock.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::PINS_MAX;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::Store;
use super::entities::{channels, messages, users};
use super::messages::{audience, current, log, next_seq};
use crate::error::{AppError, AppResult};

/// Pins (`pinned` true) or unpins a message. `true` when something changed.
pub async fn set(
    store: &Store,
    channel: &channels::Model,
    message_id: Uuid,
    pinned: bool,
) -> AppResult<bool> {
    let audience = audience(store, channel).await?;
    let txn = store.db().begin().await?;
    let seq = next_seq(&txn, channel.id).await?;
    let message = current(&txn, message_id).await?;
    if message.pinned_at.is_some() == pinned {
        return Ok(false);
    }
    if pinned {
        if message.deleted {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "A deleted message cannot be pinned.",
            ));
        }
        let count = messages::Entity::find()
            .filter(messages::Column::ChannelId.eq(channel.id))
            .filter(messages::Column::PinnedAt.is_not_null())
            .count(&txn)
            .await?;
        if count >= PINS_MAX {
            return Err(AppError::new(
                ErrorCode::LimitReached,
                format!("A channel can have at most {PINS_MAX} pinned messages."),
            ));
        }
    }
    let mut active = message.into_active_model();
    active.pinned_at = Set(pinned.then(Utc::now));
    active.update(&txn).await?;
    let event = ServerEvent::PinsUpdate {
        channel_id: channel.id,
        seq,
        message_id,
        pinned,
    };
    log(&txn, channel.id, seq, &event).await?;
    txn.commit().await?;
    store.publish(audience, event);
    Ok(true)
}

/// The channel's pinned messages, the most recently pinned first.
pub async fn list(
    store: &Store,
    channel_id: Uuid,
) -> AppResult<Vec<(messages::Model, users::Model)>> {
    Ok(messages::Entity::find()
        .filter(messages::Column::ChannelId.eq(channel_id))
        .filter(messages::Column::PinnedAt.is_not_null())
        .order_by_desc(messages::Column::PinnedAt)
        .find_also_related(users::Entity)
        .all(store.db())
        .await?
        .into_iter()
        .filter_map(|(m, u)| Some((m, u?)))
        .collect())
}
