//! The typed face of the session: the only code that knows which keys it holds.

use chrono::{DateTime, Duration, Utc};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppResult;
use crate::store::sessions::USER_ID_KEY;

/// When the session last signed in with a password (Unix seconds).
pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";
/// When the session's expiry was last pushed back (Unix seconds).
pub const REFRESHED_AT_KEY: &str = "refreshed_at";

/// Sessions slide: a session used after this long gets a new expiry (and its cookie is sent
/// again). Once a day keeps most requests from writing to the database.
pub const REFRESH_EVERY: Duration = Duration::days(1);

/// Signs `user_id` in on this session, under a fresh session id so an id planted before login
/// (session fixation) is worthless after it.
pub async fn sign_in(session: &Session, user_id: Uuid) -> AppResult<()> {
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user_id).await?;
    let now = Utc::now().timestamp();
    session.insert(SIGNED_IN_AT_KEY, now).await?;
    session.insert(REFRESHED_AT_KEY, now).await?;
    Ok(())
}

pub async fn user_id(session: &Session) -> AppResult<Option<Uuid>> {
    Ok(session.get::<Uuid>(USER_ID_KEY).await?)
}

/// When this session signed in with a password; `None` for sessions from before that was kept.
pub async fn signed_in_at(session: &Session) -> AppResult<Option<DateTime<Utc>>> {
    Ok(session
        .get::<i64>(SIGNED_IN_AT_KEY)
        .await?
        .and_then(|t| DateTime::from_timestamp(t, 0)))
}

/// Pushes the session's expiry back when it was last pushed more than [`REFRESH_EVERY`] ago.
/// Changing a value marks the session modified, which makes tower-sessions save it with a new
/// expiry and send the cookie again; unchanged sessions cost no write.
pub async fn keep_alive(session: &Session) -> AppResult<()> {
    let now = Utc::now();
    let refreshed = session
        .get::<i64>(REFRESHED_AT_KEY)
        .await?
        .and_then(|t| DateTime::from_timestamp(t, 0));
    if refreshed.is_none_or(|at| now - at >= REFRESH_EVERY) {
        session.insert(REFRESHED_AT_KEY, now.timestamp()).await?;
    }
    Ok(())
}

/// Ends the session: the row is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}
