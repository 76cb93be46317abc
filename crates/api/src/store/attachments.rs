//! Attachments: upload slots, what their bytes turned out to be, and which message claimed
//! them. The files themselves are `media::attachments`' business; this module only says which
//! rows exist, and hands back the rows it removed so their files can follow.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use parley_shared::ErrorCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::Store;
use super::entities::{attachments, channels};
use crate::error::{AppError, AppResult};

pub use attachments::Model;

/// A new, empty upload slot.
pub async fn create_slot(
    store: &Store,
    channel_id: Uuid,
    uploader_id: Uuid,
    filename: String,
    size: u64,
    content_type: String,
) -> AppResult<Model> {
    Ok(attachments::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel_id: Set(channel_id),
        uploader_id: Set(uploader_id),
        message_id: Set(None),
        position: Set(0),
        filename: Set(filename),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        content_type: Set(content_type),
        width: Set(None),
        height: Set(None),
        has_thumbnail: Set(false),
        placeholder: Set(None),
        created_at: Set(Utc::now()),
        uploaded_at: Set(None),
    }
    .insert(store.db())
    .await?)
}

pub async fn by_id(store: &Store, id: Uuid) -> AppResult<Option<Model>> {
    Ok(attachments::Entity::find_by_id(id).one(store.db()).await?)
}

/// What the bytes turned out to be, once they are all stored.
#[derive(Debug, Clone, Default)]
pub struct Uploaded {
    pub size: u64,
    pub content_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub has_thumbnail: bool,
    pub placeholder: Option<String>,
}

/// Records an upload's bytes as arrived. `None` when the slot is gone meanwhile (swept, or
/// cancelled), so the caller deletes what it stored.
pub async fn mark_uploaded(
    store: &Store,
    id: Uuid,
    uploaded: Uploaded,
) -> AppResult<Option<Model>> {
    let found = attachments::Entity::find_by_id(id)
        .filter(attachments::Column::MessageId.is_null())
        .one(store.db())
        .await?;
    let Some(found) = found else {
        return Ok(None);
    };
    let mut active = found.into_active_model();
    active.size = Set(i64::try_from(uploaded.size).unwrap_or(i64::MAX));
    active.content_type = Set(uploaded.content_type);
    active.width = Set(uploaded.width.and_then(|w| i32::try_from(w).ok()));
    active.height = Set(uploaded.height.and_then(|h| i32::try_from(h).ok()));
    active.has_thumbnail = Set(uploaded.has_thumbnail);
    active.placeholder = Set(uploaded.placeholder);
    active.uploaded_at = Set(Some(Utc::now()));
    Ok(Some(active.update(store.db()).await?))
}

/// Gives the uploads `ids` (in this order) to a new message, inside the transaction that
/// creates it. Each must be the author's, in this channel, uploaded, and not sent yet; otherwise
/// nothing is claimed (the caller's transaction rolls back) and the answer is 422.
pub async fn claim(
    txn: &impl ConnectionTrait,
    ids: &[Uuid],
    message_id: Uuid,
    channel_id: Uuid,
    author_id: Uuid,
) -> AppResult<Vec<Model>> {
    for (position, id) in ids.iter().enumerate() {
        let claimed = attachments::Entity::update_many()
            .col_expr(attachments::Column::MessageId, Expr::value(message_id))
            .col_expr(
                attachments::Column::Position,
                Expr::value(i32::try_from(position).unwrap_or(i32::MAX)),
            )
            .filter(attachments::Column::Id.eq(*id))
            .filter(attachments::Column::ChannelId.eq(channel_id))
            .filter(attachments::Column::UploaderId.eq(author_id))
            .filter(attachments::Column::MessageId.is_null())
            .filter(attachments::Column::UploadedAt.is_not_null())
            .exec(txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "An attachment is not one you uploaded to this channel, is not uploaded yet, or was already sent.",
            )
            .with_field("attachment_ids", format!("{id} is not an unsent upload of yours to this channel")));
        }
    }
    of_message(txn, message_id).await
}

/// A message's attachments, in order.
pub async fn of_message(db: &impl ConnectionTrait, message_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::MessageId.eq(message_id))
        .order_by_asc(attachments::Column::Position)
        .all(db)
        .await?)
}

/// The attachments of several messages, by message, each list in order.
pub async fn of_messages(
    store: &Store,
    message_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Model>>> {
    let mut by_message: HashMap<Uuid, Vec<Model>> = HashMap::new();
    if message_ids.is_empty() {
        return Ok(by_message);
    }
    let rows = attachments::Entity::find()
        .filter(attachments::Column::MessageId.is_in(message_ids.iter().copied()))
        .order_by_asc(attachments::Column::Position)
        .all(store.db())
        .await?;
    for row in rows {
        if let Some(message_id) = row.message_id {
            by_message.entry(message_id).or_default().push(row);
        }
    }
    Ok(by_message)
}

/// Removes a message's attachments (the message is being deleted, in `txn`) and returns them,
/// so their files can be deleted once that commits.
pub async fn detach_all(txn: &impl ConnectionTrait, message_id: Uuid) -> AppResult<Vec<Model>> {
    let rows = of_message(txn, message_id).await?;
    if !rows.is_empty() {
        attachments::Entity::delete_many()
            .filter(attachments::Column::MessageId.eq(message_id))
            .exec(txn)
            .await?;
    }
    Ok(rows)
}

/// Deletes an upload no message has claimed (cancelled by its uploader, or expired). `false`
/// when it was claimed (or deleted) meanwhile: then its files stay.
pub async fn delete_unclaimed(store: &Store, id: Uuid) -> AppResult<bool> {
    let deleted = attachments::Entity::delete_many()
        .filter(attachments::Column::Id.eq(id))
        .filter(attachments::Column::MessageId.is_null())
        .exec(store.db())
        .await?;
    Ok(deleted.rows_affected == 1)
}

/// Uploads created before `cutoff` that no message claimed.
pub async fn unclaimed_before(
    store: &Store,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Model>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::MessageId.is_null())
        .filter(attachments::Column::CreatedAt.lt(cutoff))
        .order_by_asc(attachments::Column::CreatedAt)
        .limit(limit)
        .all(store.db())
        .await?)
}

/// Every attachment of a channel, to delete its files when the channel goes (the rows go with
/// it, by the foreign key).
pub async fn in_channel(store: &Store, channel_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(attachments::Entity::find()
        .select_only()
        .column(attachments::Column::Id)
        .filter(attachments::Column::ChannelId.eq(channel_id))
        .into_tuple()
        .all(store.db())
        .await?)
}

/// Every attachment in a server's channels, to delete its files when the server goes.
pub async fn in_server(store: &Store, server_id: Uuid) -> AppResult<Vec<Uuid>> {
    let channel_ids: Vec<Uuid> = channels::Entity::find()
        .select_only()
        .column(channels::Column::Id)
        .filter(channels::Column::ServerId.eq(server_id))
        .into_tuple()
        .all(store.db())
        .await?;
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachments::Entity::find()
        .select_only()
        .column(attachments::Column::Id)
        .filter(attachments::Column::ChannelId.is_in(channel_ids))
        .into_tuple()
        .all(store.db())
        .await?)
}

pub fn to_dto(attachment: &Model) -> parley_shared::messages::Attachment {
    use crate::media::attachments as files;
    parley_shared::messages::Attachment {
        id: attachment.id,
        filename: attachment.filename.clone(),
        size: u64::try_from(attachment.size).unwrap_or_default(),
        content_type: attachment.content_type.clone(),
        width: attachment.width.and_then(|w| u32::try_from(w).ok()),
        height: attachment.height.and_then(|h| u32::try_from(h).ok()),
        url: files::url(attachment.id),
        thumbnail_url: attachment
            .has_thumbnail
            .then(|| files::thumbnail_url(attachment.id)),
        placeholder: attachment.placeholder.clone(),
    }
}
