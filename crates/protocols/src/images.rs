//! Photos from the public (field reports, Open311 uploads): sniffed by content, checked against size limits before
//! any pixel is decoded, turned upright by their EXIF orientation, shrunk and re-encoded as JPEG.
//!
//! Re-encoding is the point: the new file carries only pixels, so EXIF (GPS position, camera serial, owner name)
//! and any payload hidden in the original are gone. The design says so for every photo that enters the platform.
//! The work is CPU-heavy: call [`sanitize_photo`] from `spawn_blocking`.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};
use smartcity_domain::ValidationError;

/// Giới hạn ảnh: what a photo may weigh and measure before it is decoded, and how large it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoLimits {
    /// Largest upload accepted, in bytes.
    pub max_bytes: usize,
    /// Largest width or height the header may claim, in pixels.
    pub max_side: u32,
    /// Largest width × height the header may claim: the decompression-bomb guard (a 40 kB PNG can claim
    /// 50000 × 50000 pixels, 10 GB once decoded).
    pub max_pixels: u64,
    /// The kept photo is shrunk so that neither side exceeds this (FixMyStreet keeps 2048 px too).
    pub output_max_side: u32,
    /// JPEG quality of the kept photo, 1–100.
    pub jpeg_quality: u8,
}

impl Default for PhotoLimits {
    /// 10 MB, 12000 px a side, 50 megapixels; kept at 2048 px, quality 85.
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_side: 12_000,
            max_pixels: 50_000_000,
            output_max_side: 2048,
            jpeg_quality: 85,
        }
    }
}

/// Ảnh đã làm sạch: a photo safe to store and show, with no metadata left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    /// The JPEG file.
    pub bytes: Vec<u8>,
    /// Always `image/jpeg`.
    pub content_type: &'static str,
    /// Width after orientation and shrinking, in pixels.
    pub width: u32,
    /// Height after orientation and shrinking, in pixels.
    pub height: u32,
    /// SHA-256 of `bytes`, lowercase hex: the content address the blob store uses.
    pub sha256: String,
}

/// Kiểm tra và làm sạch ảnh: sniffs the real format (JPEG, PNG or WebP; the file name and the declared type are
/// not trusted), refuses oversized files and oversized dimensions from the header before decoding, applies the
/// EXIF orientation, shrinks to [`PhotoLimits::output_max_side`] and re-encodes as JPEG without metadata.
pub fn sanitize_photo(bytes: &[u8], limits: &PhotoLimits) -> Result<CleanPhoto, ValidationError> {
    if bytes.len() > limits.max_bytes {
        return Err(ValidationError::new(
            "photo",
            "photo_too_large",
            format!("Ảnh quá lớn: tối đa {} MB.", limits.max_bytes / (1024 * 1024)),
            format!("The photo is too large: at most {} MB.", limits.max_bytes / (1024 * 1024)),
        ));
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| not_an_image())?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        Some(_) => {
            return Err(ValidationError::new(
                "photo",
                "photo_unsupported_format",
                "Chỉ nhận ảnh JPEG, PNG hoặc WebP.",
                "Only JPEG, PNG or WebP photos are accepted.",
            ));
        }
        None => return Err(not_an_image()),
    }
    let mut reader = reader;
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    // RGBA at 4 bytes a pixel plus the decoder's own buffers.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4).saturating_add(64 * 1024 * 1024));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(limits),
        _ => corrupt(),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(too_many_pixels(limits));
    }
    // A broken EXIF block is no reason to lose the photo: keep it as stored.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut photo = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(limits),
        _ => corrupt(),
    })?;
    photo.apply_orientation(orientation);
    if photo.width() > limits.output_max_side || photo.height() > limits.output_max_side {
        photo = photo.resize(limits.output_max_side, limits.output_max_side, FilterType::Triangle);
    }
    let rgb = flatten_on_white(photo);
    let mut out = Vec::with_capacity(bytes.len().min(4 * 1024 * 1024));
    JpegEncoder::new_with_quality(&mut out, limits.jpeg_quality.clamp(1, 100))
        .encode_image(&rgb)
        .map_err(|_| corrupt())?;
    let sha256 = hex::encode(Sha256::digest(&out));
    Ok(CleanPhoto { width: rgb.width(), height: rgb.height(), bytes: out, content_type: "image/jpeg", sha256 })
}

/// JPEG has no transparency: a transparent PNG/WebP pixel becomes white (as on a page), not black.
fn flatten_on_white(photo: DynamicImage) -> RgbImage {
    if !photo.color().has_alpha() {
        return photo.into_rgb8();
    }
    let rgba = photo.into_rgba8();
    let (w, h) = rgba.dimensions();
    RgbImage::from_fn(w, h, |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

fn not_an_image() -> ValidationError {
    ValidationError::new(
        "photo",
        "photo_not_image",
        "Tệp gửi lên không phải là ảnh (JPEG, PNG hoặc WebP).",
        "The file is not a photo (JPEG, PNG or WebP).",
    )
}

fn corrupt() -> ValidationError {
    ValidationError::new(
        "photo",
        "photo_corrupt",
        "Ảnh bị hỏng, không đọc được.",
        "The photo is damaged and cannot be read.",
    )
}

fn too_many_pixels(limits: &PhotoLimits) -> ValidationError {
    ValidationError::new(
        "photo",
        "photo_dimensions_too_large",
        format!(
            "Kích thước ảnh quá lớn: tối đa {} điểm ảnh mỗi cạnh và {} megapixel.",
            limits.max_side,
            limits.max_pixels / 1_000_000
        ),
        format!(
            "The photo's dimensions are too large: at most {} px a side and {} megapixels.",
            limits.max_side,
            limits.max_pixels / 1_000_000
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, RgbImage};

    /// A 16 × 8 JPEG: left half red, right half blue.
    fn red_blue_jpeg() -> Vec<u8> {
        let img = RgbImage::from_fn(16, 8, |x, _| if x < 8 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 95).encode_image(&img).expect("encode");
        out
    }

    /// An APP1 Exif segment (little-endian TIFF) with Orientation and a GPS IFD holding a latitude reference and
    /// a recognisable marker in GPSMapDatum.
    fn exif_app1(orientation: u16) -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"II\x2A\x00");
        tiff.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: 2 entries.
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation, SHORT, 1
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&u32::from(orientation).to_le_bytes());
        tiff.extend_from_slice(&0x8825u16.to_le_bytes()); // GPSInfo IFD pointer, LONG, 1
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&38u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        // GPS IFD at 38: 2 entries, then the datum text at 38 + 2 + 24 + 4 = 68.
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&0x0001u16.to_le_bytes()); // GPSLatitudeRef "N"
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&2u32.to_le_bytes());
        tiff.extend_from_slice(b"N\0\0\0");
        tiff.extend_from_slice(&0x0012u16.to_le_bytes()); // GPSMapDatum
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&16u32.to_le_bytes());
        tiff.extend_from_slice(&68u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(b"GPS-SECRET-HUE\0\0");
        let mut app1 = vec![0xFF, 0xE1];
        let len = u16::try_from(2 + 6 + tiff.len()).expect("small");
        app1.extend_from_slice(&len.to_be_bytes());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend_from_slice(&tiff);
        app1
    }

    fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend(exif_app1(orientation));
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn exif_and_gps_are_gone_after_sanitising() {
        let input = with_exif(&red_blue_jpeg(), 1);
        assert!(contains(&input, b"GPS-SECRET-HUE"), "the fixture carries GPS data");
        let clean = sanitize_photo(&input, &PhotoLimits::default()).expect("a valid photo");
        assert!(!contains(&clean.bytes, b"Exif"));
        assert!(!contains(&clean.bytes, b"GPS-SECRET-HUE"));
        assert_eq!(clean.content_type, "image/jpeg");
        assert_eq!((clean.width, clean.height), (16, 8));
        assert_eq!(clean.sha256, hex::encode(Sha256::digest(&clean.bytes)));
        assert_eq!(image::guess_format(&clean.bytes).expect("format"), ImageFormat::Jpeg);
    }

    #[test]
    fn orientation_6_turns_the_photo_a_quarter_clockwise() {
        let input = with_exif(&red_blue_jpeg(), 6);
        let clean = sanitize_photo(&input, &PhotoLimits::default()).expect("a valid photo");
        assert_eq!((clean.width, clean.height), (8, 16));
        let decoded = image::load_from_memory(&clean.bytes).expect("decodes").into_rgb8();
        // Rotated clockwise, the left (red) half is now on top and the right (blue) half below.
        let top = decoded.get_pixel(4, 2).0;
        let bottom = decoded.get_pixel(4, 13).0;
        assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom is blue: {bottom:?}");
    }

    #[test]
    fn a_text_file_is_refused_whatever_it_is_called() {
        let err = sanitize_photo(b"<html>not a photo</html>", &PhotoLimits::default()).expect_err("refused");
        assert_eq!(err.code, "photo_not_image");
        assert_eq!(err.field, "photo");
        assert!(!err.vi.is_empty() && !err.en.is_empty());
        assert_eq!(sanitize_photo(b"", &PhotoLimits::default()).expect_err("empty").code, "photo_not_image");
    }

    #[test]
    fn other_image_formats_are_refused() {
        let err = sanitize_photo(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", &PhotoLimits::default()).expect_err("gif");
        assert_eq!(err.code, "photo_unsupported_format");
    }

    #[test]
    fn oversized_files_are_refused_before_anything_else() {
        let limits = PhotoLimits { max_bytes: 100, ..PhotoLimits::default() };
        let err = sanitize_photo(&red_blue_jpeg(), &limits).expect_err("too big");
        assert_eq!(err.code, "photo_too_large");
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A valid 1 × 1 PNG whose IHDR is rewritten to claim `width` × `height` (with a correct CRC).
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0, 0, 0], 1, 1, image::ExtendedColorType::Rgb8)
            .expect("encode");
        // Signature (8), IHDR length (4), "IHDR" (4), width, height at 16..24, data up to 29, CRC at 29..33.
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        let bomb = png_claiming(50_000, 50_000);
        assert!(bomb.len() < 200);
        let err = sanitize_photo(&bomb, &PhotoLimits::default()).expect_err("bomb");
        assert_eq!(err.code, "photo_dimensions_too_large");
        // Within each side but too many pixels in all.
        let limits = PhotoLimits { max_pixels: 1_000_000, ..PhotoLimits::default() };
        let err = sanitize_photo(&png_claiming(2000, 2000), &limits).expect_err("too many pixels");
        assert_eq!(err.code, "photo_dimensions_too_large");
    }

    #[test]
    fn a_truncated_photo_is_refused_as_damaged() {
        let jpeg = red_blue_jpeg();
        let err = sanitize_photo(&jpeg[..jpeg.len() / 3], &PhotoLimits::default()).expect_err("truncated");
        assert_eq!(err.code, "photo_corrupt");
    }

    #[test]
    fn large_photos_are_shrunk_and_transparent_pixels_become_white() {
        let img = image::RgbaImage::from_pixel(3000, 1500, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(img.as_raw(), 3000, 1500, image::ExtendedColorType::Rgba8)
            .expect("encode");
        let clean = sanitize_photo(&png, &PhotoLimits::default()).expect("valid");
        assert_eq!((clean.width, clean.height), (2048, 1024));
        let decoded = image::load_from_memory(&clean.bytes).expect("decodes").into_rgb8();
        assert!(decoded.get_pixel(10, 10).0.iter().all(|&c| c > 240));
    }
}
