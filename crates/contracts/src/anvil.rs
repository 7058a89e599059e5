//! anvil, a real L1 node, for tests: started on a loopback port in its own process group, and
//! killed with the group when dropped (also on a panic). The binary is the one
//! `verdict_node::testing::anvil_binary` finds.

use crate::EvmError;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port on loopback nobody listens on (the OS picks it).
fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|a| a.port())
}

/// A running anvil, the leader of its own process group; the group is killed when this is dropped.
pub struct AnvilProcess {
    child: Child,
    /// Its JSON-RPC URL (`http://127.0.0.1:<port>`).
    pub url: String,
}

impl AnvilProcess {
    /// Starts `bin` on a free loopback port with `args` and waits (up to 30 s) until it listens.
    /// If it exits first (another process took the port in between), it is started again on
    /// another port, up to three times.
    pub fn start(bin: &str, args: &[&str]) -> Result<AnvilProcess, EvmError> {
        let mut last = None;
        for _ in 0..3 {
            match Self::start_once(bin, args) {
                Ok(p) => return Ok(p),
                Err(e @ EvmError::Node(_)) if e.to_string().contains("exited") => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("an attempt"))
    }

    fn start_once(bin: &str, args: &[&str]) -> Result<AnvilProcess, EvmError> {
        use std::os::unix::process::CommandExt;
        let port = free_port().map_err(|e| EvmError::Node(format!("no free port: {e}")))?;
        let child = Command::new(bin)
            .process_group(0)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| EvmError::Node(format!("starting {bin}: {e}")))?;
        let mut process = AnvilProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(EvmError::Node(format!("{bin} exited: {status}")));
            }
            if start.elapsed() > Duration::from_secs(30) {
                process.kill();
                return Err(EvmError::Node(format!("{bin} did not listen on {port}")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(process)
    }

    /// Its process id (and process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills its process group now and reaps it.
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: a plain syscall on the group this process leads (its id is the group's).
            unsafe {
                libc::killpg(self.child.id() as libc::pid_t, libc::SIGKILL);
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for AnvilProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
