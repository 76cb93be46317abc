//! Personal access tokens. Only a SHA-256 of each secret is kept.

use chrono::{Duration, Utc};
use parley_shared::users::ApiToken;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::Store;
use super::entities::{api_tokens, users};
use crate::error::AppResult;
use crate::realtime::Revocation;

pub use api_tokens::Model;

/// How stale `last_used_at` may get before a request refreshes it; keeps reads from writing.
const LAST_USED_PRECISION: Duration = Duration::minutes(1);

pub async fn create(
    store: &Store,
    user_id: Uuid,
    name: String,
    token_hash: String,
) -> AppResult<Model> {
    let token = api_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
    };
    Ok(token.insert(store.db()).await?)
}

pub async fn list(store: &Store, user_id: Uuid) -> AppResult<Vec<Model>> {
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(user_id))
        .order_by_asc(api_tokens::Column::CreatedAt)
        .all(store.db())
        .await?)
}

/// Deletes one of the user's tokens, closing the sockets opened with it; false when the user
/// has no token with that id.
pub async fn revoke(store: &Store, user_id: Uuid, token_id: Uuid) -> AppResult<bool> {
    let result = api_tokens::Entity::delete_many()
        .filter(api_tokens::Column::Id.eq(token_id))
        .filter(api_tokens::Column::UserId.eq(user_id))
        .exec(store.db())
        .await?;
    if result.rows_affected == 0 {
        return Ok(false);
    }
    store.publish_revocation(Revocation::Token { token_id });
    Ok(true)
}

/// Deletes every token of the user, closing the sockets opened with them.
pub async fn revoke_all(store: &Store, user_id: Uuid) -> AppResult<u64> {
    let result = api_tokens::Entity::delete_many()
        .filter(api_tokens::Column::UserId.eq(user_id))
        .exec(store.db())
        .await?;
    store.publish_revocation(Revocation::UserTokens { user_id });
    Ok(result.rows_affected)
}

/// The token with this hash and its owner, noting that the token was used.
pub async fn authenticate(
    store: &Store,
    token_hash: &str,
) -> AppResult<Option<(Model, users::Model)>> {
    let found = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(token_hash))
        .find_also_related(users::Entity)
        .one(store.db())
        .await?;
    let Some((token, Some(user))) = found else {
        return Ok(None);
    };
    let now = Utc::now();
    let token = if token
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_PRECISION)
    {
        let mut token = token.into_active_model();
        token.last_used_at = Set(Some(now));
        token.update(store.db()).await?
    } else {
        token
    };
    Ok(Some((token, user)))
}

pub fn to_dto(token: &Model) -> ApiToken {
    ApiToken {
        id: token.id,
        name: token.name.clone(),
        created_at: token.created_at,
        last_used_at: token.last_used_at,
    }
}
