//! Messages. Every change (create, edit, delete) takes the channel's next seq inside its
//! transaction, is written to the channel's event log in the same transaction, and is published
//! only after the commit. So within a channel seq order is commit order, and a client that missed
//! anything fetches it from the log by seq.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{DELETED_CONTENT, Message, MessageEdit, ReplyPreview, excerpt};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashMap;

use uuid::Uuid;

use super::attachments;
use super::entities::{channel_events, channels, message_edits, messages, users};
use super::mentions::Mentions;
use super::sends::{Allowed, NewMessage};
use super::{Store, UniqueKey};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

pub use messages::Model;

const NONCE_KEY: UniqueKey = UniqueKey {
    constraint: "messages_channel_id_author_id_nonce_key",
    sqlite_columns: "messages.channel_id, messages.author_id, messages.nonce",
};

/// Who sees a channel's events: the server's members, or the conversation's people.
pub(super) async fn audience(store: &Store, channel: &channels::Model) -> AppResult<Audience> {
    Ok(match channel.server_id {
        Some(server_id) => Audience::Server(server_id),
        None => Audience::Users(super::conversations::recipient_ids(store, channel.id).await?),
    })
}

/// The message as clients see it; `reply_to` is the preview of its parent (see [`previews`]).
pub fn to_dto(message: &Model, author: &users::Model, reply_to: Option<ReplyPreview>) -> Message {
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
        reply_to,
        reactions: Vec::new(),
        mentions: Vec::new(),
        mention_roles: super::mentions::roles_of(message.mention_roles.as_deref()),
        mention_everyone: message.mention_everyone,
        pinned: message.pinned_at.is_some(),
        attachments: Vec::new(),
    }
}

fn preview_of(parent: &Model, author: &users::Model) -> ReplyPreview {
    ReplyPreview {
        id: parent.id,
        author: super::users::to_public_dto(author),
        excerpt: if parent.deleted {
            String::new()
        } else {
            excerpt(&parent.content)
        },
        deleted: parent.deleted,
    }
}

/// The previews of the parents these messages answer, as the parents are now, read in one query.
async fn parents(
    db: &impl ConnectionTrait,
    messages: &[&Model],
) -> AppResult<HashMap<Uuid, ReplyPreview>> {
    let ids: Vec<Uuid> = messages.iter().filter_map(|m| m.reply_to_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(messages::Entity::find()
        .filter(messages::Column::Id.is_in(ids))
        .find_also_related(users::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(parent, author)| Some((parent.id, preview_of(&parent, &author?))))
        .collect())
}

/// Messages as `viewer` sees them: each reply with its parent's current preview, each with its
/// reactions.
pub async fn dtos(
    store: &Store,
    rows: &[(Model, users::Model)],
    viewer: Option<Uuid>,
) -> AppResult<Vec<Message>> {
    let models: Vec<&Model> = rows.iter().map(|(m, _)| m).collect();
    let previews = parents(store.db(), &models).await?;
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut reactions = super::reactions::aggregate(store.db(), &ids, viewer).await?;
    let mut mentioned = super::mentions::of_messages(store.db(), &ids).await?;
    let mut files = attachments::of_messages(store, &ids).await?;
    Ok(rows
        .iter()
        .map(|(m, author)| {
            let reply_to = m.reply_to_id.and_then(|id| previews.get(&id).cloned());
            let mut dto = to_dto(m, author, reply_to);
            dto.reactions = reactions.remove(&m.id).unwrap_or_default();
            dto.mentions = mentioned.remove(&m.id).unwrap_or_default();
            dto.attachments = files
                .remove(&m.id)
                .unwrap_or_default()
                .iter()
                .map(attachments::to_dto)
                .collect();
            dto
        })
        .collect())
}

/// One message as everyone sees it (in an event: `me` is never set), read on `db` (a
/// transaction sees its own changes).
pub(crate) async fn dto(
    db: &impl ConnectionTrait,
    message: &Model,
    author: &users::Model,
) -> AppResult<Message> {
    let mut previews = parents(db, &[message]).await?;
    let reply_to = message.reply_to_id.and_then(|id| previews.remove(&id));
    let mut dto = to_dto(message, author, reply_to);
    dto.reactions = super::reactions::aggregate(db, &[message.id], None)
        .await?
        .remove(&message.id)
        .unwrap_or_default();
    dto.mentions = super::mentions::of_messages(db, &[message.id])
        .await?
        .remove(&message.id)
        .unwrap_or_default();
    dto.attachments = attachments::of_message(db, message.id)
        .await?
        .iter()
        .map(attachments::to_dto)
        .collect();
    Ok(dto)
}

/// Takes the channel's next seq. The update also locks the channel's row until the transaction
/// ends, so changes to one channel commit one at a time, in seq order.
pub(super) async fn next_seq(txn: &DatabaseTransaction, channel_id: Uuid) -> AppResult<i64> {
    let updated = channels::Entity::update_many()
        .col_expr(
            channels::Column::LastSeq,
            // An i64, as in `store::sends`: both render the same SQL text, and PostgreSQL keeps the
            // parameter type a connection first prepared it with.
            Expr::col(channels::Column::LastSeq).add(1_i64),
        )
        .filter(channels::Column::Id.eq(channel_id))
        .exec_with_returning(txn)
        .await?;
    updated
        .first()
        .map(|c| c.last_seq)
        .ok_or_else(AppError::not_found)
}

pub(super) async fn log(
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

/// Sends a message if its author may send to the channel (404 when they cannot see it, 403 for
/// a channel that takes no messages). `(message, true)` when created now; `(message, false)`
/// when this author already sent one with this nonce here (a retry), which is returned
/// unchanged. Concurrent sends share transactions (see [`super::sends`]).
pub async fn create(
    store: &Store,
    channel_id: Uuid,
    author: &users::Model,
    content: String,
    nonce: String,
) -> AppResult<(Message, bool)> {
    let message = NewMessage {
        channel_id,
        author: author.clone(),
        content,
        nonce,
    };
    match store.sends() {
        Some(queue) => match queue.send(message).await {
            Ok(outcome) => outcome,
            Err(message) => super::sends::write_alone(store, &message).await,
        },
        None => super::sends::write_alone(store, &message).await,
    }
}

/// What a message may carry besides its text.
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// The message it answers (of the same channel).
    pub reply_to: Option<Uuid>,
    pub mentions: Mentions,
    /// Uploaded files it claims.
    pub attachment_ids: &'a [Uuid],
}

/// Sends a reply, a message that mentions someone or one with files, to a channel the caller
/// already checked
/// the author may send to: in a transaction of its own, as it reads its parent, writes its
/// mentions and claims its files.
pub async fn create_rich(
    store: &Store,
    channel: &channels::Model,
    author: &users::Model,
    content: String,
    nonce: String,
    extras: Extras<'_>,
) -> AppResult<(Message, bool)> {
    let new = NewMessage {
        channel_id: channel.id,
        author: author.clone(),
        content,
        nonce,
    };
    let allowed = Allowed {
        message: &new,
        channel: channel.clone(),
        audience: audience(store, channel).await?,
    };
    create_alone(store, allowed, extras).await
}

/// Sends one message in a transaction of its own: replies, messages with mentions or files, and
/// the sends of a batch that could not be written together.
pub(crate) async fn create_alone(
    store: &Store,
    allowed: Allowed<'_>,
    extras: Extras<'_>,
) -> AppResult<(Message, bool)> {
    let Allowed {
        message: new,
        channel,
        audience,
    } = allowed;
    let Extras {
        reply_to,
        mentions,
        attachment_ids,
    } = extras;
    let (author, content, nonce) = (&new.author, new.content.clone(), new.nonce.clone());
    // The parent is checked before the transaction: it cannot change channel, and if it is
    // deleted meanwhile the reply's preview says so.
    let parent = match reply_to {
        Some(parent_id) => Some(by_id(store, channel.id, parent_id).await?.ok_or_else(|| {
            AppError::new(
                ErrorCode::ValidationFailed,
                "A reply must answer a message of the same channel.",
            )
            .with_field("reply_to", "is not a message of this channel")
        })?),
        None => None,
    };
    // No lookup first: the unique (channel, author, nonce) index decides, so a retry,
    // concurrent or not, rolls back and answers with the original.
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
        reply_to_id: Set(parent.as_ref().map(|(p, _)| p.id)),
        mention_everyone: Set(mentions.everyone),
        mention_roles: Set(mentions.roles_column()),
        pinned_at: Set(None),
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
            return Ok((dto(store.db(), &existing, author).await?, false));
        }
        Err(err) => return Err(err.into()),
    };
    super::mentions::store(&txn, message.id, channel.id, seq, &mentions.users).await?;
    let files = if attachment_ids.is_empty() {
        Vec::new()
    } else {
        attachments::claim(&txn, attachment_ids, message.id, channel.id, author.id).await?
    };
    let reply_to = parent.map(|(p, a)| preview_of(&p, &a));
    let mut dto = to_dto(&message, author, reply_to);
    dto.mentions = mentions.users;
    dto.attachments = files.iter().map(attachments::to_dto).collect();
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
    txn.commit().await?;
    if first_in_conversation {
        announce_conversation(store, &channel, &audience, message.created_at).await;
    }
    store.publish(audience, event);
    Ok((dto, true))
}

/// The other people's lists show a conversation from its first message on: after that
/// message's commit, they hear of the conversation itself.
pub(crate) async fn announce_conversation(
    store: &Store,
    channel: &channels::Model,
    audience: &Audience,
    at: chrono::DateTime<Utc>,
) {
    match super::conversations::recipients(store, channel.id).await {
        Ok(people) => {
            let mut shown = super::conversations::to_dto(channel, &people);
            shown.last_message_at = Some(at);
            store.publish(
                audience.clone(),
                ServerEvent::ChannelCreate { channel: shown },
            );
        }
        // The message is committed; clients that miss this see the conversation on their next
        // load of the list.
        Err(err) => tracing::warn!(error = %err, "cannot announce a new conversation"),
    }
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
    mentions: Mentions,
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
    active.mention_everyone = Set(mentions.everyone);
    active.mention_roles = Set(mentions.roles_column());
    let message = active.update(&txn).await?;
    super::mentions::store(&txn, message.id, channel.id, message.seq, &mentions.users).await?;
    let dto = dto(&txn, &message, author).await?;
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
        message: dto(&txn, &message, author).await?,
    };
    log(&txn, channel.id, seq, &event).await?;
    txn.commit().await?;
    store.publish(audience, event);
    Ok(files)
}

/// The message as it is now, inside the transaction that holds the channel's lock.
pub(super) async fn current(txn: &DatabaseTransaction, message_id: Uuid) -> AppResult<Model> {
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

/// A page centred on the message at `seq`: about half older than it, the rest it and newer,
/// newest first, filled from the other side near either end of the channel. Also says whether
/// older and newer messages lie beyond it.
pub async fn around(
    store: &Store,
    channel_id: Uuid,
    seq: i64,
    limit: u64,
) -> AppResult<(Vec<(Model, users::Model)>, bool, bool)> {
    let side = |newer: bool| {
        let select = messages::Entity::find().filter(messages::Column::ChannelId.eq(channel_id));
        let select = if newer {
            select
                .filter(messages::Column::Seq.gte(seq))
                .order_by_asc(messages::Column::Seq)
        } else {
            select
                .filter(messages::Column::Seq.lt(seq))
                .order_by_desc(messages::Column::Seq)
        };
        select
            .limit(limit + 1)
            .find_also_related(users::Entity)
            .all(store.db())
    };
    let keep = |rows: Vec<(Model, Option<users::Model>)>| -> Vec<(Model, users::Model)> {
        rows.into_iter()
            .filter_map(|(m, u)| Some((m, u?)))
            .collect()
    };
    let mut older = keep(side(false).await?);
    let mut newer = keep(side(true).await?);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut want_older = limit / 2;
    let mut want_newer = limit - want_older;
    if older.len() < want_older {
        want_newer += want_older - older.len();
        want_older = older.len();
    } else if newer.len() < want_newer {
        want_older += want_newer - newer.len();
        want_newer = newer.len();
    }
    let more_older = older.len() > want_older;
    let more_newer = newer.len() > want_newer;
    older.truncate(want_older);
    newer.truncate(want_newer);
    newer.reverse();
    newer.extend(older);
    Ok((newer, more_older, more_newer))
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
