//! Direct conversations: channels without a server, reachable only by their recipients.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::servers::{ChannelKind, GROUP_MAX};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{channel_recipients, channels, members, messages, users};
use super::{Store, UniqueKey};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

const DM_KEY: UniqueKey = UniqueKey {
    constraint: "channels_dm_key_key",
    sqlite_columns: "channels.dm_key",
};
const RECIPIENT_KEY: UniqueKey = UniqueKey {
    constraint: "channel_recipients_pkey",
    sqlite_columns: "channel_recipients.channel_id, channel_recipients.user_id",
};

/// The same for a pair whichever of the two asks.
fn dm_key(a: Uuid, b: Uuid) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

pub async fn recipients(store: &Store, channel_id: Uuid) -> AppResult<Vec<users::Model>> {
    Ok(channel_recipients::Entity::find()
        .filter(channel_recipients::Column::ChannelId.eq(channel_id))
        .find_also_related(users::Entity)
        .order_by_asc(channel_recipients::Column::JoinedAt)
        .all(store.db())
        .await?
        .into_iter()
        .filter_map(|(_, u)| u)
        .collect())
}

pub async fn recipient_ids(store: &Store, channel_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(channel_recipients::Entity::find()
        .filter(channel_recipients::Column::ChannelId.eq(channel_id))
        .select_only()
        .column(channel_recipients::Column::UserId)
        .into_tuple()
        .all(store.db())
        .await?)
}

pub async fn is_recipient(store: &Store, channel_id: Uuid, user_id: Uuid) -> AppResult<bool> {
    Ok(
        channel_recipients::Entity::find_by_id((channel_id, user_id))
            .one(store.db())
            .await?
            .is_some(),
    )
}

/// Whether two people are in at least one server together.
pub async fn share_a_server(store: &Store, a: Uuid, b: Uuid) -> AppResult<bool> {
    let theirs: Vec<Uuid> = members::Entity::find()
        .filter(members::Column::UserId.eq(b))
        .select_only()
        .column(members::Column::ServerId)
        .into_tuple()
        .all(store.db())
        .await?;
    if theirs.is_empty() {
        return Ok(false);
    }
    let shared = members::Entity::find()
        .filter(members::Column::UserId.eq(a))
        .filter(members::Column::ServerId.is_in(theirs))
        .count(store.db())
        .await?;
    Ok(shared > 0)
}

pub fn to_dto(
    channel: &channels::Model,
    people: &[users::Model],
) -> parley_shared::servers::Channel {
    let mut dto = super::channels::to_dto(channel);
    dto.recipients = people.iter().map(super::users::to_public_dto).collect();
    dto
}

async fn announce_to_all(store: &Store, channel: &channels::Model) -> AppResult<()> {
    let people = recipients(store, channel.id).await?;
    let ids = people.iter().map(|u| u.id).collect();
    store.publish(
        Audience::Users(ids),
        ServerEvent::ChannelCreate {
            channel: to_dto(channel, &people),
        },
    );
    Ok(())
}

async fn insert(
    store: &Store,
    kind: ChannelKind,
    dm_key: Option<String>,
    owner: Option<Uuid>,
    people: &[Uuid],
) -> Result<channels::Model, sea_orm::DbErr> {
    let now = Utc::now();
    let txn = store.db().begin().await?;
    let channel = channels::ActiveModel {
        id: Set(Uuid::now_v7()),
        server_id: Set(None),
        kind: Set(kind.as_str().to_owned()),
        name: Set(String::new()),
        topic: Set(None),
        position: Set(0),
        is_default: Set(false),
        last_seq: Set(0),
        created_at: Set(now),
        dm_key: Set(dm_key),
        owner_id: Set(owner),
        last_message_at: Set(None),
    }
    .insert(&txn)
    .await?;
    for user_id in people {
        channel_recipients::ActiveModel {
            channel_id: Set(channel.id),
            user_id: Set(*user_id),
            joined_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(channel)
}

/// The 1:1 conversation of two people: `(channel, true)` when it is new. Two people opening it at
/// the same moment get the same one (the pair's key is unique). The other person hears of it with
/// its first message.
pub async fn open_direct(
    store: &Store,
    me: Uuid,
    other: Uuid,
) -> AppResult<(channels::Model, bool)> {
    let key = dm_key(me, other);
    let find = || {
        channels::Entity::find()
            .filter(channels::Column::DmKey.eq(key.clone()))
            .one(store.db())
    };
    if let Some(existing) = find().await? {
        return Ok((existing, false));
    }
    match insert(
        store,
        ChannelKind::Dm,
        Some(key.clone()),
        None,
        &[me, other],
    )
    .await
    {
        Ok(channel) => {
            let people = recipients(store, channel.id).await?;
            store.publish(
                Audience::Users(vec![me]),
                ServerEvent::ChannelCreate {
                    channel: to_dto(&channel, &people),
                },
            );
            Ok((channel, true))
        }
        Err(err) if DM_KEY.violated_by(&err) => {
            Ok((find().await?.ok_or_else(AppError::not_found)?, false))
        }
        Err(err) => Err(err.into()),
    }
}

/// A new group conversation of `me` and `others`; everyone sees it at once.
pub async fn create_group(store: &Store, me: Uuid, others: &[Uuid]) -> AppResult<channels::Model> {
    let mut people = vec![me];
    people.extend(others.iter().copied().filter(|id| *id != me));
    let channel = insert(store, ChannelKind::GroupDm, None, Some(me), &people).await?;
    announce_to_all(store, &channel).await?;
    Ok(channel)
}

/// Conversations of `user_id`, latest activity first, each with its people and latest message.
/// A 1:1 conversation is listed once it has a message.
pub async fn of_user(
    store: &Store,
    user_id: Uuid,
) -> AppResult<
    Vec<(
        channels::Model,
        Vec<users::Model>,
        Option<(messages::Model, users::Model)>,
    )>,
> {
    let ids: Vec<Uuid> = channel_recipients::Entity::find()
        .filter(channel_recipients::Column::UserId.eq(user_id))
        .select_only()
        .column(channel_recipients::Column::ChannelId)
        .into_tuple()
        .all(store.db())
        .await?;
    let mut list = channels::Entity::find()
        .filter(channels::Column::Id.is_in(ids))
        .all(store.db())
        .await?;
    list.retain(|c| c.kind == ChannelKind::GroupDm.as_str() || c.last_message_at.is_some());
    list.sort_by(|a, b| {
        b.last_message_at
            .unwrap_or(b.created_at)
            .cmp(&a.last_message_at.unwrap_or(a.created_at))
    });
    let mut out = Vec::with_capacity(list.len());
    for channel in list {
        let people = recipients(store, channel.id).await?;
        let last = messages::Entity::find()
            .filter(messages::Column::ChannelId.eq(channel.id))
            .order_by_desc(messages::Column::Seq)
            .find_also_related(users::Entity)
            .one(store.db())
            .await?
            .and_then(|(m, u)| Some((m, u?)));
        out.push((channel, people, last));
    }
    Ok(out)
}

/// Adds someone to a group: they see it appear, the others see them join. The size cap is
/// counted under the channel's row lock, so concurrent adds cannot overshoot it.
pub async fn add_recipient(
    store: &Store,
    channel: &channels::Model,
    user: &users::Model,
) -> AppResult<bool> {
    let txn = store.db().begin().await?;
    lock(&txn, channel.id).await?;
    let already = channel_recipients::Entity::find_by_id((channel.id, user.id))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Ok(false);
    }
    let count = channel_recipients::Entity::find()
        .filter(channel_recipients::Column::ChannelId.eq(channel.id))
        .count(&txn)
        .await?;
    if count as usize >= GROUP_MAX {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            format!("A group conversation has at most {GROUP_MAX} people."),
        )
        .with_field("user_id", "the group is full"));
    }
    let inserted = channel_recipients::ActiveModel {
        channel_id: Set(channel.id),
        user_id: Set(user.id),
        joined_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(err) if RECIPIENT_KEY.violated_by(&err) => return Ok(false),
        Err(err) => return Err(err.into()),
    }
    txn.commit().await?;
    let people = recipients(store, channel.id).await?;
    let others = people
        .iter()
        .map(|u| u.id)
        .filter(|id| *id != user.id)
        .collect();
    store.publish(
        Audience::Users(vec![user.id]),
        ServerEvent::ChannelCreate {
            channel: to_dto(channel, &people),
        },
    );
    store.publish(
        Audience::Users(others),
        ServerEvent::RecipientAdd {
            channel_id: channel.id,
            user: super::users::to_public_dto(user),
        },
    );
    Ok(true)
}

/// Takes the conversation's row lock for the rest of `txn` (an update, so it works the same on
/// SQLite, where it takes the database's write lock).
async fn lock(txn: &DatabaseTransaction, channel_id: Uuid) -> AppResult<()> {
    channels::Entity::update_many()
        .col_expr(
            channels::Column::LastSeq,
            Expr::col(channels::Column::LastSeq).into(),
        )
        .filter(channels::Column::Id.eq(channel_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Removes someone from a group: it disappears for them only.
pub async fn remove_recipient(
    store: &Store,
    channel: &channels::Model,
    user_id: Uuid,
) -> AppResult<()> {
    let result = channel_recipients::Entity::delete_by_id((channel.id, user_id))
        .exec(store.db())
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::not_found());
    }
    store.publish(
        Audience::Users(vec![user_id]),
        ServerEvent::ChannelDelete {
            channel_id: channel.id,
            server_id: None,
        },
    );
    let remaining = recipient_ids(store, channel.id).await?;
    store.publish(
        Audience::Users(remaining),
        ServerEvent::RecipientRemove {
            channel_id: channel.id,
            user_id,
        },
    );
    Ok(())
}

pub async fn rename(
    store: &Store,
    channel: channels::Model,
    name: String,
) -> AppResult<channels::Model> {
    let mut active: channels::ActiveModel = channel.into();
    active.name = Set(name);
    let channel = active.update(store.db()).await?;
    let people = recipients(store, channel.id).await?;
    let ids = people.iter().map(|u| u.id).collect();
    store.publish(
        Audience::Users(ids),
        ServerEvent::ChannelUpdate {
            channel: to_dto(&channel, &people),
        },
    );
    Ok(channel)
}

/// Everyone who shares a conversation with `user_id` (not the user), once each.
pub async fn partners_of(store: &Store, user_id: Uuid) -> AppResult<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    let channel_ids: Vec<Uuid> = channel_recipients::Entity::find()
        .select_only()
        .column(channel_recipients::Column::ChannelId)
        .filter(channel_recipients::Column::UserId.eq(user_id))
        .into_tuple()
        .all(store.db())
        .await?;
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut people: Vec<Uuid> = channel_recipients::Entity::find()
        .select_only()
        .column(channel_recipients::Column::UserId)
        .filter(channel_recipients::Column::ChannelId.is_in(channel_ids))
        .filter(channel_recipients::Column::UserId.ne(user_id))
        .into_tuple()
        .all(store.db())
        .await?;
    people.sort_unstable();
    people.dedup();
    Ok(people)
}
