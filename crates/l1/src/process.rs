//! A child process the devnet runs (the L2 node): in its own process group, killed by the kernel
//! if its starter dies, its output appended to a log file, stopped with its whole group.

use crate::error::{Error, Result};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running child process.
#[derive(Debug)]
pub struct Managed {
    child: Option<Child>,
    name: String,
}

impl Managed {
    /// Starts `argv` (the program first) with its output appended to `log`.
    pub fn start(name: &str, argv: &[String], log: &Path) -> Result<Managed> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| Error::new(format!("{name}: an empty command")))?;
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::new(format!("creating {}: {e}", dir.display())))?;
        }
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|e| Error::new(format!("{name} log {}: {e}", log.display())))
        };
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(open()?)
            .stderr(open()?);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setpgid(0, 0);
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("{name}: starting {}: {e}", argv.join(" "))))?;
        Ok(Managed {
            child: Some(child),
            name: name.to_string(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// `Some(status)` once it has exited.
    pub fn exited(&mut self) -> Option<String> {
        let c = self.child.as_mut()?;
        match c.try_wait() {
            Ok(Some(s)) => Some(s.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("unknown ({e})")),
        }
    }

    /// Stops it: SIGTERM to its group, SIGKILL after `grace`; waits for it.
    pub fn stop(&mut self, grace: Duration) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id() as i32;
        // SAFETY: signalling the process group we created.
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above; whatever is left of the group.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = child.wait();
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(10));
    }
}

/// A free loopback address (`127.0.0.1:PORT`) for a child to listen on.
pub fn free_loopback_addr() -> Result<String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::new(format!("binding a loopback port: {e}")))?;
    let a = l
        .local_addr()
        .map_err(|e| Error::new(format!("loopback port: {e}")))?;
    Ok(a.to_string())
}
