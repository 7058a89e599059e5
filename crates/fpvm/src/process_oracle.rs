//! A preimage oracle served by a child process (`run ... -- <server command>`): the server gets the
//! hint channel on fds 3 (read) and 4 (write) and the preimage channel on fds 5 (read) and 6
//! (write). The wire protocol is `verdict-preimage`'s client; this adds the process, timeouts on
//! every read and write, and errors that say what became of the server. The server runs in its
//! own process group, and the whole group is killed when the oracle is dropped, so that a server
//! started through a shell (`sh -c ...`) leaves no grandchild behind.

use std::fs::File;
use std::process::{Child, Command};
use std::time::Duration;
use verdict_preimage::transport::{pipe, spawn_with_fds, FileChannel};
use verdict_preimage::{
    HintClient, HintWriter, OracleClient, PreimageError, PreimageKey, PreimageOracle,
};

/// How long the VM waits for the server to make progress, unless `VERDICT_ORACLE_TIMEOUT_SECS`
/// says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a read of the server's answer polls before it sleeps, unless
/// `VERDICT_ORACLE_SPIN_US` says otherwise (on a machine with more than one core; none on one
/// core, where the spin would only delay the server). A server answers most requests in tens of
/// microseconds: within the spin, the VM reads the answer without being put to sleep and woken.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(50);

/// A preimage server running as a child process.
pub struct ProcessOracle {
    child: std::cell::RefCell<Child>,
    command: String,
    hints: HintClient<FileChannel>,
    preimages: OracleClient<FileChannel>,
}

impl ProcessOracle {
    /// Starts `program args...` with the hint and preimage channels on fds 3..6.
    pub fn start(program: &str, args: &[String]) -> std::io::Result<Self> {
        let (hint_r, hint_w) = pipe()?; // VM -> server hints
        let (ack_r, ack_w) = pipe()?; // server -> VM acks
        let (key_r, key_w) = pipe()?; // VM -> server keys
        let (val_r, val_w) = pipe()?; // server -> VM values
        use std::os::unix::process::CommandExt;
        let child = spawn_with_fds(
            Command::new(program).args(args).process_group(0),
            [&hint_r, &ack_w, &key_r, &val_w],
        )?;
        drop((hint_r, ack_w, key_r, val_w));
        let timeout = std::env::var("VERDICT_ORACLE_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);
        let spin = std::env::var("VERDICT_ORACLE_SPIN_US")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_micros)
            .unwrap_or(if crate::cores() > 1 {
                DEFAULT_SPIN
            } else {
                Duration::ZERO
            });
        let channel = |r, w| {
            FileChannel::new(File::from(r), File::from(w))
                .with_spin(spin)
                .with_timeout(timeout)
        };
        Ok(ProcessOracle {
            child: std::cell::RefCell::new(child),
            command: std::iter::once(program)
                .chain(args.iter().map(|s| s.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
            hints: HintClient(channel(ack_r, hint_w)?),
            preimages: OracleClient(channel(val_r, key_w)?),
        })
    }

    /// What became of the server, for error messages: its exit status if it has exited.
    fn server_state(&self) -> String {
        let mut child = self.child.borrow_mut();
        // Give a server that is exiting up to a second to be reaped, so its exit status shows.
        for _ in 0..100 {
            if let Ok(Some(status)) = child.try_wait() {
                return format!("preimage server `{}` exited ({status})", self.command);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        format!("preimage server `{}` is still running", self.command)
    }

    /// `e` from doing `what`, with the server's state.
    fn fail(&self, what: &str, e: PreimageError) -> PreimageError {
        let detail = match e {
            PreimageError::Missing(_) | PreimageError::Mismatch(_) => return e,
            PreimageError::Io(detail) => detail,
            PreimageError::Closed => "the server closed the channel".to_string(),
        };
        PreimageError::Io(format!("{what}: {detail}; {}", self.server_state()))
    }
}

impl PreimageOracle for ProcessOracle {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, PreimageError> {
        self.preimages
            .get(key)
            .map_err(|e| self.fail(&format!("reading the preimage of {key}"), e))
    }
}

impl HintWriter for ProcessOracle {
    fn hint(&self, hint: &[u8]) -> Result<(), PreimageError> {
        self.hints
            .hint(hint)
            .map_err(|e| self.fail("sending a hint", e))
    }
}

impl Drop for ProcessOracle {
    fn drop(&mut self) {
        let child = self.child.get_mut();
        if let Ok(group) = libc::pid_t::try_from(child.id()) {
            // SAFETY: a plain syscall; the group is the one the server was started in (its pid),
            // which stays ours until the server is reaped below.
            unsafe { libc::killpg(group, libc::SIGKILL) };
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
