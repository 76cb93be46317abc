//! Pictures sent as attachments: decoded under the same caps as icons (the declared size is
//! checked before decoding, the decoder's allocations are bounded), turned upright, stored again
//! without metadata (EXIF, GPS above all), and given a thumbnail and a tiny placeholder.

use std::io::Cursor;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use parley_shared::ErrorCode;

use crate::error::{AppError, AppResult};

/// Longest side of a thumbnail.
pub const THUMBNAIL_SIDE: u32 = 400;
/// Longest side of the placeholder: a few pixels, blurred by the client.
const PLACEHOLDER_SIDE: u32 = 16;
/// Longest side a picture may declare (a 48-megapixel phone photo is 8064 px wide).
pub const MAX_DECLARED_SIDE: u32 = 8192;
/// Most the decoder may allocate for one picture.
const MAX_DECODE_ALLOC: u64 = 200 * 1024 * 1024;
const JPEG_QUALITY: u8 = 90;

/// A picture ready to store.
pub struct Picture {
    /// The picture again without its metadata; `None` when the original is kept (GIF, which
    /// carries no EXIF and would lose its animation).
    pub cleaned: Option<Bytes>,
    /// WebP, at most [`THUMBNAIL_SIDE`] a side.
    pub thumbnail: Bytes,
    pub width: u32,
    pub height: u32,
    /// A `data:` URL of a PNG at most [`PLACEHOLDER_SIDE`] a side.
    pub placeholder: String,
}

/// The pictures we decode; others (TIFF, HEIC, AVIF...) are kept as plain files.
pub fn processable(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

fn unreadable() -> AppError {
    AppError::new(ErrorCode::ValidationFailed, "The image could not be read.")
        .with_field("file", "is not a readable image")
}

/// Decodes, turns upright, re-encodes without metadata, and makes the thumbnail and placeholder.
pub fn prepare(bytes: &[u8], format: ImageFormat) -> AppResult<Picture> {
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| unreadable())?;
    if width > MAX_DECLARED_SIDE || height > MAX_DECLARED_SIDE {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            format!("Images may be at most {MAX_DECLARED_SIDE} pixels a side."),
        )
        .with_field(
            "file",
            format!("is {width}×{height}; at most {MAX_DECLARED_SIDE} pixels a side"),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECLARED_SIDE);
    limits.max_image_height = Some(MAX_DECLARED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let orientation = decoder.orientation().map_err(|_| unreadable())?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    // The EXIF orientation is about to be dropped with the rest: apply it to the pixels.
    image.apply_orientation(orientation);

    let cleaned = match format {
        ImageFormat::Gif => None,
        ImageFormat::Jpeg => {
            let mut out = Vec::new();
            let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
                .map_err(AppError::internal)?;
            Some(Bytes::from(out))
        }
        ImageFormat::WebP => Some(encode(&to_8bit(&image), ImageFormat::WebP)?),
        _ => Some(encode(&image, ImageFormat::Png)?),
    };
    let thumbnail = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        image.clone()
    };
    let tiny = image
        .thumbnail(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE)
        .to_rgb8();
    let placeholder = encode(&DynamicImage::ImageRgb8(tiny), ImageFormat::Png)?;
    Ok(Picture {
        cleaned,
        thumbnail: encode(&to_8bit(&thumbnail), ImageFormat::WebP)?,
        width: image.width(),
        height: image.height(),
        placeholder: format!("data:image/png;base64,{}", STANDARD.encode(&placeholder)),
    })
}

/// WebP holds 8-bit RGB(A) only.
fn to_8bit(image: &DynamicImage) -> DynamicImage {
    if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
    }
}

fn encode(image: &DynamicImage, format: ImageFormat) -> AppResult<Bytes> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), format)
        .map_err(AppError::internal)?;
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        DynamicImage::new_rgb8(width, height)
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    #[test]
    fn thumbnails_fit_in_400_pixels_and_keep_the_shape() {
        let picture = prepare(&encoded(1200, 600, ImageFormat::Png), ImageFormat::Png).unwrap();
        assert_eq!((picture.width, picture.height), (1200, 600));
        let thumbnail = image::load_from_memory(&picture.thumbnail).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (400, 200));
        assert!(picture.placeholder.starts_with("data:image/png;base64,"));
    }

    #[test]
    fn small_pictures_are_not_enlarged() {
        let picture = prepare(&encoded(50, 30, ImageFormat::Jpeg), ImageFormat::Jpeg).unwrap();
        let thumbnail = image::load_from_memory(&picture.thumbnail).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (50, 30));
    }
}
