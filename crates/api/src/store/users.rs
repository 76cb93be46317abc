//! Accounts.

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::users::{AllowDmsFrom, User};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::entities::users;
use super::{Store, UniqueKey};
use crate::error::{AppError, AppResult};
use crate::realtime::Audience;

pub use users::Model;

const USERNAME_KEY: UniqueKey = UniqueKey {
    constraint: "users_username_key",
    sqlite_columns: "users.username",
};
const EMAIL_KEY: UniqueKey = UniqueKey {
    constraint: "users_email_key",
    sqlite_columns: "users.email",
};

/// A validated, normalised registration with its password already hashed.
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
}

pub async fn create(store: &Store, new: NewUser) -> AppResult<Model> {
    let now = Utc::now();
    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username),
        display_name: Set(new.display_name),
        email: Set(new.email),
        password_hash: Set(new.password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    user.insert(store.db()).await.map_err(|err| {
        if USERNAME_KEY.violated_by(&err) {
            AppError::new(ErrorCode::UsernameTaken, "That username is taken.")
                .with_field("username", "is taken")
        } else if EMAIL_KEY.violated_by(&err) {
            AppError::new(
                ErrorCode::EmailTaken,
                "That email belongs to another account.",
            )
            .with_field("email", "belongs to another account")
        } else {
            err.into()
        }
    })
}

/// 409 when the username (or the email, if given) already belongs to an account.
pub async fn ensure_available(store: &Store, username: &str, email: Option<&str>) -> AppResult<()> {
    if by_login(store, username).await?.is_some() {
        return Err(
            AppError::new(ErrorCode::UsernameTaken, "That username is taken.")
                .with_field("username", "is taken"),
        );
    }
    if let Some(email) = email
        && by_login(store, email).await?.is_some()
    {
        return Err(AppError::new(
            ErrorCode::EmailTaken,
            "That email belongs to another account.",
        )
        .with_field("email", "belongs to another account"));
    }
    Ok(())
}

pub async fn by_id(store: &Store, id: Uuid) -> AppResult<Option<Model>> {
    Ok(users::Entity::find_by_id(id).one(store.db()).await?)
}

/// Finds an account by username or email, either spelled in any case.
pub async fn by_login(store: &Store, login: &str) -> AppResult<Option<Model>> {
    let login = login.trim().to_lowercase();
    let column = if login.contains('@') {
        users::Column::Email
    } else {
        users::Column::Username
    };
    Ok(users::Entity::find()
        .filter(column.eq(login))
        .one(store.db())
        .await?)
}

pub async fn update_profile(
    store: &Store,
    user: Model,
    name: Option<String>,
    allow_dms_from: Option<AllowDmsFrom>,
) -> AppResult<Model> {
    let mut user: users::ActiveModel = user.into();
    if let Some(name) = name {
        user.display_name = Set(name);
    }
    if let Some(allow) = allow_dms_from {
        user.allow_dms_from = Set(allow.as_str().to_owned());
    }
    user.updated_at = Set(Utc::now());
    Ok(user.update(store.db()).await?)
}

pub async fn set_password_hash(store: &Store, user: Model, hash: String) -> AppResult<Model> {
    let mut user: users::ActiveModel = user.into();
    user.password_hash = Set(hash);
    user.updated_at = Set(Utc::now());
    Ok(user.update(store.db()).await?)
}

/// The account as its owner sees it, email included.
pub fn to_private_dto(user: &Model) -> User {
    User {
        email: user.email.clone(),
        allow_dms_from: Some(AllowDmsFrom::parse(&user.allow_dms_from)),
        ..to_public_dto(user)
    }
}

/// The account as anyone else sees it.
pub fn to_public_dto(user: &Model) -> User {
    User {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        email: None,
        allow_dms_from: None,
        created_at: user.created_at,
        avatar_url: user.avatar_hash.as_deref().map(crate::media::avatars::url),
    }
}

/// Sets (or, with `None`, removes) the avatar and tells everyone who sees the user: the
/// members of their servers and the people in their conversations. Returns the user and the
/// hash it replaced, which the caller deletes when nobody else uses it.
pub async fn set_avatar(
    store: &Store,
    user: Model,
    avatar_hash: Option<String>,
) -> AppResult<(Model, Option<String>)> {
    let previous = user.avatar_hash.clone();
    let mut active: users::ActiveModel = user.into();
    active.avatar_hash = Set(avatar_hash);
    active.updated_at = Set(Utc::now());
    let user = active.update(store.db()).await?;
    let event = ServerEvent::UserUpdate {
        user: to_public_dto(&user),
    };
    for server_id in super::members::server_ids_of(store, user.id).await? {
        store.publish(Audience::Server(server_id), event.clone());
    }
    let mut people = super::conversations::partners_of(store, user.id).await?;
    people.push(user.id);
    store.publish(Audience::Users(people), event);
    let replaced = previous.filter(|old| user.avatar_hash.as_ref() != Some(old));
    Ok((user, replaced))
}

/// Whether anyone shows the avatar with this hash (avatars are shared by content).
pub async fn avatar_in_use(store: &Store, hash: &str) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(users::Entity::find()
        .filter(users::Column::AvatarHash.eq(hash))
        .count(store.db())
        .await?
        > 0)
}

/// People whose username or display name contains `query`, for starting conversations.
pub async fn search(
    store: &Store,
    query: &str,
    exclude: Uuid,
    limit: u64,
) -> AppResult<Vec<Model>> {
    use sea_orm::sea_query::{Expr, Func};
    use sea_orm::{Condition, QueryOrder, QuerySelect};
    let pattern = super::contains_pattern(query.trim());
    Ok(users::Entity::find()
        .filter(
            Condition::any()
                .add(users::Column::Username.like(pattern.clone()))
                .add(
                    Expr::expr(Func::lower(Expr::col((
                        users::Entity,
                        users::Column::DisplayName,
                    ))))
                    .like(pattern),
                ),
        )
        .filter(users::Column::Id.ne(exclude))
        .order_by_asc(users::Column::Username)
        .limit(limit)
        .all(store.db())
        .await?)
}
