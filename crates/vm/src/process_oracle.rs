//! A preimage oracle served by a child process (`run ... -- <server command>`): the server gets the hint
//! channel on fds 3 (read) and 4 (write) and the preimage channel on fds 5 (read) and 6 (write).
//!
//! Wire protocol: a hint is a u32 big-endian length and the hint bytes, acknowledged by one byte; a
//! preimage request is the 32-byte key, answered by a u64 big-endian length and the value.

use crate::hash::Hash;
use crate::oracle::PreimageOracle;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::process::{Child, Command};
use std::time::Duration;
use verdict_preimage::transport::{pipe, spawn_with_fds};

/// A preimage server running as a child process.
pub struct ProcessOracle {
    child: Child,
    command: String,
    hint_out: File,
    hint_ack: File,
    key_out: File,
    value_in: File,
    timeout: Duration,
}

impl ProcessOracle {
    /// Starts `program args...` with the hint and preimage channels on fds 3..6.
    pub fn start(program: &str, args: &[String]) -> std::io::Result<Self> {
        let (hint_r, hint_w) = pipe()?; // VM -> server hints
        let (ack_r, ack_w) = pipe()?; // server -> VM acks
        let (key_r, key_w) = pipe()?; // VM -> server keys
        let (val_r, val_w) = pipe()?; // server -> VM values
        let child = spawn_with_fds(
            Command::new(program).args(args),
            [&hint_r, &ack_w, &key_r, &val_w],
        )?;
        drop((hint_r, ack_w, key_r, val_w));
        let timeout = std::env::var("VERDICT_ORACLE_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(600));
        Ok(ProcessOracle {
            child,
            command: std::iter::once(program)
                .chain(args.iter().map(|s| s.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
            hint_out: File::from(hint_w),
            hint_ack: File::from(ack_r),
            key_out: File::from(key_w),
            value_in: File::from(val_r),
            timeout,
        })
    }

    /// A description of the server's state for error messages: its exit status if it has exited.
    fn server_state(&mut self) -> String {
        match self.child.try_wait() {
            Ok(Some(status)) => format!("preimage server `{}` exited ({status})", self.command),
            _ => format!("preimage server `{}` is still running", self.command),
        }
    }

    fn fail(&mut self, what: &str, e: std::io::Error) -> String {
        // Give a server that is exiting up to a second to be reaped, so its exit status can be reported.
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        format!("{what}: {e}; {}", self.server_state())
    }

    fn read_exact_timeout(&mut self, ack: bool, buf: &mut [u8]) -> std::io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let file = if ack { &self.hint_ack } else { &self.value_in };
            let mut pfd = libc::pollfd {
                fd: file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = self.timeout.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} s", self.timeout.as_secs()),
                ));
            }
            let mut f = if ack { &self.hint_ack } else { &self.value_in };
            match f.read(&mut buf[done..]) {
                Ok(0) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "channel closed",
                    ))
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl PreimageOracle for ProcessOracle {
    fn hint(&mut self, hint: &[u8]) -> Result<(), String> {
        let mut msg = Vec::with_capacity(4 + hint.len());
        msg.extend_from_slice(&(hint.len() as u32).to_be_bytes());
        msg.extend_from_slice(hint);
        if let Err(e) = self.hint_out.write_all(&msg) {
            return Err(self.fail("sending a hint", e));
        }
        let mut ack = [0u8; 1];
        if let Err(e) = self.read_exact_timeout(true, &mut ack) {
            return Err(self.fail("waiting for the hint acknowledgement", e));
        }
        Ok(())
    }

    fn get_preimage(&mut self, key: &Hash) -> Result<Vec<u8>, String> {
        if let Err(e) = self.key_out.write_all(key) {
            return Err(self.fail("sending a preimage key", e));
        }
        let mut len = [0u8; 8];
        if let Err(e) = self.read_exact_timeout(false, &mut len) {
            return Err(self.fail("reading the preimage length", e));
        }
        let len = u64::from_be_bytes(len);
        if len > 1 << 32 {
            return Err(format!(
                "preimage server announced a {len}-byte preimage; refusing more than 4 GiB"
            ));
        }
        let mut value = vec![0u8; len as usize];
        if let Err(e) = self.read_exact_timeout(false, &mut value) {
            return Err(self.fail("reading the preimage value", e));
        }
        Ok(value)
    }
}

impl Drop for ProcessOracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
