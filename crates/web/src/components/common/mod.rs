pub mod avatar;
pub mod field;
pub mod form_error;
pub mod icon;
pub mod theme_toggle;
