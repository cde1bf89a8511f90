//! Request ids: one per request, on every log line written while serving it,
//! in the `X-Request-Id` header of its answer and in its error body, so a
//! client quoting the id of a failed call leads straight to its log lines.
//!
//! A client may send its own id (a gateway's, a trace's) and has it echoed,
//! if it is a sane short token; anything else is replaced by a fresh one
//! rather than refused, since a bad id is no reason to fail a request.
//!
//! The id of the request being served is a tokio task-local
//! ([`RequestId::current`]), set by the accept loop around the whole of the
//! request's handling. That is how warp's `recover`, which sees only the
//! rejection, puts the id into the error body.

use std::fmt;

use rand::Rng;

/// The header the id travels in, both ways.
pub const HEADER: &str = "x-request-id";

/// The longest client id kept: a UUID is 36 characters, a W3C trace id 32.
pub const MAX_LEN: usize = 64;

tokio::task_local! {
    static CURRENT: RequestId;
}

/// One request's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh id: 128 random bits in hex, unique without coordination
    /// between hubs.
    pub fn generate() -> RequestId {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        RequestId(hex::encode(bytes))
    }

    /// A client's id, if it is sane: 1 to [`MAX_LEN`] characters of
    /// `A-Z a-z 0-9 - _ .`, and not a bare number. The id is written to
    /// every log line, and a number (digits, perhaps an `X` check letter)
    /// could be a resident ID, phone or account number, which must never
    /// reach a log in clear (SPEC §4); real request ids carry letters or
    /// separators.
    pub fn from_client(value: &[u8]) -> Option<RequestId> {
        let sane = (1..=MAX_LEN).contains(&value.len())
            && value
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && !value
                .iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b'X' | b'x'));
        // Checked ASCII above, so this is valid UTF-8.
        sane.then(|| RequestId(String::from_utf8_lossy(value).into_owned()))
    }

    /// The id for a request with `header` (its `X-Request-Id`, if any).
    pub fn for_request(header: Option<&[u8]>) -> RequestId {
        header
            .and_then(RequestId::from_client)
            .unwrap_or_else(RequestId::generate)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the request being served by this task, if any.
    pub fn current() -> Option<RequestId> {
        CURRENT.try_with(RequestId::clone).ok()
    }

    /// Run `future` as the handling of this request: [`current`](Self::current)
    /// answers this id inside it.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// Run `work` (synchronous) as part of this request's handling.
    pub fn sync_scope<R>(self, work: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self, work)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_32_hex_digits_and_differ() {
        let (a, b) = (RequestId::generate(), RequestId::generate());
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn sane_client_ids_are_kept() {
        for id in [
            "trace-0001",
            "3f2b9c1e-8a4d-4e0f-9b7a-2c5d6e7f8a9b",
            "gw_42.a",
            "a",
        ] {
            assert_eq!(
                RequestId::from_client(id.as_bytes()).map(|r| r.0),
                Some(id.to_owned())
            );
        }
    }

    #[test]
    fn insane_client_ids_are_refused() {
        let long = "a".repeat(MAX_LEN + 1);
        for id in [
            "",
            long.as_str(),
            "has space",
            "line\nbreak",
            "tab\there",
            "quote\"",
            "中文",
            // Numbers could be an ID, a phone or an account number.
            "110105194912310021",
            "11010519491231002X",
            "13800138000",
        ] {
            assert_eq!(RequestId::from_client(id.as_bytes()), None, "{id:?}");
        }
        assert_eq!(RequestId::from_client(b"bad\x00byte"), None);
        assert_eq!(RequestId::from_client(b"\xff\xfe"), None);
    }

    #[test]
    fn a_request_without_a_sane_id_gets_a_fresh_one() {
        let id = RequestId::for_request(Some(b"not sane!"));
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(RequestId::for_request(Some(b"ok-1")).as_str(), "ok-1");
    }

    #[tokio::test]
    async fn the_current_id_is_set_inside_its_scope_only() {
        assert_eq!(RequestId::current(), None);
        let id = RequestId::generate();
        let seen = id.clone().scope(async { RequestId::current() }).await;
        assert_eq!(seen, Some(id));
        assert_eq!(RequestId::current(), None);
    }
}
