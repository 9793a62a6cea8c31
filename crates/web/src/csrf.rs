//! The CSRF token of a multipart upload. The upload forms send it as their
//! first part (`csrf`), never in the query string, where it could end up in
//! a log. Only that first part is read here; the body then goes on whole to
//! the handler, still streaming, so a large file is never held in memory.

use axum::body::{Body, Bytes};

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

use futures_util::{stream, StreamExt};

/// How much of a body is read looking for the first part: the token part
/// is tiny, so a body whose first part is larger has no token there.
const MAX_PEEK: usize = 16 * 1024;

/// The token in the first part of a `multipart/form-data` body, if that part
/// is named `csrf`, and the body, unchanged, to pass on.
pub async fn multipart_token(content_type: &str, body: Body) -> (Option<String>, Body) {
    let Some(boundary) = boundary(content_type) else {
        return (None, body);
    };
    let mut rest = body.into_data_stream();
    let mut seen = Vec::new();
    let mut token = None;
    let mut failed = None;
    let (open, close) = (format!("--{boundary}\r\n"), format!("\r\n--{boundary}"));
    while seen.len() < MAX_PEEK {
        let before = seen.len();
        match rest.next().await {
            Some(Ok(chunk)) => seen.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
        // Read the part again only when it may have ended (its close
        // searched in the new bytes alone) or its opening just arrived:
        // rescanning all at each chunk cost quadratic time for a body sent
        // a byte a chunk, before any token was checked.
        let new = &seen[before.saturating_sub(close.len())..];
        let opened = before < open.len() && seen.len() >= open.len();
        if !opened && find(new, close.as_bytes()).is_none() {
            continue;
        }
        if let Some(found) = first_part(&seen, &boundary) {
            token = found;
            break;
        }
    }
    let head = stream::once(async move {
        match failed {
            Some(e) => Err(e),
            None => Ok(Bytes::from(seen)),
        }
    });
    (token, Body::from_stream(head.chain(rest)))
}

fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// `None` while the first part is not complete in `seen`; then the token if
/// that part is the `csrf` field.
fn first_part(seen: &[u8], boundary: &str) -> Option<Option<String>> {
    let open = format!("--{boundary}\r\n");
    let close = format!("\r\n--{boundary}");
    if seen.len() < open.len() {
        return None;
    }
    if !seen.starts_with(open.as_bytes()) {
        return Some(None);
    }
    let part = &seen[open.len()..];
    let end = find(part, close.as_bytes())?;
    let part = &part[..end];
    let Some(split) = find(part, b"\r\n\r\n") else {
        return Some(None);
    };
    let headers = String::from_utf8_lossy(&part[..split]).to_ascii_lowercase();
    let named_csrf = headers.lines().any(|h| {
        h.starts_with("content-disposition:")
            && h.split(';')
                .any(|p| p.trim() == format!("name=\"{}\"", CSRF_FIELD))
    });
    if !named_csrf {
        return Some(None);
    }
    Some(
        std::str::from_utf8(&part[split + 4..])
            .ok()
            .map(str::to_owned),
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn peek(content_type: &str, body: &'static [u8]) -> (Option<String>, Vec<u8>) {
        let (token, body) = multipart_token(content_type, Body::from(body)).await;
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (token, bytes.to_vec())
    }

    #[tokio::test]
    async fn the_first_csrf_part_is_read_and_the_body_passes_on_whole() {
        let body: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\r\n--XyZ--\r\n";
        let (token, passed) = peek("multipart/form-data; boundary=XyZ", body).await;
        assert_eq!(token.as_deref(), Some("tok123"));
        assert_eq!(passed, body);
        let (token, _) = peek("multipart/form-data; boundary=\"XyZ\"", body).await;
        assert_eq!(token.as_deref(), Some("tok123"));
    }

    #[tokio::test]
    async fn a_token_elsewhere_or_a_wrong_type_is_no_token() {
        let body: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--XyZ--\r\n";
        let (token, passed) = peek("multipart/form-data; boundary=XyZ", body).await;
        assert_eq!(token, None);
        assert_eq!(passed, body);
        assert_eq!(peek("text/csv", b"a,b").await, (None, b"a,b".to_vec()));
        // A name that only starts like the field's is another field.
        let body: &[u8] =
            b"--B\r\nContent-Disposition: form-data; name=\"csrfx\"\r\n\r\nt\r\n--B--\r\n";
        assert_eq!(peek("multipart/form-data; boundary=B", body).await.0, None);
    }

    /// The part is found however the body is cut: here a byte a chunk,
    /// the delimiters split across chunks (the close is searched in the
    /// new bytes only, a few back).
    #[tokio::test]
    async fn a_body_sent_a_byte_at_a_time_gives_its_token() {
        let body: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\r\n--XyZ--\r\n";
        let chunks = body
            .chunks(1)
            .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)));
        let stream = Body::from_stream(stream::iter(chunks));
        let (token, passed) = multipart_token("multipart/form-data; boundary=XyZ", stream).await;
        assert_eq!(token.as_deref(), Some("tok123"));
        let passed = axum::body::to_bytes(passed, usize::MAX).await.unwrap();
        assert_eq!(passed, body);
    }
}
