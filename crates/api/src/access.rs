//! Every server object is reached through the caller's membership. Someone who is not a member
//! gets the same 404 as for a thing that does not exist, so existence is not leaked; a member
//! without the needed role gets 403.

use parley_shared::ErrorCode;
use parley_shared::servers::Role;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{channels, conversations, members, servers};

/// A server the caller is a member of, with the caller's role.
pub struct Membership {
    pub server: servers::Model,
    pub role: Role,
}

impl Membership {
    /// 403 unless the caller's role is at least `needed`.
    pub fn require(&self, needed: Role, action: &str) -> AppResult<()> {
        require(self.role, needed, action)
    }
}

pub async fn server(state: &AppState, server_id: Uuid, user_id: Uuid) -> AppResult<Membership> {
    let member = members::get(&state.store, server_id, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let server = servers::by_id(&state.store, server_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Membership {
        server,
        role: members::role(&member),
    })
}

/// A server channel the caller can see, with the caller's membership of its server.
pub async fn channel(
    state: &AppState,
    channel_id: Uuid,
    user_id: Uuid,
) -> AppResult<(channels::Model, ChannelAccess)> {
    let channel = channels::by_id(&state.store, channel_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let role = match channel.server_id {
        // The membership alone: a channel's server exists while the channel does (deleting a
        // server deletes its channels), so reading it too would only cost a query per send.
        Some(server_id) => members::get(&state.store, server_id, user_id)
            .await?
            .map(|member| members::role(&member))
            .ok_or_else(AppError::not_found)?,
        None if conversations::is_recipient(&state.store, channel.id, user_id).await? => {
            Role::Guest
        }
        None => return Err(AppError::not_found()),
    };
    Ok((channel, ChannelAccess { role }))
}

/// What the caller may do in a channel. In conversations nobody moderates: everyone counts as
/// a guest.
pub struct ChannelAccess {
    pub role: Role,
}

impl ChannelAccess {
    /// 403 unless the caller's role is at least `needed`.
    pub fn require(&self, needed: Role, action: &str) -> AppResult<()> {
        require(self.role, needed, action)
    }
}

fn require(role: Role, needed: Role, action: &str) -> AppResult<()> {
    if role >= needed {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            format!("Your role does not allow you to {action}."),
        ))
    }
}
