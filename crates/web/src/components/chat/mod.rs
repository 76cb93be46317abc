//! A channel: its messages (with their files), the composer (with the files going with the next
//! message), and the connection indicator.

pub mod attachment_list;
pub mod channel_pane;
pub mod chat_view;
pub mod composer;
pub mod connection_indicator;
pub mod emoji_picker;
pub mod image_viewer;
pub mod message_content;
pub mod message_item;
pub mod message_list;
pub mod pins_panel;
pub mod reaction_bar;
pub mod server_index;
pub mod upload_tray;
