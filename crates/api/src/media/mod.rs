//! Uploaded media: message attachments (with pictures prepared in `images`), profile pictures
//! (`avatars`, on the same storage) and server icons.
//! Attachments live in [`storage::Storage`] (the data folder or S3) and are served through
//! access checks; icons live under the data folder, named by the hash of their content, and are
//! served with a long cache lifetime (a new picture is a new name).

pub mod attachments;
pub mod avatars;
pub mod icons;
pub mod images;
pub mod storage;
