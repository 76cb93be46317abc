//! Browser sessions, kept in the database so a restart (or another instance) signs nobody out.
//! This is tower-sessions' `SessionStore` over our own table.

use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use uuid::Uuid;

use super::entities::sessions;
use super::{Store, UniqueKey};
use crate::error::AppResult;
use crate::realtime::Revocation;

/// The session key holding the signed-in user's id. Only `auth::session` reads or writes it; the
/// store copies it into its own column so all of a user's sessions can be ended at once.
pub const USER_ID_KEY: &str = "user_id";

const PRIMARY_KEY: UniqueKey = UniqueKey {
    constraint: "sessions_pkey",
    sqlite_columns: "sessions.id",
};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    store: Store,
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn row(record: &Record) -> session_store::Result<sessions::ActiveModel> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let user_id = record
        .data
        .get(USER_ID_KEY)
        .and_then(|v| v.as_str())
        .and_then(|v| Uuid::parse_str(v).ok());
    let expires_at = DateTime::<Utc>::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))?;
    Ok(sessions::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(user_id),
        data: Set(data),
        expires_at: Set(expires_at),
    })
}

fn backend(err: sea_orm::DbErr) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits, so a collision is all but impossible; if one happens anyway,
        // draw again rather than overwrite someone else's session.
        loop {
            match sessions::Entity::insert(row(record)?)
                .exec(self.store.db())
                .await
            {
                Ok(_) => return Ok(()),
                Err(err) if PRIMARY_KEY.violated_by(&err) => record.id = Id::default(),
                Err(err) => return Err(backend(err)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sessions::Entity::insert(row(record)?)
            .on_conflict(
                OnConflict::column(sessions::Column::Id)
                    .update_columns([
                        sessions::Column::UserId,
                        sessions::Column::Data,
                        sessions::Column::ExpiresAt,
                    ])
                    .to_owned(),
            )
            .exec(self.store.db())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let found = sessions::Entity::find_by_id(id.to_string())
            .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
            .one(self.store.db())
            .await
            .map_err(backend)?;
        let Some(found) = found else { return Ok(None) };
        let data = serde_json::from_str(&found.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(found.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let id =
            Id::from_str(&found.id).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id,
            data,
            expiry_date,
        }))
    }

    /// Signing out, and the old id at sign-in (`cycle_id`): the session ends, and so do the
    /// sockets opened with it.
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::Entity::delete_by_id(id.to_string())
            .exec(self.store.db())
            .await
            .map_err(backend)?;
        self.store.publish_revocation(Revocation::Sessions {
            session_ids: vec![id.to_string()],
        });
        Ok(())
    }
}

/// Signs the user out everywhere but the session `keep` (the one changing the password, say),
/// closing those sessions' sockets.
pub async fn end_all_for_user(
    store: &Store,
    user_id: Uuid,
    keep: Option<String>,
) -> AppResult<u64> {
    let mut delete = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(keep) = &keep {
        delete = delete.filter(sessions::Column::Id.ne(keep.clone()));
    }
    let ended = delete.exec(store.db()).await?.rows_affected;
    store.publish_revocation(Revocation::UserSessions {
        user_id,
        except: keep,
    });
    Ok(ended)
}

/// When the session expires; `None` when it has ended or expired already (for sockets, which
/// outlive the request that authenticated them).
pub async fn expires_at(store: &Store, session_id: &str) -> AppResult<Option<DateTime<Utc>>> {
    Ok(sessions::Entity::find_by_id(session_id.to_owned())
        .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
        .select_only()
        .column(sessions::Column::ExpiresAt)
        .into_tuple::<DateTime<Utc>>()
        .one(store.db())
        .await?)
}

/// Removes sessions past their expiry, closing their sockets; run periodically.
pub async fn delete_expired(store: &Store) -> AppResult<u64> {
    let expired: Vec<String> = sessions::Entity::find()
        .filter(sessions::Column::ExpiresAt.lte(Utc::now()))
        .select_only()
        .column(sessions::Column::Id)
        .into_tuple()
        .all(store.db())
        .await?;
    if expired.is_empty() {
        return Ok(0);
    }
    let deleted = sessions::Entity::delete_many()
        .filter(sessions::Column::Id.is_in(expired.clone()))
        .exec(store.db())
        .await?
        .rows_affected;
    store.publish_revocation(Revocation::Sessions {
        session_ids: expired,
    });
    Ok(deleted)
}
