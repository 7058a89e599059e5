//! anvil, the local L1 node: found on the machine (the npm package `@foundry-rs/anvil`, installed
//! by `scripts/install-deps.sh`), started on a loopback port it picks itself, and stopped with its
//! whole process group when the handle is dropped (also while a panic unwinds, and by the kernel
//! when the process that started it dies).

use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The anvil release the project pins (scripts/install-deps.sh installs it).
pub const ANVIL_VERSION: &str = "1.7.1";

/// How anvil is started.
#[derive(Clone, Debug)]
pub struct AnvilOptions {
    /// The L1 chain id.
    pub chain_id: u64,
    /// Seconds between blocks; `None`: no mining until asked (`evm_mine`), transactions wait in
    /// the pool.
    pub block_time: Option<u64>,
    /// The genesis block's timestamp (`None`: now).
    pub genesis_timestamp: Option<u64>,
    /// A state file loaded at start (if it exists) and written on exit (`--state`).
    pub state: Option<PathBuf>,
    /// With `state`: also write it every this many seconds (so a killed anvil loses at most
    /// that much).
    pub state_interval: Option<u64>,
    /// Where anvil's output goes (`None`: discarded).
    pub log: Option<PathBuf>,
    /// The L1 hardfork (`prague`: blobs with EIP-7691's schedule, requests hash).
    pub hardfork: String,
    /// How long to wait for it to answer.
    pub startup_timeout: Duration,
}

impl Default for AnvilOptions {
    fn default() -> Self {
        AnvilOptions {
            chain_id: 900,
            block_time: None,
            genesis_timestamp: None,
            state: None,
            state_interval: None,
            log: None,
            hardfork: "prague".into(),
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// A running anvil. Dropping it stops it (SIGTERM, so that `--state` is written, then SIGKILL
/// after a grace period).
#[derive(Debug)]
pub struct Anvil {
    child: Option<Child>,
    port: u16,
    binary: PathBuf,
}

/// The anvil binary: `$VERDICT_ANVIL`, else `anvil` on the PATH. When that is the npm package's
/// node wrapper, the platform binary it would run is used instead, so that the process we stop
/// is anvil itself.
pub fn find_anvil() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("VERDICT_ANVIL") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::new(format!(
                "VERDICT_ANVIL={} is not a file",
                p.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("anvil");
        if !candidate.is_file() {
            continue;
        }
        let real = std::fs::canonicalize(&candidate).unwrap_or(candidate.clone());
        if real.extension().is_some_and(|e| e == "mjs" || e == "js") {
            if let Some(bin) = platform_binary(&real) {
                return Ok(bin);
            }
        }
        return Ok(candidate);
    }
    Err(Error::new(format!(
        "anvil {ANVIL_VERSION} is not installed (run scripts/install-deps.sh, or set VERDICT_ANVIL)"
    )))
}

/// The platform binary next to the npm package's wrapper script.
fn platform_binary(wrapper: &Path) -> Option<PathBuf> {
    let package = wrapper.parent()?;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        _ => return None,
    };
    let name = format!("@foundry-rs/anvil-linux-{arch}/bin/anvil");
    [
        package.join("node_modules").join(&name),
        package.join("..").join("..").join(&name),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Whether anvil can be found (tests skip without it unless `CI=true`).
pub fn available() -> bool {
    find_anvil().is_ok()
}

/// For tests: `None` when anvil is missing and skipping is allowed; panics when it is missing
/// under `CI=true` (a missing tool is a failure there).
pub fn require_for_test(test: &str) -> Option<PathBuf> {
    match find_anvil() {
        Ok(p) => Some(p),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{test}: {e} (CI=true: a missing tool is a failure)")
        }
        Err(e) => {
            eprintln!("{test}: skipped: {e}");
            None
        }
    }
}

impl Anvil {
    /// Starts anvil on a loopback port of its own choosing and waits until it listens.
    pub fn start(opts: &AnvilOptions) -> Result<Anvil> {
        let binary = find_anvil()?;
        let mut cmd = Command::new(&binary);
        cmd.args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--chain-id", &opts.chain_id.to_string()])
            .args(["--hardfork", &opts.hardfork]);
        match opts.block_time {
            Some(t) => cmd.args(["--block-time", &t.to_string()]),
            None => cmd.arg("--no-mining"),
        };
        if let Some(t) = opts.genesis_timestamp {
            cmd.args(["--timestamp", &t.to_string()]);
        }
        if let Some(s) = &opts.state {
            cmd.arg("--state").arg(s);
            if let Some(i) = opts.state_interval {
                cmd.args(["--state-interval", &i.to_string()]);
            }
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group (stopped as a whole), and killed by the kernel if the thread
        // that started it goes away without dropping the handle.
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setpgid(0, 0);
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("starting {}: {e}", binary.display())))?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let mut anvil = Anvil {
            child: Some(child),
            port: 0,
            binary: binary.clone(),
        };
        let (tx, rx) = mpsc::channel::<u16>();
        let log = match &opts.log {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| Error::new(format!("anvil log {}: {e}", p.display())))?,
            ),
            None => None,
        };
        let err_log = log.as_ref().and_then(|f| f.try_clone().ok());
        let (err_tx, err_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || forward(stdout, log, Some(tx)));
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            let mut out = err_log;
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                if let Some(f) = out.as_mut() {
                    let _ = std::io::Write::write_all(f, line.as_bytes());
                }
                if text.len() < 4096 {
                    text.push_str(&line);
                }
                line.clear();
            }
            let _ = err_tx.send(text);
        });
        let deadline = Instant::now() + opts.startup_timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(port) => {
                    anvil.port = port;
                    return Ok(anvil);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Its stdout closed before it said where it listens: it exited.
                    let status = anvil.child.as_mut().and_then(|c| c.wait().ok());
                    let stderr = err_rx
                        .recv_timeout(Duration::from_secs(2))
                        .unwrap_or_default();
                    return Err(Error::new(format!(
                        "anvil ({}) exited before listening ({}): {}",
                        binary.display(),
                        status.map_or("unknown status".into(), |s| s.to_string()),
                        stderr.trim()
                    )));
                }
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "anvil ({}) did not say where it listens within {:?}",
                    binary.display(),
                    opts.startup_timeout
                )));
            }
        }
    }

    /// Its loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its JSON-RPC endpoint (also its beacon API's base URL).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The binary it runs.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// Its process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// How it ended, if it has exited by itself (it is not reaped here: `stop` still waits for
    /// it).
    pub fn exited(&self) -> Option<String> {
        let pid = self.child.as_ref()?.id();
        // SAFETY: a zeroed siginfo_t is a valid out-parameter; WNOWAIT leaves the child
        // unreaped.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: waitid filled `info` (si_pid 0: still running).
        if r != 0 || unsafe { info.si_pid() } == 0 {
            return None;
        }
        let status = unsafe { info.si_status() };
        Some(if info.si_code == libc::CLD_EXITED {
            format!("exit status {status}")
        } else {
            format!("killed by signal {status}")
        })
    }

    /// Stops it (SIGTERM to its group, so that it writes `--state`; SIGKILL after `grace`) and
    /// waits for it.
    pub fn stop(&mut self, grace: Duration) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = child.id() as i32;
        // SAFETY: signalling the process group we created.
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    // SAFETY: as above.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                    let _ = child.wait();
                    break;
                }
            }
        }
        // Anything else left in its group.
        // SAFETY: as above.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        Ok(())
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_secs(10));
    }
}

/// Copies anvil's stdout to the log and reports the port of its "Listening on" line.
fn forward(stdout: impl Read, mut log: Option<std::fs::File>, mut port: Option<mpsc::Sender<u16>>) {
    let mut r = BufReader::new(stdout);
    let mut line = String::new();
    while r.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(f) = log.as_mut() {
            let _ = std::io::Write::write_all(f, line.as_bytes());
        }
        if let Some(rest) = line.trim().strip_prefix("Listening on ") {
            if let Some(p) = rest.rsplit(':').next().and_then(|p| p.parse().ok()) {
                if let Some(tx) = port.take() {
                    let _ = tx.send(p);
                }
            }
        }
        line.clear();
    }
}
