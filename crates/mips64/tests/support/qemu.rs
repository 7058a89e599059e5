//! Reference runs of MIPS64 guests under QEMU user-mode emulation (`qemu-mips64`).
//!
//! A traced run is `qemu-mips64 -singlestep -d cpu,nochain -D <fifo> <elf>` (`-one-insn-per-tb`
//! from QEMU 8.1 on): one instruction per translation block and no chaining, so QEMU prints the
//! CPU state before every instruction it executes, a delay slot included:
//!
//! ```text
//! pc=0x0000000120000150 HI=0x0000000000000000 LO=0x0000000000000000 ds 00ea 0000000000000000 0
//! GPR00: r0 0000000000000000 at 0000000000000000 v0 0000000000000000 v1 0000000000000000
//! ... (8 lines of 4 registers)
//! CP0 Status ...   (and other lines, ignored)
//! ```
//!
//! The log goes through a FIFO and is parsed on another thread while QEMU runs.

#![allow(dead_code)]

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// The architectural state before one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub pc: u64,
    pub hi: u64,
    pub lo: u64,
    pub regs: [u64; 32],
}

/// MIPS register names, as QEMU prints them.
pub const REG_NAMES: [&str; 32] = [
    "r0", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra",
];

fn bad(line_no: u64, what: &str, line: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("QEMU log line {line_no}: {what}: {line:?}"),
    )
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x").unwrap_or(s), 16).ok()
}

/// Incremental parser of a `-d cpu` log: a record is complete after its `pc=` line and the 8
/// `GPRnn:` lines.
#[derive(Default)]
pub struct LogParser {
    current: Option<Record>,
    seen: u32,
    line_no: u64,
}

impl LogParser {
    /// Feeds one line; returns a record once it is complete.
    pub fn feed(&mut self, line: &str) -> io::Result<Option<Record>> {
        self.line_no += 1;
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix("pc=") {
            if self.current.is_some() {
                return Err(bad(
                    self.line_no,
                    "a record without all its registers",
                    line,
                ));
            }
            let mut fields = rest.split_whitespace();
            let pc = fields.next().and_then(hex);
            let hi = fields
                .next()
                .and_then(|f| f.strip_prefix("HI="))
                .and_then(hex);
            let lo = fields
                .next()
                .and_then(|f| f.strip_prefix("LO="))
                .and_then(hex);
            let (Some(pc), Some(hi), Some(lo)) = (pc, hi, lo) else {
                return Err(bad(self.line_no, "unreadable pc/HI/LO", line));
            };
            self.current = Some(Record {
                pc,
                hi,
                lo,
                regs: [0; 32],
            });
            self.seen = 0;
            return Ok(None);
        }
        let Some(rest) = line.strip_prefix("GPR") else {
            return Ok(None);
        };
        let Some(rec) = self.current.as_mut() else {
            return Err(bad(self.line_no, "registers outside a record", line));
        };
        let (first, regs) = rest
            .split_once(':')
            .ok_or_else(|| bad(self.line_no, "no colon", line))?;
        let first: usize = first
            .parse()
            .map_err(|_| bad(self.line_no, "register number", line))?;
        let fields: Vec<&str> = regs.split_whitespace().collect();
        if !first.is_multiple_of(4) || first > 28 || fields.len() != 8 {
            return Err(bad(self.line_no, "not 4 registers", line));
        }
        for k in 0..4 {
            if fields[2 * k] != REG_NAMES[first + k] {
                return Err(bad(self.line_no, "unexpected register name", line));
            }
            rec.regs[first + k] =
                hex(fields[2 * k + 1]).ok_or_else(|| bad(self.line_no, "register value", line))?;
        }
        self.seen |= 1 << (first / 4);
        if self.seen == 0xff {
            return Ok(self.current.take());
        }
        Ok(None)
    }
}

/// The QEMU binary: `$QEMU_MIPS64` or `qemu-mips64` on the PATH.
pub fn qemu_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QEMU_MIPS64") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-mips64"))
        .find(|p| p.is_file())
}

fn qemu() -> io::Result<PathBuf> {
    qemu_binary().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "qemu-mips64 not found"))
}

/// `-one-insn-per-tb` (QEMU >= 8.1) or `-singlestep`.
fn one_insn_flag(qemu: &Path) -> &'static str {
    static FLAG: OnceLock<&'static str> = OnceLock::new();
    FLAG.get_or_init(|| {
        let help = Command::new(qemu).arg("-h").stderr(Stdio::null()).output();
        match help {
            Ok(o) if String::from_utf8_lossy(&o.stdout).contains("-one-insn-per-tb") => {
                "-one-insn-per-tb"
            }
            _ => "-singlestep",
        }
    })
}

/// What a guest did under QEMU.
#[derive(Debug)]
pub struct QemuOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: ExitStatus,
}

/// Runs `elf` under QEMU without tracing.
pub fn run_plain(elf: &Path) -> io::Result<QemuOutput> {
    let out = Command::new(qemu()?)
        .arg(elf)
        .stdin(Stdio::null())
        .output()?;
    Ok(QemuOutput {
        stdout: out.stdout,
        stderr: out.stderr,
        status: out.status,
    })
}

fn drain<R: Read + Send + 'static>(mut r: R) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    })
}

/// A traced QEMU run whose records are parsed while it runs.
pub struct TracedRun {
    child: Child,
    batches: mpsc::Receiver<io::Result<Vec<Record>>>,
    batch: std::vec::IntoIter<Record>,
    ended: bool,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl TracedRun {
    /// Starts `elf` under QEMU, logging the CPU state before every instruction into a FIFO.
    pub fn spawn(elf: &Path) -> io::Result<TracedRun> {
        let qemu = qemu()?;
        let dir = tempfile::tempdir()?;
        let fifo = dir.path().join("trace.fifo");
        let mk = Command::new("mkfifo").arg(&fifo).status()?;
        if !mk.success() {
            return Err(io::Error::other(format!("mkfifo failed: {mk}")));
        }
        let mut child = Command::new(&qemu)
            .arg(one_insn_flag(&qemu))
            .args(["-d", "cpu,nochain", "-D"])
            .arg(&fifo)
            .arg(elf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = drain(child.stdout.take().expect("piped"));
        let stderr = drain(child.stderr.take().expect("piped"));
        // Opening the FIFO blocks until QEMU opens it; if QEMU dies first, open the write end
        // ourselves to unblock it.
        let (tx, rx) = mpsc::channel();
        let fifo2 = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(File::open(&fifo2));
        });
        let file = loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(f) => break f?,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if child.try_wait()?.is_some() {
                        let _unblock = std::fs::OpenOptions::new().write(true).open(&fifo)?;
                        break rx.recv().map_err(io::Error::other)??;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(io::Error::other("the FIFO opener vanished"))
                }
            }
        };
        let (btx, brx) = mpsc::sync_channel(8);
        std::thread::spawn(move || {
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut parser = LogParser::default();
            let mut line = String::new();
            let mut batch = Vec::with_capacity(4096);
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) => {
                        let _ = btx.send(Ok(batch));
                        return;
                    }
                    Ok(_) => match parser.feed(&line) {
                        Ok(Some(r)) => {
                            batch.push(r);
                            if batch.len() == 4096 {
                                let full = std::mem::replace(&mut batch, Vec::with_capacity(4096));
                                if btx.send(Ok(full)).is_err() {
                                    return;
                                }
                            }
                        }
                        Ok(None) => {}
                        Err(e) => {
                            let _ = btx.send(Ok(std::mem::take(&mut batch)));
                            let _ = btx.send(Err(e));
                            return;
                        }
                    },
                    Err(e) => {
                        let _ = btx.send(Err(e));
                        return;
                    }
                }
            }
        });
        Ok(TracedRun {
            child,
            batches: brx,
            batch: Vec::new().into_iter(),
            ended: false,
            stdout: Some(stdout),
            stderr: Some(stderr),
            _dir: dir,
        })
    }

    /// The state before the next instruction QEMU executed; `None` at the end of the trace.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        loop {
            if let Some(r) = self.batch.next() {
                return Ok(Some(r));
            }
            if self.ended {
                return Ok(None);
            }
            match self.batches.recv() {
                Ok(Ok(b)) => self.batch = b.into_iter(),
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => self.ended = true,
            }
        }
    }

    /// Reads the rest of the trace, waits for QEMU and returns its output.
    pub fn finish(mut self) -> io::Result<QemuOutput> {
        while self.next_record()?.is_some() {}
        let status = self.child.wait()?;
        Ok(QemuOutput {
            stdout: self
                .stdout
                .take()
                .map(|h| h.join().unwrap_or_default())
                .unwrap_or_default(),
            stderr: self
                .stderr
                .take()
                .map(|h| h.join().unwrap_or_default())
                .unwrap_or_default(),
            status,
        })
    }
}

impl Drop for TracedRun {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
