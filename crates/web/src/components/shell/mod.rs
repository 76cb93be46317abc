//! The signed-in layout: server rail, sidebar, main pane, user panel.

pub mod home_pane;
pub mod pane_header;
pub mod server_rail;
pub mod sidebar;
pub mod signed_in;
pub mod user_panel;
