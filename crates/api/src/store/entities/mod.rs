//! sea-orm entities, one per table. Only the store uses them.

pub mod api_tokens;
pub mod attachments;
pub mod bans;
pub mod channel_events;
pub mod channel_recipients;
pub mod channels;
pub mod members;
pub mod message_edits;
pub mod message_mentions;
pub mod messages;
pub mod reactions;
pub mod servers;
pub mod sessions;
pub mod users;
