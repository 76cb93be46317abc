//! Server icons: checked by their bytes, decoded, cropped to a square, scaled to at most
//! 512 px and re-encoded as PNG. Re-encoding drops anything but pixels (metadata, trailing
//! payloads), so what we serve is always a plain image.
//!
//! A small file may declare a huge picture (a decompression bomb: 254 KiB claiming 8192×8192
//! decodes to 256 MiB). So the declared size is read from the header and refused before any
//! decoding, the decoder's allocations are capped, and decodes run on a bounded pool.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderValue, header};
use image::{DynamicImage, ImageFormat, ImageReader, Limits, imageops::FilterType};
use parley_shared::ErrorCode;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{AppError, AppResult};

/// Largest upload accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Longest side of a stored icon.
pub const MAX_SIDE: u32 = 512;
/// Longest side an upload may declare. Decoding one costs at most 4096² × 4 bytes = 64 MiB.
pub const MAX_DECLARED_SIDE: u32 = 4096;
/// Most the decoder may allocate for one upload (the picture plus the decoder's own buffers).
pub const MAX_DECODE_ALLOC: u64 = 80 * 1024 * 1024;
/// Where icons are served from.
pub const URL_PREFIX: &str = "/media/icons";

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("icons")
}

pub fn url(hash: &str) -> String {
    format!("{URL_PREFIX}/{hash}.png")
}

/// Serves stored icons. Names are content hashes, so they never change.
pub fn router<S: Clone + Send + Sync + 'static>(data_dir: &Path) -> Router<S> {
    Router::new()
        .nest_service(URL_PREFIX, ServeDir::new(dir(data_dir)))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
}

/// Checks, converts (on `decoders`) and stores an uploaded icon; returns its hash.
pub async fn store(
    data_dir: &Path,
    decoders: &crate::limits::BlockingPool,
    bytes: Vec<u8>,
) -> AppResult<String> {
    let png = decoders.run(move || convert(&bytes)).await??;
    let hash: String = Sha256::digest(&png)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = dir(data_dir);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(AppError::internal)?;
    let path = dir.join(format!("{hash}.png"));
    // Write then rename, so a reader never sees half a file.
    let partial = dir.join(format!("{hash}.png.partial"));
    tokio::fs::write(&partial, &png)
        .await
        .map_err(AppError::internal)?;
    tokio::fs::rename(&partial, &path)
        .await
        .map_err(AppError::internal)?;
    Ok(hash)
}

/// Deletes a stored icon file (when no server uses it any more). A missing file is fine.
pub async fn delete(data_dir: &Path, hash: &str) -> AppResult<()> {
    // Hashes are ours (hex), but a path is built from it: refuse anything else.
    if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(());
    }
    match tokio::fs::remove_file(dir(data_dir).join(format!("{hash}.png"))).await {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(AppError::internal(err)),
    }
}

fn unsupported(field: &str, noun: &str) -> AppError {
    AppError::new(
        ErrorCode::UnsupportedMediaType,
        format!("{noun} must be PNG, JPEG, GIF or WebP images."),
    )
    .with_field(field, "must be a PNG, JPEG, GIF or WebP image")
}

/// The icon as a square PNG of at most [`MAX_SIDE`] pixels.
pub fn convert(bytes: &[u8]) -> AppResult<Vec<u8>> {
    square_png(bytes, "icon", "Icons", MAX_SIDE)
}

/// A picture (an icon, an avatar) as a square PNG of at most `max_side` pixels; errors name
/// the form's `field` and say what the pictures are (`noun`, e.g. "Avatars").
pub fn square_png(bytes: &[u8], field: &str, noun: &str, max_side: u32) -> AppResult<Vec<u8>> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("{noun} may be at most 5 MiB."),
        ));
    }
    let unsupported = || unsupported(field, noun);
    // The bytes decide the format; a file name or a declared type could lie.
    let format = image::guess_format(bytes).map_err(|_| unsupported())?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
    ) {
        return Err(unsupported());
    }
    let unreadable = || {
        AppError::new(ErrorCode::ValidationFailed, "The image could not be read.")
            .with_field(field, "is not a readable image")
    };
    // The header's declared size first: nothing is decoded for a picture too large.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| unreadable())?;
    if width > MAX_DECLARED_SIDE || height > MAX_DECLARED_SIDE {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            format!("{noun} may be at most {MAX_DECLARED_SIDE}×{MAX_DECLARED_SIDE} pixels."),
        )
        .with_field(
            field,
            format!("is {width}×{height}; at most {MAX_DECLARED_SIDE} pixels a side"),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECLARED_SIDE);
    limits.max_image_height = Some(MAX_DECLARED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| unreadable())?;
    let square = crop_to_square(image);
    let side = square.width().min(max_side);
    let scaled = if square.width() > side {
        square.resize_exact(side, side, FilterType::Lanczos3)
    } else {
        square
    };
    let mut png = Vec::new();
    scaled
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(AppError::internal)?;
    Ok(png)
}

fn crop_to_square(image: DynamicImage) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    let side = w.min(h);
    if w == h {
        return image;
    }
    image.crop_imm((w - side) / 2, (h - side) / 2, side, side)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    #[test]
    fn large_rectangles_become_512_pixel_squares() {
        let png = convert(&encoded(1200, 800, ImageFormat::Png)).unwrap();
        let out = image::load_from_memory(&png).unwrap();
        assert_eq!((out.width(), out.height()), (512, 512));
    }

    #[test]
    fn small_images_are_cropped_but_not_enlarged() {
        let png = convert(&encoded(100, 60, ImageFormat::Jpeg)).unwrap();
        let out = image::load_from_memory(&png).unwrap();
        assert_eq!((out.width(), out.height()), (60, 60));
    }

    /// PNG's CRC-32 (bitwise, no table: this is a test).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_picture_declared_too_large_is_refused_before_decoding() {
        // A header claiming 8192×8192 (CRC fixed up); the pixel data is never reached.
        let mut bomb = encoded(1, 1, ImageFormat::Png);
        bomb[16..20].copy_from_slice(&8192u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&8192u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let error = convert(&bomb).unwrap_err();
        assert_eq!(error.code(), ErrorCode::ValidationFailed);
        assert!(error.body.fields["icon"][0].contains("8192"));
    }

    #[test]
    fn formats_are_told_by_their_bytes() {
        assert_eq!(
            convert(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
                .unwrap_err()
                .code(),
            ErrorCode::UnsupportedMediaType
        );
        let mut truncated = encoded(64, 64, ImageFormat::Png);
        truncated.truncate(40);
        assert_eq!(
            convert(&truncated).unwrap_err().code(),
            ErrorCode::ValidationFailed
        );
        let bmp = [b"BM".as_slice(), &[0u8; 64]].concat();
        assert_eq!(
            convert(&bmp).unwrap_err().code(),
            ErrorCode::UnsupportedMediaType
        );
    }
}
