//! What both VMs do with the guest's output and hints, outside the step: output written to
//! stdout or stderr is forwarded (a courtesy: it never changes the step), and hint bytes are
//! buffered until a whole hint (a big-endian u32 length, then the hint) can go to the host.

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
}
