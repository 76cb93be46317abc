//! Messages. Every change (create, edit, delete) takes the channel's next seq inside its
//! transaction, is written to the channel's event log in the same transaction, and is published
//! only after the commit. So within a channel seq order is commit order, and a client that missed
//! anything fetches it from the log by seq.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{DELETED_CONTENT, Message, MessageEdit};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::attachments;
use super::entities::{channel_events, channels, message_edits, messages, users};
use super::{Store, UniqueKey};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

pub use messages::Model;

const NONCE_KEY: UniqueKey = UniqueKey {
    constraint: "messages_channel_id_author_id_nonce_key",
    sqlite_columns: "messages.channel_id, messages.author_id, messages.nonce",
};

/// Who sees a channel's events: the server's members, or the conversation's people.
async fn audience(store: &Store, channel: &channels::Model) -> AppResult<Audience> {
    Ok(match channel.server_id {
        Some(server_id) => Audience::Server(server_id),
        None => Audience::Users(super::conversations::recipient_ids(store, channel.id).await?),
    })
}

/// The message without its attachments (a deleted one, or a preview in a list).
pub fn to_dto(message: &Model, author: &users::Model) -> Message {
    to_dto_with(message, author, &[])
}

pub fn to_dto_with(
    message: &Model,
    author: &users::Model,
    files: &[attachments::Model],
) -> Message {
    Message {
        id: message.id,
        channel_id: message.channel_id,
        author: super::users::to_public_dto(author),
        content: message.content.clone(),
        seq: message.seq,
        created_at: message.created_at,
        edited_at: message.edited_at,
        deleted: message.deleted,
        nonce: message.nonce.clone(),
        attachments: files.iter().map(attachments::to_dto).collect(),
    }
}

/// A page's messages with their attachments (one query for all of them).
pub async fn to_dtos(store: &Store, rows: &[(Model, users::Model)]) -> AppResult<Vec<Message>> {
    let ids: Vec<Uuid> = rows.iter().map(|(m, _)| m.id).collect();
    let mut files = attachments::of_messages(store, &ids).await?;
    Ok(rows
        .iter()
        .map(|(m, u)| to_dto_with(m, u, &files.remove(&m.id).unwrap_or_default()))
        .collect())
}

/// Takes the channel's next seq. The update also locks the channel's row until the transaction
/// ends, so changes to one channel commit one at a time, in seq order.
async fn next_seq(txn: &DatabaseTransaction, channel_id: Uuid) -> AppResult<i64> {
    let updated = channels::Entity::update_many()
        .col_expr(
            channels::Column::LastSeq,
            Expr::col(channels::Column::LastSeq).add(1),
        )
        .filter(channels::Column::Id.eq(channel_id))
        .exec_with_returning(txn)
        .await?;
    updated
        .first()
        .map(|c| c.last_seq)
        .ok_or_else(AppError::not_found)
}

async fn log(
    txn: &DatabaseTransaction,
    channel_id: Uuid,
    seq: i64,
    event: &ServerEvent,
) -> AppResult<()> {
    channel_events::ActiveModel {
        channel_id: Set(channel_id),
        seq: Set(seq),
        payload: Set(serde_json::to_string(event).map_err(AppError::internal)?),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

async fn find_by_nonce(
    store: &Store,
    channel_id: Uuid,
    author_id: Uuid,
    nonce: &str,
) -> AppResult<Option<Model>> {
    Ok(messages::Entity::find()
        .filter(messages::Column::ChannelId.eq(channel_id))
        .filter(messages::Column::AuthorId.eq(author_id))
        .filter(messages::Column::Nonce.eq(nonce))
        .one(store.db())
        .await?)
}

/// Sends a message. `(message, true)` when created now; `(message, false)` when this author
/// already sent one with this nonce here (a retry), which is returned unchanged.
pub async fn create(
    store: &Store,
    channel: &channels::Model,
    author: &users::Model,
    content: String,
    nonce: String,
    attachment_ids: &[Uuid],
) -> AppResult<(Message, bool)> {
    // No lookup first: the unique (channel, author, nonce) index decides, so a normal send costs
    // no extra query and a retry, concurrent or not, rolls back and answers with the original.
    let txn = store.db().begin().await?;
    let seq = next_seq(&txn, channel.id).await?;
    let inserted = messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel_id: Set(channel.id),
        author_id: Set(author.id),
        seq: Set(seq),
        content: Set(content),
        nonce: Set(Some(nonce.clone())),
        created_at: Set(Utc::now()),
        edited_at: Set(None),
        deleted: Set(false),
    }
    .insert(&txn)
    .await;
    let message = match inserted {
        Ok(message) => message,
        Err(err) if NONCE_KEY.violated_by(&err) => {
            // A retry: ours rolls back (seq included) and answers with the message first sent.
            drop(txn);
            let existing = find_by_nonce(store, channel.id, author.id, &nonce)
                .await?
                .ok_or_else(AppError::not_found)?;
            let files = attachments::of_message(store.db(), existing.id).await?;
            return Ok((to_dto_with(&existing, author, &files), false));
        }
        Err(err) => return Err(err.into()),
    };
    let files = if attachment_ids.is_empty() {
        Vec::new()
    } else {
        attachments::claim(&txn, attachment_ids, message.id, channel.id, author.id).await?
    };
    let dto = to_dto_with(&message, author, &files);
    let event = ServerEvent::MessageCreate {
        channel_id: channel.id,
        seq,
        message: dto.clone(),
    };
    log(&txn, channel.id, seq, &event).await?;
    let first_in_conversation = channel.server_id.is_none() && channel.last_message_at.is_none();
    if channel.server_id.is_none() {
        channels::Entity::update_many()
            .col_expr(
                channels::Column::LastMessageAt,
                Expr::value(message.created_at),
            )
            .filter(channels::Column::Id.eq(channel.id))
            .exec(&txn)
            .await?;
    }
    // Who hears of it is settled before the commit, so publishing follows it immediately.
    let audience = audience(store, channel).await?;
    txn.commit().await?;
    if first_in_conversation {
        // The other people's lists show the conversation from its first message on.
        let people = super::conversations::recipients(store, channel.id).await?;
        let mut shown = super::conversations::to_dto(channel, &people);
        shown.last_message_at = Some(message.created_at);
        store.publish(
            audience.clone(),
            ServerEvent::ChannelCreate { channel: shown },
        );
    }
    store.publish(audience, event);
    Ok((dto, true))
}

pub async fn by_id(
    store: &Store,
    channel_id: Uuid,
    message_id: Uuid,
) -> AppResult<Option<(Model, users::Model)>> {
    let found = messages::Entity::find_by_id(message_id)
        .filter(messages::Column::ChannelId.eq(channel_id))
        .find_also_related(users::Entity)
        .one(store.db())
        .await?;
    Ok(found.and_then(|(m, u)| Some((m, u?))))
}

/// Replaces a message's content, keeping the old content in its history.
pub async fn edit(
    store: &Store,
    channel: &channels::Model,
    message: Model,
    author: &users::Model,
    content: String,
) -> AppResult<Message> {
    let audience = audience(store, channel).await?;
    let txn = store.db().begin().await?;
    let seq = next_seq(&txn, channel.id).await?;
    // Read again under the channel's lock: a delete may have committed since the caller looked.
    let message = current(&txn, message.id).await?;
    if message.deleted {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "A deleted message cannot be edited.",
        ));
    }
    keep_history(&txn, &message, author.id).await?;
    let mut active = message.into_active_model();
    active.content = Set(content);
    active.edited_at = Set(Some(Utc::now()));
    let message = active.update(&txn).await?;
    // Edits change the text only; the files stay as sent.
    let files = attachments::of_message(&txn, message.id).await?;
    let dto = to_dto_with(&message, author, &files);
    let event = ServerEvent::MessageUpdate {
        channel_id: channel.id,
        seq,
        message: dto.clone(),
    };
    log(&txn, channel.id, seq, &event).await?;
    txn.commit().await?;
    store.publish(audience, event);
    Ok(dto)
}

/// Soft-deletes a message: it keeps its place and shows as deleted; its content goes to the
/// history, readable by moderators. Its attachments go entirely: their rows here, and the
/// returned list tells the caller which files to delete. Deleting a deleted message changes
/// nothing.
pub async fn delete(
    store: &Store,
    channel: &channels::Model,
    message: Model,
    author: &users::Model,
    deleted_by: Uuid,
) -> AppResult<Vec<attachments::Model>> {
    if message.deleted {
        return Ok(Vec::new());
    }
    let audience = audience(store, channel).await?;
    let txn = store.db().begin().await?;
    let seq = next_seq(&txn, channel.id).await?;
    let message = current(&txn, message.id).await?;
    if message.deleted {
        // Someone else deleted it meanwhile; rolling back returns the seq.
        return Ok(Vec::new());
    }
    keep_history(&txn, &message, deleted_by).await?;
    let files = attachments::detach_all(&txn, message.id).await?;
    let mut active = message.into_active_model();
    active.content = Set(DELETED_CONTENT.to_owned());
    active.deleted = Set(true);
    let message = active.update(&txn).await?;
    let event = ServerEvent::MessageDelete {
        channel_id: channel.id,
        seq,
        message: to_dto(&message, author),
    };
    log(&txn, channel.id, seq, &event).await?;
    txn.commit().await?;
    store.publish(audience, event);
    Ok(files)
}

/// The message as it is now, inside the transaction that holds the channel's lock.
async fn current(txn: &DatabaseTransaction, message_id: Uuid) -> AppResult<Model> {
    messages::Entity::find_by_id(message_id)
        .one(txn)
        .await?
        .ok_or_else(AppError::not_found)
}

async fn keep_history(
    txn: &impl ConnectionTrait,
    message: &Model,
    replaced_by: Uuid,
) -> AppResult<()> {
    message_edits::ActiveModel {
        id: Set(Uuid::now_v7()),
        message_id: Set(message.id),
        content: Set(message.content.clone()),
        replaced_by: Set(replaced_by),
        replaced_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

pub async fn history(store: &Store, message_id: Uuid) -> AppResult<Vec<MessageEdit>> {
    Ok(message_edits::Entity::find()
        .filter(message_edits::Column::MessageId.eq(message_id))
        .order_by_asc(message_edits::Column::ReplacedAt)
        .all(store.db())
        .await?
        .into_iter()
        .map(|e| MessageEdit {
            content: e.content,
            replaced_at: e.replaced_at,
            replaced_by: e.replaced_by,
        })
        .collect())
}

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
pub enum PageFrom {
    /// The newest messages, newest first.
    Latest,
    /// Messages older than this seq, newest first.
    Before(i64),
    /// Messages newer than this seq, oldest first.
    After(i64),
}

/// One page of a channel's history and whether more lie beyond it. Reads `limit + 1` rows
/// through the (channel, seq) index to know.
pub async fn page(
    store: &Store,
    channel_id: Uuid,
    from: PageFrom,
    limit: u64,
) -> AppResult<(Vec<(Model, users::Model)>, bool)> {
    let mut select = messages::Entity::find().filter(messages::Column::ChannelId.eq(channel_id));
    select = match from {
        PageFrom::Latest => select.order_by_desc(messages::Column::Seq),
        PageFrom::Before(seq) => select
            .filter(messages::Column::Seq.lt(seq))
            .order_by_desc(messages::Column::Seq),
        PageFrom::After(seq) => select
            .filter(messages::Column::Seq.gt(seq))
            .order_by_asc(messages::Column::Seq),
    };
    let mut rows: Vec<(Model, users::Model)> = select
        .limit(limit + 1)
        .find_also_related(users::Entity)
        .all(store.db())
        .await?
        .into_iter()
        .filter_map(|(m, u)| Some((m, u?)))
        .collect();
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// The channel's events after `after_seq`, in seq order. `Err(resync_required)` when some of
/// them are no longer kept.
pub async fn events_after(
    store: &Store,
    channel: &channels::Model,
    after_seq: i64,
    limit: u64,
) -> AppResult<(Vec<ServerEvent>, bool)> {
    if after_seq >= channel.last_seq {
        return Ok((Vec::new(), false));
    }
    let rows = channel_events::Entity::find()
        .filter(channel_events::Column::ChannelId.eq(channel.id))
        .filter(channel_events::Column::Seq.gt(after_seq))
        .order_by_asc(channel_events::Column::Seq)
        .limit(limit + 1)
        .all(store.db())
        .await?;
    if rows.first().is_none_or(|first| first.seq != after_seq + 1) {
        return Err(AppError::new(
            ErrorCode::ResyncRequired,
            "Events that old are no longer kept; reload the channel's messages.",
        ));
    }
    let more = rows.len() as u64 > limit;
    let events = rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|row| serde_json::from_str(&row.payload).map_err(AppError::internal))
        .collect::<AppResult<Vec<ServerEvent>>>()?;
    Ok((events, more))
}

/// Forgets channel events older than `days`; clients that far behind reload history instead.
pub async fn prune_events(store: &Store, days: i64) -> AppResult<u64> {
    let cutoff = Utc::now() - chrono::Duration::days(days);
    Ok(channel_events::Entity::delete_many()
        .filter(channel_events::Column::CreatedAt.lt(cutoff))
        .exec(store.db())
        .await?
        .rows_affected)
}
