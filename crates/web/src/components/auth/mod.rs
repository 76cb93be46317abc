pub mod auth_card;
pub mod login_page;
pub mod register_page;
