//! The hint and preimage wire protocol, client and server sides, over any byte channel.
//!
//! - Preimage: the client writes the 32-byte key; the server answers a u64 big-endian length and
//!   the value.
//! - Hint: the client writes a u32 big-endian length and the hint bytes; the server answers one byte
//!   once it has handled the hint (fetched what it names).

use crate::key::PreimageKey;
use crate::oracle::{HintWriter, PreimageError, PreimageOracle};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Largest preimage a client accepts (the length is attacker-controlled).
pub const MAX_PREIMAGE_SIZE: u64 = 1 << 32;
/// How much of a preimage the client reads at a time.
const VALUE_CHUNK: usize = 1 << 20;
/// Largest hint a server accepts.
pub const MAX_HINT_SIZE: u32 = 1 << 24;

/// A bidirectional byte channel.
pub trait Channel {
    /// Fills `buf` completely; `PreimageError::Closed` if the other side closed before any byte.
    fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError>;
    /// Writes all of `buf`.
    fn write_all(&self, buf: &[u8]) -> Result<(), PreimageError>;
}

impl<C: Channel + ?Sized> Channel for &C {
    fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError> {
        (**self).read_exact(buf)
    }
    fn write_all(&self, buf: &[u8]) -> Result<(), PreimageError> {
        (**self).write_all(buf)
    }
}

/// The program's side of the preimage channel.
pub struct OracleClient<C>(pub C);

impl<C: Channel> PreimageOracle for OracleClient<C> {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        self.0.write_all(&key.0)?;
        let mut len = [0u8; 8];
        self.0.read_exact(&mut len)?;
        let len = u64::from_be_bytes(len);
        if len > MAX_PREIMAGE_SIZE {
            return Err(PreimageError::Io(alloc::format!(
                "host announced a {len}-byte preimage for {key}"
            )));
        }
        // Grown as the bytes arrive: a host that announces more than it sends costs one chunk.
        let len = len as usize;
        let mut value = Vec::with_capacity(len.min(VALUE_CHUNK));
        while value.len() < len {
            let start = value.len();
            value.resize(start + (len - start).min(VALUE_CHUNK), 0);
            self.0
                .read_exact(&mut value[start..])
                .map_err(|e| match e {
                    PreimageError::Closed if start > 0 => PreimageError::Io(alloc::format!(
                        "the host closed the channel after {start} of the {len} bytes of {key}"
                    )),
                    e => e,
                })?;
        }
        Ok(value)
    }
}

/// The program's side of the hint channel.
pub struct HintClient<C>(pub C);

impl<C: Channel> HintWriter for HintClient<C> {
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError> {
        let len = u32::try_from(hint.len())
            .map_err(|_| PreimageError::Io(alloc::format!("a hint of {} bytes", hint.len())))?;
        let mut msg = Vec::with_capacity(4 + hint.len());
        msg.extend_from_slice(&len.to_be_bytes());
        msg.extend_from_slice(hint);
        self.0.write_all(&msg)?;
        let mut ack = [0u8; 1];
        self.0.read_exact(&mut ack)
    }
}

/// The host's side of the preimage channel.
pub struct OracleServer<C>(pub C);

impl<C: Channel> OracleServer<C> {
    /// Serves one request with `lookup`. Returns `Ok(false)` when the client has closed the channel.
    pub fn serve_one<E>(
        &self,
        lookup: impl FnOnce(PreimageKey) -> Result<Vec<u8>, E>,
    ) -> Result<bool, ServeError<E>> {
        let mut key = [0u8; 32];
        match self.0.read_exact(&mut key) {
            Err(PreimageError::Closed) => return Ok(false),
            Err(e) => return Err(ServeError::Channel(e)),
            Ok(()) => {}
        }
        let value = lookup(PreimageKey(key)).map_err(ServeError::Handler)?;
        let mut msg = Vec::with_capacity(8 + value.len());
        msg.extend_from_slice(&(value.len() as u64).to_be_bytes());
        msg.extend_from_slice(&value);
        self.0.write_all(&msg).map_err(ServeError::Channel)?;
        Ok(true)
    }
}

/// The host's side of the hint channel.
pub struct HintServer<C>(pub C);

impl<C: Channel> HintServer<C> {
    /// Reads one hint, handles it with `handle` and acknowledges it. Returns `Ok(false)` when the
    /// client has closed the channel.
    pub fn serve_one<E>(
        &self,
        handle: impl FnOnce(&str) -> Result<(), E>,
    ) -> Result<bool, ServeError<E>> {
        let mut len = [0u8; 4];
        match self.0.read_exact(&mut len) {
            Err(PreimageError::Closed) => return Ok(false),
            Err(e) => return Err(ServeError::Channel(e)),
            Ok(()) => {}
        }
        let len = u32::from_be_bytes(len);
        if len > MAX_HINT_SIZE {
            return Err(ServeError::MalformedHint(alloc::format!(
                "a hint of {len} bytes (more than {MAX_HINT_SIZE})"
            )));
        }
        let mut hint = vec![0u8; len as usize];
        self.0.read_exact(&mut hint).map_err(ServeError::Channel)?;
        let hint = String::from_utf8(hint)
            .map_err(|e| ServeError::MalformedHint(alloc::format!("hint is not UTF-8: {e}")))?;
        handle(&hint).map_err(ServeError::Handler)?;
        self.0.write_all(&[0]).map_err(ServeError::Channel)?;
        Ok(true)
    }
}

/// Why serving a request failed.
#[derive(Debug, PartialEq, Eq)]
pub enum ServeError<E> {
    /// The channel failed.
    Channel(PreimageError),
    /// The hint could not be parsed.
    MalformedHint(String),
    /// The handler refused the request.
    Handler(E),
}

impl<E: core::fmt::Display> core::fmt::Display for ServeError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ServeError::Channel(e) => write!(f, "{e}"),
            ServeError::MalformedHint(m) => write!(f, "malformed hint: {m}"),
            ServeError::Handler(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: core::fmt::Debug + core::fmt::Display> std::error::Error for ServeError<E> {}

/// A parsed hint: `<type> <0x-hex argument>...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The hint type, e.g. `l1-block-header`.
    pub kind: String,
    /// The decoded arguments.
    pub args: Vec<Vec<u8>>,
}

impl Hint {
    /// Parses a hint, naming what is wrong with a malformed one.
    pub fn parse(hint: &str) -> Result<Hint, String> {
        let mut parts = hint.split(' ');
        let kind = parts.next().unwrap_or_default();
        if kind.is_empty()
            || !kind
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        {
            return Err(alloc::format!("hint {hint:?}: bad hint type {kind:?}"));
        }
        let mut args = Vec::new();
        for arg in parts {
            let hex = arg.strip_prefix("0x").ok_or_else(|| {
                alloc::format!("hint {hint:?}: argument {arg:?} is not 0x-prefixed hex")
            })?;
            args.push(
                decode_hex(hex)
                    .ok_or_else(|| alloc::format!("hint {hint:?}: argument {arg:?} is not hex"))?,
            );
        }
        Ok(Hint {
            kind: kind.into(),
            args,
        })
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::RefCell;
    use std::collections::VecDeque;

    /// An in-memory channel: what one side writes, the test hands to the other.
    #[derive(Default)]
    struct Loop {
        inbox: RefCell<VecDeque<u8>>,
        outbox: RefCell<Vec<u8>>,
    }

    impl Channel for Loop {
        fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError> {
            let mut inbox = self.inbox.borrow_mut();
            if inbox.is_empty() {
                return Err(PreimageError::Closed);
            }
            if inbox.len() < buf.len() {
                return Err(PreimageError::Io("short read".into()));
            }
            for b in buf.iter_mut() {
                *b = inbox.pop_front().unwrap();
            }
            Ok(())
        }
        fn write_all(&self, buf: &[u8]) -> Result<(), PreimageError> {
            self.outbox.borrow_mut().extend_from_slice(buf);
            Ok(())
        }
    }

    #[test]
    fn server_answers_length_prefixed_values_and_stops_at_close() {
        let chan = Loop::default();
        let key = PreimageKey::keccak256(b"abc");
        chan.inbox.borrow_mut().extend(key.0);
        let server = OracleServer(&chan);
        assert_eq!(
            server.serve_one(|k| if k == key {
                Ok::<_, ()>(b"abc".to_vec())
            } else {
                Err(())
            }),
            Ok(true)
        );
        assert_eq!(
            &chan.outbox.borrow()[..],
            &[0, 0, 0, 0, 0, 0, 0, 3, b'a', b'b', b'c']
        );
        assert_eq!(server.serve_one(|_| Ok::<_, ()>(vec![])), Ok(false));
    }

    #[test]
    fn client_reads_what_the_server_writes() {
        let chan = Loop::default();
        chan.inbox
            .borrow_mut()
            .extend([0, 0, 0, 0, 0, 0, 0, 2, 7, 8]);
        let client = OracleClient(&chan);
        assert_eq!(client.get(PreimageKey::local_index(1)).unwrap(), vec![7, 8]);
        assert_eq!(chan.outbox.borrow()[0], 1);
        chan.inbox.borrow_mut().extend([0xff; 8]);
        assert!(matches!(
            client.get(PreimageKey::local_index(1)),
            Err(PreimageError::Io(_))
        ));
    }

    #[test]
    fn a_host_announcing_more_than_it_sends_costs_one_chunk() {
        /// Announces the largest allowed preimage, sends 10 bytes, and records the reads.
        struct Liar {
            sent: core::cell::Cell<bool>,
            largest_read: core::cell::Cell<usize>,
        }
        impl Channel for Liar {
            fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError> {
                self.largest_read
                    .set(self.largest_read.get().max(buf.len()));
                if buf.len() == 8 && !self.sent.replace(true) {
                    buf.copy_from_slice(&MAX_PREIMAGE_SIZE.to_be_bytes());
                    return Ok(());
                }
                Err(PreimageError::Io("10 bytes, then nothing".into()))
            }
            fn write_all(&self, _: &[u8]) -> Result<(), PreimageError> {
                Ok(())
            }
        }
        let liar = Liar {
            sent: false.into(),
            largest_read: 0.into(),
        };
        assert!(OracleClient(&liar)
            .get(PreimageKey::local_index(1))
            .is_err());
        assert_eq!(liar.largest_read.get(), VALUE_CHUNK);
    }

    #[test]
    fn hints_round_trip_and_malformed_ones_are_named() {
        let chan = Loop::default();
        HintClient(&chan)
            .hint(b"l1-block-header 0xabcd")
            .unwrap_err(); // no ack available
        let sent = chan.outbox.borrow().clone();
        assert_eq!(&sent[..4], &22u32.to_be_bytes());
        let server_side = Loop::default();
        server_side.inbox.borrow_mut().extend(sent);
        let mut seen = None;
        assert_eq!(
            HintServer(&server_side).serve_one(|h| -> Result<(), ()> {
                seen = Some(Hint::parse(h).unwrap());
                Ok(())
            }),
            Ok(true)
        );
        assert_eq!(
            seen.unwrap(),
            Hint {
                kind: "l1-block-header".into(),
                args: vec![vec![0xab, 0xcd]]
            }
        );
        assert_eq!(&server_side.outbox.borrow()[..], &[0]);
        for bad in [
            "",
            "L1 0x00",
            "l1-block-header abcd",
            "l1-block-header 0xabc",
            "l1-block-header 0xzz",
        ] {
            let err = Hint::parse(bad).unwrap_err();
            assert!(err.contains(&alloc::format!("{bad:?}")), "{err}");
        }
    }
}
