//! sea-orm entities, one per table. Only the store uses them.

pub mod api_tokens;
pub mod sessions;
pub mod users;
