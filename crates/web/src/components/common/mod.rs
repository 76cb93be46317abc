pub mod avatar;
pub mod confirm_dialog;
pub mod field;
pub mod form_error;
pub mod icon;
pub mod modal;
pub mod server_icon;
pub mod theme_toggle;
