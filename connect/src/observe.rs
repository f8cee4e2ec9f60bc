//! A stream wrapper that watches the server's startup messages for
//! `AuthenticationOk`.
//!
//! libpq retries a failed startup with the next encryption method (prefer:
//! TLS then plaintext) only when the server's error arrives before
//! authentication has completed; an error after it (`database "x" does not
//! exist`) ends the attempt. tokio-postgres does not say which phase an
//! error came from, so the bytes tell us.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsStream};

/// Where the scanner is in the server's byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Expecting the one-byte answer to SSLRequest: `S` hands over to TLS
    /// (scanned by the wrapper around the TLS stream), `N` continues in
    /// plaintext.
    Negotiation,
    /// Reading a message header (type byte and length).
    Header { buf: [u8; 5], have: usize },
    /// Reading the auth code of an Authentication message.
    AuthCode {
        code: [u8; 4],
        have: usize,
        rest: usize,
    },
    /// Skipping the rest of a message.
    Skip(usize),
    /// Not scanning (after AuthenticationOk, or under TLS).
    Off,
}

impl Phase {
    pub(crate) fn header() -> Phase {
        Phase::Header {
            buf: [0; 5],
            have: 0,
        }
    }
}

/// What the scanners saw, shared by the plaintext and TLS wrappers.
#[derive(Debug, Default)]
pub(crate) struct Observations {
    /// `AuthenticationOk` arrived.
    pub auth_ok: AtomicBool,
    /// The answer to SSLRequest (0 if none was read).
    pub negotiation: AtomicU8,
    /// The type byte of the first message (0 if none was read).
    pub first_message: AtomicU8,
}

impl Observations {
    pub fn auth_ok(&self) -> bool {
        self.auth_ok.load(Ordering::Relaxed)
    }

    pub fn negotiation(&self) -> Option<u8> {
        Some(self.negotiation.load(Ordering::Relaxed)).filter(|b| *b != 0)
    }

    pub fn first_message(&self) -> Option<u8> {
        Some(self.first_message.load(Ordering::Relaxed)).filter(|b| *b != 0)
    }
}

pub(crate) struct Observed<S> {
    inner: S,
    phase: Phase,
    seen: Arc<Observations>,
}

impl<S> Observed<S> {
    pub(crate) fn new(inner: S, phase: Phase, seen: Arc<Observations>) -> Self {
        Observed { inner, phase, seen }
    }

    fn scan(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match &mut self.phase {
                Phase::Off => return,
                Phase::Negotiation => {
                    self.seen.negotiation.store(data[0], Ordering::Relaxed);
                    self.phase = if data[0] == b'N' {
                        Phase::header()
                    } else {
                        Phase::Off
                    };
                    data = &data[1..];
                }
                Phase::Header { buf, have } => {
                    if *have == 0 {
                        let _ = self.seen.first_message.compare_exchange(
                            0,
                            data[0],
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        );
                    }
                    let take = (5 - *have).min(data.len());
                    buf[*have..*have + take].copy_from_slice(&data[..take]);
                    *have += take;
                    data = &data[take..];
                    if *have == 5 {
                        let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
                        let body = len.saturating_sub(4);
                        self.phase = if buf[0] == b'R' && body >= 4 {
                            Phase::AuthCode {
                                code: [0; 4],
                                have: 0,
                                rest: body - 4,
                            }
                        } else if body == 0 {
                            Phase::header()
                        } else {
                            Phase::Skip(body)
                        };
                    }
                }
                Phase::AuthCode { code, have, rest } => {
                    let take = (4 - *have).min(data.len());
                    code[*have..*have + take].copy_from_slice(&data[..take]);
                    *have += take;
                    data = &data[take..];
                    if *have == 4 {
                        if u32::from_be_bytes(*code) == 0 {
                            self.seen.auth_ok.store(true, Ordering::Relaxed);
                            self.phase = Phase::Off;
                            return;
                        }
                        self.phase = if *rest == 0 {
                            Phase::header()
                        } else {
                            Phase::Skip(*rest)
                        };
                    }
                }
                Phase::Skip(n) => {
                    let take = (*n).min(data.len());
                    *n -= take;
                    data = &data[take..];
                    if *n == 0 {
                        self.phase = Phase::header();
                    }
                }
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Observed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &result {
            if this.phase != Phase::Off {
                let new = &buf.filled()[before..];
                this.scan(new);
            }
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Observed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl<S: TlsStream + Unpin> TlsStream for Observed<S> {
    fn channel_binding(&self) -> ChannelBinding {
        self.inner.channel_binding()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    fn scan_all(phase: Phase, bytes: &[u8], chunk: usize) -> bool {
        let seen = Arc::new(Observations::default());
        let mut o = Observed::new((), phase, Arc::clone(&seen));
        for c in bytes.chunks(chunk) {
            o.scan(c);
        }
        seen.auth_ok()
    }

    #[test]
    fn finds_authentication_ok_across_chunk_boundaries() {
        let mut stream = message(
            b'R',
            &10u32
                .to_be_bytes()
                .iter()
                .chain(b"SCRAM-SHA-256\0\0")
                .copied()
                .collect::<Vec<_>>(),
        );
        stream.extend(message(b'R', &11u32.to_be_bytes()));
        stream.extend(message(b'R', &0u32.to_be_bytes()));
        stream.extend(message(b'S', b"server_version\x0015\0"));
        for chunk in [1, 2, 3, 7, 100] {
            assert!(scan_all(Phase::header(), &stream, chunk), "chunk {chunk}");
        }
        let mut negotiated = vec![b'N'];
        negotiated.extend(&stream);
        assert!(scan_all(Phase::Negotiation, &negotiated, 4));
    }

    #[test]
    fn an_error_before_authentication_is_not_ok() {
        let mut stream = message(
            b'R',
            &5u32
                .to_be_bytes()
                .iter()
                .chain(b"salt")
                .copied()
                .collect::<Vec<_>>(),
        );
        stream.extend(message(
            b'E',
            b"SFATAL\0C28P01\0Mpassword authentication failed\0\0",
        ));
        assert!(!scan_all(Phase::header(), &stream, 3));
        // After 'S' the plaintext scanner stops: TLS bytes follow.
        let mut tls = vec![b'S'];
        tls.extend(message(b'R', &0u32.to_be_bytes()));
        assert!(!scan_all(Phase::Negotiation, &tls, 10));
    }

    #[test]
    fn records_what_a_non_postgres_server_sends() {
        let seen = Arc::new(Observations::default());
        let mut o = Observed::new((), Phase::Negotiation, Arc::clone(&seen));
        o.scan(b"HTTP/1.1 400 Bad Request");
        assert_eq!(seen.negotiation(), Some(b'H'));
        let seen = Arc::new(Observations::default());
        let mut o = Observed::new((), Phase::header(), Arc::clone(&seen));
        o.scan(b"HTTP/1.1 400 Bad Request");
        assert_eq!(seen.first_message(), Some(b'H'));
        assert!(!seen.auth_ok());
    }
}
