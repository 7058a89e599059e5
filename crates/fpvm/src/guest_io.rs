//! What both VMs do with the guest's output and hints, outside the step: output written to
//! stdout or stderr is forwarded (a courtesy: it never changes the step), and hint bytes are
//! buffered until a whole hint (a big-endian u32 length, then the hint) can go to the host.

use crate::memory::Memory;
use std::io::Write;

/// Largest guest write forwarded to stdout or stderr in one syscall (the step itself succeeds
/// regardless).
pub const MAX_FORWARDED_OUTPUT: u64 = 1 << 30;
/// Largest buffered, incomplete hint.
pub const MAX_HINT_BUFFER: usize = 1 << 30;

/// Where the guest's stdout or stderr goes.
pub enum Output {
    /// Dropped.
    Discard,
    /// Collected in memory.
    Capture(Vec<u8>),
    /// Written to a writer.
    Writer(Box<dyn Write + Send>),
}

impl Output {
    /// Whether what the guest writes is dropped (so need not be read from its memory).
    pub fn discards(&self) -> bool {
        matches!(self, Output::Discard)
    }

    /// What was captured (empty unless capturing).
    pub fn captured(&self) -> &[u8] {
        match self {
            Output::Capture(v) => v,
            _ => &[],
        }
    }

    /// Forwards `bytes`. A writer that fails (a closed pipe, a full disk) is dropped, with a note
    /// on stderr when it is the guest's stdout (`is_stdout`) and not merely a closed pipe; the run
    /// goes on.
    pub fn forward(&mut self, bytes: &[u8], is_stdout: bool) {
        match self {
            Output::Capture(v) => v.extend_from_slice(bytes),
            Output::Writer(w) => {
                if let Err(e) = w.write_all(bytes).and_then(|()| w.flush()) {
                    *self = Output::Discard;
                    if is_stdout && e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("note: the guest's stdout is no longer forwarded: {e}");
                    }
                }
            }
            Output::Discard => {}
        }
    }
}

/// Forwards the guest's write of `count` bytes at `addr` (at most [`MAX_FORWARDED_OUTPUT`]) to
/// `out`, reading them from `memory` only if `out` keeps them.
pub fn forward_write(out: &mut Output, memory: &Memory, addr: u64, count: u64, is_stdout: bool) {
    if out.discards() {
        return;
    }
    let mut buf = vec![0u8; count.min(MAX_FORWARDED_OUTPUT) as usize];
    memory.read(addr, &mut buf);
    out.forward(&buf, is_stdout);
}

/// Appends the guest's hint write of `count` bytes at `addr` to `buffer` and sends every complete
/// hint with `send`; the error (a buffer over [`MAX_HINT_BUFFER`] bytes, or `send`'s) as a
/// message for the VM's hint error.
pub fn write_hint(
    buffer: &mut Vec<u8>,
    memory: &Memory,
    addr: u64,
    count: u64,
    send: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    if (buffer.len() as u64).saturating_add(count) > MAX_HINT_BUFFER as u64 {
        return Err(format!("hint of more than {MAX_HINT_BUFFER} bytes"));
    }
    let start = buffer.len();
    buffer.resize(start + count as usize, 0);
    memory.read(addr, &mut buffer[start..]);
    send_complete_hints(buffer, send)
}

/// Sends every complete hint at the start of `buffer` with `send`, in order, and keeps what
/// follows the last one (an incomplete hint). Stops at the first error `send` returns.
pub fn send_complete_hints<E>(
    buffer: &mut Vec<u8>,
    mut send: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut consumed = 0;
    let result = loop {
        let rest = &buffer[consumed..];
        let Some(prefix) = rest.first_chunk::<4>() else {
            break Ok(());
        };
        let len = u32::from_be_bytes(*prefix) as usize;
        if len > rest.len() - 4 {
            break Ok(());
        }
        if let Err(e) = send(&rest[4..4 + len]) {
            break Err(e);
        }
        consumed += 4 + len;
    };
    buffer.drain(..consumed);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_hints_are_sent_in_order_and_the_rest_is_kept() {
        let mut buffer = Vec::new();
        for hint in [&b"l1-block-header 0x01"[..], b"", b"x"] {
            buffer.extend_from_slice(&(hint.len() as u32).to_be_bytes());
            buffer.extend_from_slice(hint);
        }
        buffer.extend_from_slice(&[0, 0, 0, 9, b'p']);
        let mut sent = Vec::new();
        send_complete_hints(&mut buffer, |h| {
            sent.push(h.to_vec());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(
            sent,
            vec![b"l1-block-header 0x01".to_vec(), vec![], b"x".to_vec()]
        );
        assert_eq!(buffer, [0, 0, 0, 9, b'p']);
        // A failing send keeps that hint and what follows.
        buffer.extend_from_slice(b"artial!!");
        let err = send_complete_hints(&mut buffer, |_| Err("host gone"));
        assert_eq!(err, Err("host gone"));
        assert_eq!(buffer.len(), 13);
    }

    #[test]
    fn a_failing_writer_is_dropped_and_a_capture_collects() {
        struct Failing;
        impl Write for Failing {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = Output::Writer(Box::new(Failing));
        out.forward(b"hello", true);
        assert!(out.discards());
        let mut cap = Output::Capture(Vec::new());
        cap.forward(b"he", false);
        cap.forward(b"llo", false);
        assert_eq!(cap.captured(), b"hello");
    }

    #[test]
    fn hint_writes_are_read_from_memory_buffered_and_bounded() {
        let mut memory = Memory::default();
        memory.write(0x1000, &[0, 0, 0, 2, b'h', b'i', 0, 0]);
        let mut buffer = Vec::new();
        let mut sent = Vec::new();
        write_hint(&mut buffer, &memory, 0x1000, 5, |h| {
            sent.push(h.to_vec());
            Ok(())
        })
        .unwrap();
        assert!(sent.is_empty(), "an incomplete hint waits");
        write_hint(&mut buffer, &memory, 0x1005, 3, |h| {
            sent.push(h.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(sent, vec![b"hi".to_vec()]);
        assert_eq!(buffer, [0, 0]);
        let err = write_hint(&mut buffer, &memory, 0, MAX_HINT_BUFFER as u64, |_| Ok(()));
        assert_eq!(
            err,
            Err(format!("hint of more than {MAX_HINT_BUFFER} bytes"))
        );
        let mut out = Output::Capture(Vec::new());
        forward_write(&mut out, &memory, 0x1004, 2, true);
        assert_eq!(out.captured(), b"hi");
    }
}
