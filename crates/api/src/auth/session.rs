//! The typed face of the session: the only code that knows which key holds the user.

use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppResult;
use crate::store::sessions::USER_ID_KEY;

/// Signs `user_id` in on this session, under a fresh session id so an id planted before login
/// (session fixation) is worthless after it.
pub async fn sign_in(session: &Session, user_id: Uuid) -> AppResult<()> {
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user_id).await?;
    Ok(())
}

pub async fn user_id(session: &Session) -> AppResult<Option<Uuid>> {
    Ok(session.get::<Uuid>(USER_ID_KEY).await?)
}

/// Ends the session: the row is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}
