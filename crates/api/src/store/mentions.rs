//! Mentions: `@names` in a message resolved against the people of its channel, stored per
//! mentioned user with the channel and seq (what a mention badge will count).

use std::collections::HashMap;

use parley_shared::messages::mentioned_names;
use parley_shared::servers::Role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::Store;
use super::entities::{channels, members, message_mentions, users};
use crate::error::AppResult;

/// Who and what a message mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    pub users: Vec<Uuid>,
    pub roles: Vec<Role>,
    pub everyone: bool,
}

impl Mentions {
    /// The roles as the `mention_roles` column keeps them.
    pub fn roles_column(&self) -> Option<String> {
        (!self.roles.is_empty()).then(|| {
            self.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

pub fn roles_of(column: Option<&str>) -> Vec<Role> {
    column
        .map(|c| c.split(',').filter_map(Role::parse).collect())
        .unwrap_or_default()
}

/// Resolves the `@names` in `content`. People are mentioned only if they are in the channel (a
/// member of its server, or one of the conversation's people); `@everyone`, `@here`, `@admins`
/// and `@moderators` only count from a moderator or admin of the server (`privileged`), and
/// stay plain text otherwise.
pub async fn resolve(
    store: &Store,
    channel: &channels::Model,
    content: &str,
    privileged: bool,
) -> AppResult<Mentions> {
    let mut mentions = Mentions::default();
    let mut names = Vec::new();
    for name in mentioned_names(content) {
        match name.as_str() {
            "everyone" | "here" => mentions.everyone |= privileged,
            "admins" if privileged => mentions.roles.push(Role::Admin),
            "moderators" if privileged => mentions.roles.push(Role::Moderator),
            _ => names.push(name),
        }
    }
    if names.is_empty() {
        return Ok(mentions);
    }
    let named: Vec<Uuid> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Username.is_in(names))
        .into_tuple()
        .all(store.db())
        .await?;
    if named.is_empty() {
        return Ok(mentions);
    }
    mentions.users = match channel.server_id {
        Some(server_id) => {
            members::Entity::find()
                .select_only()
                .column(members::Column::UserId)
                .filter(members::Column::ServerId.eq(server_id))
                .filter(members::Column::UserId.is_in(named))
                .into_tuple()
                .all(store.db())
                .await?
        }
        None => {
            let people = super::conversations::recipient_ids(store, channel.id).await?;
            named.into_iter().filter(|id| people.contains(id)).collect()
        }
    };
    mentions.users.sort();
    Ok(mentions)
}

/// Replaces the mention rows of a message.
pub async fn store(
    db: &impl ConnectionTrait,
    message_id: Uuid,
    channel_id: Uuid,
    seq: i64,
    users: &[Uuid],
) -> AppResult<()> {
    message_mentions::Entity::delete_many()
        .filter(message_mentions::Column::MessageId.eq(message_id))
        .exec(db)
        .await?;
    if users.is_empty() {
        return Ok(());
    }
    message_mentions::Entity::insert_many(users.iter().map(|user_id| {
        message_mentions::ActiveModel {
            message_id: Set(message_id),
            user_id: Set(*user_id),
            channel_id: Set(channel_id),
            seq: Set(seq),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// The mentioned users of these messages, in one query.
pub async fn of_messages(
    db: &impl ConnectionTrait,
    message_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    if message_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = message_mentions::Entity::find()
        .select_only()
        .column(message_mentions::Column::MessageId)
        .column(message_mentions::Column::UserId)
        .filter(message_mentions::Column::MessageId.is_in(message_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_message: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (message_id, user_id) in rows {
        by_message.entry(message_id).or_default().push(user_id);
    }
    for users in by_message.values_mut() {
        users.sort();
    }
    Ok(by_message)
}
