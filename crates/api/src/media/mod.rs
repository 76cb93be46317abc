//! Uploaded media: server icons for now. Files live under the data folder, named by the hash of
//! their content, and are served with a long cache lifetime (a new picture is a new name).

pub mod icons;
