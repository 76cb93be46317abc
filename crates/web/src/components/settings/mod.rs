pub mod avatar_form;
pub mod password_form;
pub mod profile_form;
pub mod settings_page;
pub mod tokens_panel;
