//! Uploads: `multipart/form-data` request bodies (what bot libraries send when a call carries a
//! file), the size of an uploaded picture (PNG, JPEG, GIF, WebP headers; Telegram refuses
//! anything it cannot read as an image), and a document's MIME type from its name.

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// The form field's `name`.
    pub name: String,
    /// `filename` (a file part has one).
    pub file_name: Option<String>,
    /// The part's `Content-Type`.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

/// A `boundary` parameter of a `Content-Type` header (quoted or not).
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim().trim_matches('"');
        (!v.is_empty()).then(|| v.to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A parameter of a `Content-Disposition` header: `name="x"`, `filename="y"`, or the RFC 5987
/// form `filename*=UTF-8''%D0%A4.pdf` (which wins).
fn disposition_param(header: &str, key: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in header.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let k = k.trim();
        let v = v.trim();
        if k.eq_ignore_ascii_case(key) {
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            plain = Some(v.replace("\\\"", "\""));
        } else if k.eq_ignore_ascii_case(&format!("{key}*")) {
            let encoded = v.splitn(3, '\'').nth(2).unwrap_or(v);
            extended = Some(percent_decode(encoded));
        }
    }
    extended.or(plain)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a `multipart/form-data` body into its parts. `Err` names what is wrong.
pub(crate) fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = boundary(content_type).ok_or("no boundary in the multipart Content-Type")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut closing = b"\r\n".to_vec();
    closing.extend_from_slice(&delimiter);
    let mut pos =
        find(body, &delimiter, 0).ok_or("the multipart body has no boundary")? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        // The rest of the boundary line (transport padding, then CRLF).
        let line_end = find(body, b"\r\n", pos).ok_or("a multipart part is cut short")?;
        let head_start = line_end + 2;
        let (head_end, data_start) = if body[head_start..].starts_with(b"\r\n") {
            (head_start, head_start + 2)
        } else {
            let end =
                find(body, b"\r\n\r\n", head_start).ok_or("a multipart part has no header end")?;
            (end, end + 4)
        };
        let head = String::from_utf8_lossy(&body[head_start..head_end]);
        let data_end =
            find(body, &closing, data_start).ok_or("the multipart body is not closed")?;
        let mut name = None;
        let mut file_name = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    name = disposition_param(value, "name");
                    file_name = disposition_param(value, "filename");
                }
                "content-type" => part_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        parts.push(Part {
            name: name.ok_or("a multipart part has no name")?,
            file_name,
            content_type: part_type,
            data: body[data_start..data_end].to_vec(),
        });
        pos = data_end + closing.len();
    }
}

/// An image's `(width, height)` from its header: PNG, JPEG, GIF or WebP.
pub(crate) fn image_size(b: &[u8]) -> Option<(u32, u32)> {
    let be16 = |i: usize| Some(u32::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])));
    let le16 = |i: usize| Some(u32::from(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?])));
    let le24 = |i: usize| {
        Some(u32::from_le_bytes([
            *b.get(i)?,
            *b.get(i + 1)?,
            *b.get(i + 2)?,
            0,
        ]))
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
        let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
        return Some((w, h));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some((le16(6)?, le16(8)?));
    }
    if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return match b.get(12..16)? {
            b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
            b"VP8L" => {
                let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
                Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
            }
            b"VP8 " => Some((le16(26)? & 0x3fff, le16(28)? & 0x3fff)),
            _ => None,
        };
    }
    if b.starts_with(&[0xff, 0xd8]) {
        // JPEG: walk the segments to the first start-of-frame.
        let mut i = 2;
        while i + 4 <= b.len() {
            if b[i] != 0xff {
                return None;
            }
            let marker = b[i + 1];
            if marker == 0xff {
                i += 1;
                continue;
            }
            let len = usize::try_from(be16(i + 2)?).ok()?;
            let sof = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
            if sof {
                return Some((be16(i + 7)?, be16(i + 5)?));
            }
            i += 2 + len;
        }
    }
    None
}

/// The sizes Telegram makes of a photo: the longest side scaled to 90, 320, 800, 1280 and 2560
/// pixels, never above the original (which is the last).
pub(crate) fn photo_sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let longest = width.max(height).max(1);
    let mut out = Vec::new();
    for limit in [90u32, 320, 800, 1280, 2560] {
        if limit >= longest {
            break;
        }
        let scale = |side: u32| {
            u32::try_from(u64::from(side) * u64::from(limit) / u64::from(longest))
                .unwrap_or(1)
                .max(1)
        };
        out.push((scale(width), scale(height)));
    }
    let (w, h) = if longest > 2560 {
        let scale = |side: u32| {
            u32::try_from(u64::from(side) * 2560 / u64::from(longest))
                .unwrap_or(1)
                .max(1)
        };
        (scale(width), scale(height))
    } else {
        (width, height)
    };
    out.push((w, h));
    out
}

/// A document's MIME type: the part's own unless generic, else guessed from the name.
pub(crate) fn mime_type(content_type: Option<&str>, file_name: &str) -> String {
    if let Some(t) = content_type
        .map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty() && t != "application/octet-stream")
    {
        return t;
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        _ => "application/octet-stream",
    }
    .to_owned()
}

/// The extension of a stored file's `file_path`.
pub(crate) fn extension(file_name: Option<&str>, mime: &str) -> String {
    if let Some((_, e)) = file_name.and_then(|n| n.rsplit_once('.'))
        && !e.is_empty()
        && e.len() <= 8
        && e.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return e.to_ascii_lowercase();
    }
    match mime {
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/jpeg" => "jpg",
        "application/pdf" => "pdf",
        _ => "bin",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_files_and_encoded_file_names() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--X\r\n--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"x.txt\"; filename*=UTF-8''%D0%B7%D0%B2%D1%96%D1%82.pdf\r\n\r\n\r\n--XyZ--\r\n";
        let parts = parse_multipart("multipart/form-data; boundary=\"XyZ\"", body).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("chat_id", &b"42"[..])
        );
        assert_eq!(parts[0].file_name, None);
        assert_eq!(parts[1].file_name.as_deref(), Some("a.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].data, b"\x89PNG\r\n--X");
        assert_eq!(parts[2].file_name.as_deref(), Some("звіт.pdf"));
        assert!(parts[2].data.is_empty());
        assert!(parse_multipart("multipart/form-data", body).is_err());
        assert!(parse_multipart("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken").is_err());
    }

    #[test]
    fn image_sizes_from_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((640, 480)));
        assert_eq!(image_size(b"GIF89a\x10\x00\x20\x00"), Some((16, 32)));
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01,
            0x2c, 0x01, 0x90, 0x03,
        ];
        assert_eq!(image_size(&jpeg), Some((400, 300)));
        assert_eq!(image_size(b"%PDF-1.7"), None);
    }

    #[test]
    fn photo_sizes_never_exceed_the_original() {
        assert_eq!(
            photo_sizes(400, 300),
            vec![(90, 67), (320, 240), (400, 300)]
        );
        assert_eq!(photo_sizes(50, 20), vec![(50, 20)]);
        assert_eq!(photo_sizes(5120, 100).last(), Some(&(2560, 50)));
        assert_eq!(mime_type(None, "Звіт.PDF"), "application/pdf");
        assert_eq!(
            mime_type(Some("text/csv; charset=utf-8"), "x.bin"),
            "text/csv"
        );
    }
}
