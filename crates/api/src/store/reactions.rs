//! Reactions. Adding or removing one is a channel event like an edit: it takes the channel's
//! next seq inside its transaction, goes to the event log, and is published after the commit.
//! Repeating an add (or a remove) changes nothing and spends no seq. The per-message limit is
//! counted under the channel's lock, so concurrent reactions cannot overshoot it.

use std::collections::HashMap;

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::reactions::{DISTINCT_MAX, Reaction};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::Store;
use super::entities::{channels, messages, reactions, users};
use super::messages::{audience, current, log, next_seq};
use crate::error::{AppError, AppResult};

/// Adds `user_id`'s reaction. `true` when it is new, `false` when it was already there.
pub async fn add(
    store: &Store,
    channel: &channels::Model,
    message_id: Uuid,
    user_id: Uuid,
    emoji: &str,
) -> AppResult<bool> {
    let audience = audience(store, channel).await?;
    let txn = store.db().begin().await?;
    // Taken first: it locks the channel, so what is read below cannot change until the commit.
    let seq = next_seq(&txn, channel.id).await?;
    let message = current(&txn, message_id).await?;
    if message.deleted {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "A deleted message cannot be reacted to.",
        ));
    }
    let key = (message_id, emoji.to_owned(), user_id);
    if reactions::Entity::find_by_id(key)
        .one(&txn)
        .await?
        .is_some()
    {
        // Already there: rolling back returns the seq.
        return Ok(false);
    }
    let present: Vec<String> = reactions::Entity::find()
        .select_only()
        .column(reactions::Column::Emoji)
        .filter(reactions::Column::MessageId.eq(message_id))
        .distinct()
        .into_tuple()
        .all(&txn)
        .await?;
    if present.len() >= DISTINCT_MAX && !present.iter().any(|e| e == emoji) {
        return Err(AppError::new(
            ErrorCode::LimitReached,
            format!("A message can carry at most {DISTINCT_MAX} different reactions."),
        ));
    }
    reactions::ActiveModel {
        message_id: Set(message_id),
        emoji: Set(emoji.to_owned()),
        user_id: Set(user_id),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    let event = ServerEvent::ReactionAdd {
        channel_id: channel.id,
        seq,
        message_id,
        user_id,
        emoji: emoji.to_owned(),
    };
    log(&txn, channel.id, seq, &event).await?;
    txn.commit().await?;
    store.publish(audience, event);
    Ok(true)
}

/// Removes `user_id`'s reaction. `false` when there was none.
pub async fn remove(
    store: &Store,
    channel: &channels::Model,
    message_id: Uuid,
    user_id: Uuid,
    emoji: &str,
) -> AppResult<bool> {
    let audience = audience(store, channel).await?;
    let txn = store.db().begin().await?;
    let seq = next_seq(&txn, channel.id).await?;
    let key = (message_id, emoji.to_owned(), user_id);
    let Some(existing) = reactions::Entity::find_by_id(key).one(&txn).await? else {
        return Ok(false);
    };
    existing.delete(&txn).await?;
    let event = ServerEvent::ReactionRemove {
        channel_id: channel.id,
        seq,
        message_id,
        user_id,
        emoji: emoji.to_owned(),
    };
    log(&txn, channel.id, seq, &event).await?;
    txn.commit().await?;
    store.publish(audience, event);
    Ok(true)
}

/// The reactions of these messages, aggregated, each message's in the order its emoji were
/// first used; `me` says whether `viewer` is among them. Two queries whatever the page size.
pub async fn aggregate(
    db: &impl ConnectionTrait,
    message_ids: &[Uuid],
    viewer: Option<Uuid>,
) -> AppResult<HashMap<Uuid, Vec<Reaction>>> {
    if message_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let counts: Vec<(Uuid, String, i64)> = reactions::Entity::find()
        .select_only()
        .column(reactions::Column::MessageId)
        .column(reactions::Column::Emoji)
        .column_as(reactions::Column::UserId.count(), "count")
        .filter(reactions::Column::MessageId.is_in(message_ids.iter().copied()))
        .group_by(reactions::Column::MessageId)
        .group_by(reactions::Column::Emoji)
        .order_by(
            SimpleExpr::from(Func::min(Expr::col(reactions::Column::CreatedAt))),
            Order::Asc,
        )
        .into_tuple()
        .all(db)
        .await?;
    let mine: Vec<(Uuid, String)> = match viewer {
        Some(viewer) => {
            reactions::Entity::find()
                .select_only()
                .column(reactions::Column::MessageId)
                .column(reactions::Column::Emoji)
                .filter(reactions::Column::MessageId.is_in(message_ids.iter().copied()))
                .filter(reactions::Column::UserId.eq(viewer))
                .into_tuple()
                .all(db)
                .await?
        }
        None => Vec::new(),
    };
    let mut by_message: HashMap<Uuid, Vec<Reaction>> = HashMap::new();
    for (message_id, emoji, count) in counts {
        let me = mine.iter().any(|(m, e)| *m == message_id && *e == emoji);
        by_message.entry(message_id).or_default().push(Reaction {
            emoji,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            me,
        });
    }
    Ok(by_message)
}

/// Who reacted to a message with `emoji`, by user id, after `after`.
pub async fn users(
    store: &Store,
    message: &messages::Model,
    emoji: &str,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<(Vec<users::Model>, bool)> {
    let mut select = reactions::Entity::find()
        .filter(reactions::Column::MessageId.eq(message.id))
        .filter(reactions::Column::Emoji.eq(emoji));
    if let Some(after) = after {
        select = select.filter(reactions::Column::UserId.gt(after));
    }
    let mut people: Vec<users::Model> = select
        .order_by_asc(reactions::Column::UserId)
        .limit(limit + 1)
        .find_also_related(users::Entity)
        .all(store.db())
        .await?
        .into_iter()
        .filter_map(|(_, user)| user)
        .collect();
    let more = people.len() as u64 > limit;
    people.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((people, more))
}
