//! A channel: its messages, the composer, and the connection indicator.

pub mod channel_pane;
pub mod chat_view;
pub mod composer;
pub mod connection_indicator;
pub mod emoji_picker;
pub mod message_content;
pub mod message_item;
pub mod message_list;
pub mod pins_panel;
pub mod reaction_bar;
pub mod server_index;
