//! Where uploaded files live: one interface over two back ends, the data folder (the default)
//! and any S3-compatible object store. Both are `object_store` stores, so writing (in parts, as
//! the bytes arrive), reading a range and deleting are the same code; they differ in how a
//! reader gets the bytes: from the disk Parley streams them itself, from S3 it redirects to a
//! short-lived presigned URL.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::signer::Signer;
use object_store::{
    Attribute, Attributes, GetOptions, GetRange, GetResult, ObjectStore, PutMultipartOptions,
    PutOptions, PutPayload, WriteMultipart,
};

use crate::config::{Config, StorageConfig};
use crate::error::{AppError, AppResult};

/// How a file is described to whoever downloads it straight from the store (S3 sends these
/// headers itself; the disk back end has no place for them and Parley sets them when serving).
#[derive(Debug, Clone)]
pub struct Described {
    pub content_type: String,
    pub content_disposition: String,
}

#[derive(Debug, Clone)]
pub struct Storage {
    objects: Arc<dyn ObjectStore>,
    /// Set for S3: downloads are redirected to URLs it signs.
    s3: Option<(Arc<AmazonS3>, Duration)>,
    /// Bytes buffered per part while writing. S3 wants parts of at least 5 MiB; the disk writes
    /// each part as it fills, so small parts keep an upload's memory small.
    part_size: usize,
}

impl Storage {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        match &config.storage {
            StorageConfig::Disk => {
                let root = config.data_dir.join("files");
                std::fs::create_dir_all(&root)
                    .with_context(|| format!("cannot create {}", root.display()))?;
                let local = LocalFileSystem::new_with_prefix(&root)
                    .with_context(|| format!("cannot use {} for files", root.display()))?;
                Ok(Self {
                    objects: Arc::new(local),
                    s3: None,
                    part_size: 256 * 1024,
                })
            }
            StorageConfig::S3(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key.0)
                    .with_virtual_hosted_style_request(!s3.path_style);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                let store = Arc::new(builder.build().context("the S3 settings are not usable")?);
                Ok(Self {
                    objects: store.clone(),
                    s3: Some((store, s3.url_expiry)),
                    part_size: 5 * 1024 * 1024,
                })
            }
        }
    }

    /// `disk` or `s3`, for logs.
    pub fn backend(&self) -> &'static str {
        if self.s3.is_some() { "s3" } else { "disk" }
    }

    /// Starts writing `key` in parts. Nothing is visible under `key` until [`WriteMultipart::finish`].
    pub async fn writer(&self, key: &Key, described: &Described) -> AppResult<WriteMultipart> {
        let opts = PutMultipartOptions {
            attributes: self.attributes(described),
            ..Default::default()
        };
        let upload = self
            .objects
            .put_multipart_opts(key, opts)
            .await
            .map_err(AppError::internal)?;
        Ok(WriteMultipart::new_with_chunk_size(upload, self.part_size))
    }

    /// Stores small contents (thumbnails, re-encoded images) in one request.
    pub async fn put(&self, key: &Key, bytes: Bytes, described: &Described) -> AppResult<()> {
        let opts = PutOptions {
            attributes: self.attributes(described),
            ..Default::default()
        };
        self.objects
            .put_opts(key, PutPayload::from_bytes(bytes), opts)
            .await
            .map_err(AppError::internal)?;
        Ok(())
    }

    fn attributes(&self, described: &Described) -> Attributes {
        let mut attributes = Attributes::new();
        if self.s3.is_some() {
            attributes.insert(
                Attribute::ContentType,
                described.content_type.clone().into(),
            );
            attributes.insert(
                Attribute::ContentDisposition,
                described.content_disposition.clone().into(),
            );
            attributes.insert(Attribute::CacheControl, "private, max-age=300".into());
        }
        attributes
    }

    /// The bytes of `key` in `range` (all of it without one), as a stream.
    pub async fn read(&self, key: &Key, range: Option<Range<u64>>) -> AppResult<GetResult> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        self.objects
            .get_opts(key, options)
            .await
            .map_err(not_found_or_internal)
    }

    /// The stored size of `key`.
    pub async fn size(&self, key: &Key) -> AppResult<u64> {
        Ok(self
            .objects
            .head(key)
            .await
            .map_err(not_found_or_internal)?
            .size)
    }

    /// The whole of a small file, for image processing. Callers have checked its size.
    pub async fn read_all(&self, key: &Key) -> AppResult<Bytes> {
        self.read(key, None)
            .await?
            .bytes()
            .await
            .map_err(AppError::internal)
    }

    /// Deletes `key`; one already gone is fine.
    pub async fn delete(&self, key: &Key) -> AppResult<()> {
        match self.objects.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(AppError::internal(err)),
        }
    }

    /// With S3, a URL that lets whoever holds it read `key` for a few minutes; `None` on disk.
    pub async fn presigned(&self, key: &Key) -> AppResult<Option<String>> {
        let Some((s3, expiry)) = &self.s3 else {
            return Ok(None);
        };
        let url = s3
            .signed_url(axum::http::Method::GET, key, *expiry)
            .await
            .map_err(AppError::internal)?;
        Ok(Some(url.to_string()))
    }
}

/// The origin presigned download URLs point at (S3 only), which the web app's pages must be
/// allowed to load pictures and media from.
pub fn download_origin(storage: &StorageConfig) -> Option<String> {
    let StorageConfig::S3(s3) = storage else {
        return None;
    };
    let endpoint = s3
        .endpoint
        .clone()
        .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", s3.region));
    let (scheme, rest) = endpoint.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(if s3.path_style {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{}.{host}", s3.bucket)
    })
}

fn not_found_or_internal(err: object_store::Error) -> AppError {
    match err {
        object_store::Error::NotFound { .. } => AppError::not_found(),
        err => AppError::internal(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{S3Config, Secret};

    fn s3(endpoint: Option<&str>, path_style: bool) -> StorageConfig {
        StorageConfig::S3(S3Config {
            bucket: "media".into(),
            endpoint: endpoint.map(str::to_owned),
            region: "eu-west-3".into(),
            access_key_id: "key".into(),
            secret_access_key: Secret("secret".into()),
            path_style,
            url_expiry: Duration::from_secs(300),
        })
    }

    #[test]
    fn pages_may_load_media_from_the_bucket_downloads_are_sent_to() {
        assert_eq!(download_origin(&StorageConfig::Disk), None);
        assert_eq!(
            download_origin(&s3(Some("http://127.0.0.1:9000/"), true)).as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(
            download_origin(&s3(None, false)).as_deref(),
            Some("https://media.s3.eu-west-3.amazonaws.com")
        );
    }
}
