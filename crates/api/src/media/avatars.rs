//! Profile pictures: checked and converted like server icons (by their bytes, declared size
//! first, capped decoder, on the bounded pool), cropped square at 256 px, stored as PNG on the
//! attachments' storage (the data folder or S3) under their content hash, and served to anyone
//! signed in (from S3 by a presigned redirect).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use object_store::path::Path as Key;
use sha2::{Digest, Sha256};

use super::icons;
use super::storage::{Described, Storage};
use crate::error::{AppError, AppResult};
use crate::limits::BlockingPool;

/// Longest side of a stored avatar.
pub const SIDE: u32 = 256;
pub const URL_PREFIX: &str = "/api/v1/avatars";

pub fn url(hash: &str) -> String {
    format!("{URL_PREFIX}/{hash}")
}

fn key(hash: &str) -> Key {
    Key::from(format!("avatars/{hash}.png"))
}

/// Hashes are ours (hex); anything else names nothing.
fn valid(hash: &str) -> bool {
    hash.len() == 32 && hash.chars().all(|c| c.is_ascii_hexdigit())
}

/// Converts (on `decoders`) and stores an uploaded picture; returns its hash.
pub async fn store(
    storage: &Storage,
    decoders: &BlockingPool,
    bytes: Vec<u8>,
) -> AppResult<String> {
    let png = decoders
        .run(move || icons::square_png(&bytes, "avatar", "Avatars", SIDE))
        .await??;
    let hash: String = Sha256::digest(&png)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let described = Described {
        content_type: "image/png".into(),
        content_disposition: "inline; filename=\"avatar.png\"".into(),
    };
    storage
        .put(&key(&hash), Bytes::from(png), &described)
        .await?;
    Ok(hash)
}

/// Deletes a stored avatar (once nobody uses it). A failure leaves a stray file: log it.
pub async fn delete(storage: &Storage, hash: &str) {
    if !valid(hash) {
        return;
    }
    if let Err(err) = storage.delete(&key(hash)).await {
        tracing::warn!(error = ?err, hash, "could not delete an unused avatar");
    }
}

/// The picture: immutable (a new picture is a new hash), never run as a document.
pub async fn serve(storage: &Storage, hash: &str) -> AppResult<Response> {
    if !valid(hash) {
        return Err(AppError::not_found());
    }
    let key = key(hash);
    if let Some(location) = storage.presigned(&key).await? {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_str(&location).map_err(AppError::internal)?,
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let size = storage.size(&key).await?;
    let body = Body::from_stream(storage.read(&key, None).await?.into_stream());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}
