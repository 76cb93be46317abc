//! Servers: the dialogs of seed 000 (create, settings, invite, members, channels), the server's
//! sidebar and member list, and the invite and discover pages.

pub mod create_channel_dialog;
pub mod create_server_dialog;
pub mod discover_page;
pub mod edit_channel_dialog;
pub mod icon_picker;
pub mod invite_dialog;
pub mod invite_page;
pub mod join_dialog;
pub mod member_list;
pub mod members_dialog;
pub mod role_badge;
pub mod server_settings_dialog;
pub mod server_sidebar;
