//! Reference runs of guest programs under QEMU user-mode emulation (`qemu-riscv64`), for
//! differential testing of the VM.
//!
//! A traced run uses `qemu-riscv64 -one-insn-per-tb -d cpu,nochain -D <log> <elf>` (QEMU before
//! 8.1 spells `-one-insn-per-tb` as `-singlestep`; the right one is detected). With one
//! instruction per translation block and no block chaining, `-d cpu` prints the CPU state before
//! every executed instruction:
//!
//! ```text
//!  pc       00000000000101a8
//!  x0/zero  0000000000000000 x1/ra    0000000000000000 x2/sp    0000004000800790 x3/gp    0000000000000000
//!  ... (8 lines of 4 integer registers)
//! ```
//!
//! possibly followed (depending on the QEMU version and `-d` flags) by other lines, such as the
//! floating-point registers (`f0/ft0 ...`), `fcsr`, CSRs or vector registers, which are ignored.
//! The log is written to a FIFO and parsed while QEMU runs, so traces of any length need no disk
//! space and can be cut short.

#![allow(dead_code)]

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::Duration;

/// The architectural state before one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchState {
    pub pc: u64,
    pub regs: [u64; 32],
}

/// ABI names of x0..x31.
pub const REG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

/// `x10/a0` style name of register `i`.
pub fn reg_name(i: usize) -> String {
    format!("x{i}/{}", REG_NAMES[i])
}

// ------------------------------------------------------------------------------------------------
// Parser

/// Incremental parser of a QEMU `-d cpu` log.
///
/// Feed it one line at a time; it returns a state as soon as the `pc` line and all 32 integer
/// registers of a record have been seen. Lines it does not recognize are ignored.
#[derive(Default)]
pub struct LogParser {
    pc: Option<u64>,
    regs: [u64; 32],
    seen: u32,
    line_no: u64,
}

fn invalid(line_no: u64, msg: impl std::fmt::Display, line: &[u8]) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "QEMU log line {line_no}: {msg}: {:?}",
            String::from_utf8_lossy(line)
        ),
    )
}

fn parse_hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let mut v = 0u64;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | d as u64;
    }
    Some(v)
}

/// `x12/a2` -> 12
fn parse_xreg_name(s: &[u8]) -> Option<usize> {
    let rest = s.strip_prefix(b"x")?;
    let slash = rest.iter().position(|&c| c == b'/')?;
    let digits = &rest[..slash];
    if digits.is_empty() || digits.len() > 2 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0usize, |n, &d| n * 10 + (d - b'0') as usize);
    (n < 32).then_some(n)
}

impl LogParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fast path for the usual ` x0/zero  0000000000000000 x1/ra    ...` line of four registers
    /// (each `" %-8s %016x"`, 26 bytes). Returns false if the line does not have that layout.
    fn feed_fixed_xline(&mut self, line: &[u8]) -> bool {
        const ENTRY: usize = 26;
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if line.len() != 4 * ENTRY || self.pc.is_none() {
            return false;
        }
        let mut parsed = [(0usize, 0u64); 4];
        for (k, slot) in parsed.iter_mut().enumerate() {
            let e = &line[k * ENTRY..(k + 1) * ENTRY];
            if e[0] != b' ' || e[9] != b' ' {
                return false;
            }
            let (Some(reg), Some(v)) = (parse_xreg_name(&e[1..9]), parse_hex(&e[10..26])) else {
                return false;
            };
            *slot = (reg, v);
        }
        for (reg, v) in parsed {
            self.regs[reg] = v;
            self.seen |= 1 << reg;
        }
        true
    }

    /// The completed record, if all 32 registers have been seen.
    fn take_if_complete(&mut self) -> Option<ArchState> {
        if self.seen != u32::MAX {
            return None;
        }
        self.seen = 0;
        self.pc.take().map(|pc| ArchState {
            pc,
            regs: self.regs,
        })
    }

    /// Feeds one line (with or without its trailing newline). Returns a completed state, if any.
    pub fn feed(&mut self, line: &[u8]) -> io::Result<Option<ArchState>> {
        self.line_no += 1;
        if self.feed_fixed_xline(line) {
            return Ok(self.take_if_complete());
        }
        let mut tokens = line
            .split(|c| c.is_ascii_whitespace())
            .filter(|t| !t.is_empty());
        let Some(first) = tokens.next() else {
            return Ok(None);
        };
        if first == b"pc" {
            if self.pc.is_some() {
                return Err(invalid(
                    self.line_no,
                    "new `pc` before all 32 registers of the previous record",
                    line,
                ));
            }
            let v = tokens.next().and_then(parse_hex);
            let v = v.ok_or_else(|| invalid(self.line_no, "bad pc value", line))?;
            self.pc = Some(v);
            self.seen = 0;
            return Ok(None);
        }
        if parse_xreg_name(first).is_none() {
            return Ok(None); // fp registers, CSRs, vector registers, other log output
        }
        if self.pc.is_none() {
            return Err(invalid(
                self.line_no,
                "integer registers before any `pc` line",
                line,
            ));
        }
        let mut name = Some(first);
        while let Some(n) = name {
            let reg = parse_xreg_name(n)
                .ok_or_else(|| invalid(self.line_no, "bad register name", line))?;
            let v = tokens.next().and_then(parse_hex);
            self.regs[reg] = v.ok_or_else(|| invalid(self.line_no, "bad register value", line))?;
            self.seen |= 1 << reg;
            name = tokens.next();
        }
        Ok(self.take_if_complete())
    }

    /// Checks that the log did not end in the middle of a record.
    pub fn finish(&self) -> io::Result<()> {
        match self.pc {
            Some(pc) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("QEMU log ends inside the record for pc {pc:#x}"),
            )),
            None => Ok(()),
        }
    }
}

/// Parses a whole QEMU `-d cpu` log.
pub fn parse_log(text: &str) -> io::Result<Vec<ArchState>> {
    let mut parser = LogParser::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(s) = parser.feed(line.as_bytes())? {
            out.push(s);
        }
    }
    parser.finish()?;
    Ok(out)
}

/// Streams states out of a log reader.
pub struct TraceReader<R> {
    reader: R,
    parser: LogParser,
    line: Vec<u8>,
    done: bool,
}

impl<R: BufRead> TraceReader<R> {
    pub fn new(reader: R) -> Self {
        TraceReader {
            reader,
            parser: LogParser::new(),
            line: Vec::with_capacity(256),
            done: false,
        }
    }

    /// The next state, or `None` at the end of the log.
    pub fn next_state(&mut self) -> io::Result<Option<ArchState>> {
        while !self.done {
            self.line.clear();
            if self.reader.read_until(b'\n', &mut self.line)? == 0 {
                self.done = true;
                self.parser.finish()?;
                break;
            }
            if let Some(s) = self.parser.feed(&self.line)? {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }
}

// ------------------------------------------------------------------------------------------------
// Running QEMU

/// The QEMU binary: `$QEMU_RISCV64` or `qemu-riscv64` on the PATH, if it exists.
pub fn qemu_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QEMU_RISCV64") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-riscv64"))
        .find(|p| p.is_file())
}

fn qemu() -> io::Result<PathBuf> {
    qemu_binary().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "qemu-riscv64 not found"))
}

/// `-one-insn-per-tb` (QEMU >= 8.1) or `-singlestep` (older).
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
#[derive(Clone, Debug)]
pub struct QemuOutput {
    pub stdout: Vec<u8>,
    /// The guest's stderr (plus any error message of QEMU itself).
    pub stderr: Vec<u8>,
    pub status: ExitStatus,
}

impl QemuOutput {
    /// The guest's exit code, or `None` if QEMU died of a signal (e.g. a guest fault).
    pub fn exit_code(&self) -> Option<i32> {
        self.status.code()
    }
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

/// States per message from the parser thread.
const BATCH: usize = 4096;

/// A running traced QEMU whose per-instruction states are parsed (on a separate thread) while
/// it runs.
pub struct TracedRun {
    child: Child,
    batches: mpsc::Receiver<io::Result<Vec<ArchState>>>,
    batch: std::vec::IntoIter<ArchState>,
    ended: bool,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl TracedRun {
    /// Starts `elf` under QEMU with per-instruction CPU state logging into a FIFO.
    pub fn spawn(elf: &Path) -> io::Result<TracedRun> {
        let qemu = qemu()?;
        let dir = tempfile::tempdir()?;
        let fifo = dir.path().join("qemu-trace.fifo");
        let mk = Command::new("mkfifo").arg(&fifo).status()?;
        if !mk.success() {
            return Err(io::Error::other(format!(
                "mkfifo {} failed: {mk}",
                fifo.display()
            )));
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
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));

        // Opening a FIFO for reading blocks until QEMU opens it for writing; if QEMU dies
        // before that, unblock the open by opening the write end ourselves.
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
                    return Err(io::Error::other("FIFO opener thread vanished"))
                }
            }
        };

        // Parse on another thread, so parsing overlaps with QEMU and with the caller.
        let (btx, brx) = mpsc::sync_channel(8);
        std::thread::spawn(move || {
            let mut reader = TraceReader::new(BufReader::with_capacity(1 << 20, file));
            loop {
                let mut batch = Vec::with_capacity(BATCH);
                let end = loop {
                    match reader.next_state() {
                        Ok(Some(s)) => {
                            batch.push(s);
                            if batch.len() == BATCH {
                                break Ok(false);
                            }
                        }
                        Ok(None) => break Ok(true),
                        Err(e) => break Err(e),
                    }
                };
                let (msg, stop) = match end {
                    Ok(end) => (Ok(batch), end),
                    Err(e) => {
                        let _ = btx.send(Ok(batch));
                        (Err(e), true)
                    }
                };
                // A send error means the TracedRun was dropped or killed: stop reading.
                if btx.send(msg).is_err() || stop {
                    break;
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

    /// The state before the next instruction QEMU executed, or `None` when the trace ended.
    pub fn next_state(&mut self) -> io::Result<Option<ArchState>> {
        loop {
            if let Some(s) = self.batch.next() {
                return Ok(Some(s));
            }
            if self.ended {
                return Ok(None);
            }
            match self.batches.recv() {
                Ok(Ok(batch)) => self.batch = batch.into_iter(),
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => self.ended = true, // the parser thread finished
            }
        }
    }

    /// Waits for QEMU to exit (reading the rest of the trace) and returns its output.
    pub fn finish(mut self) -> io::Result<QemuOutput> {
        while self.next_state()?.is_some() {}
        self.wait()
    }

    /// Stops QEMU early (the trace is not needed any more).
    pub fn kill(mut self) -> io::Result<()> {
        let _ = self.child.kill();
        self.wait().map(|_| ())
    }

    fn wait(&mut self) -> io::Result<QemuOutput> {
        let status = self.child.wait()?;
        let stdout = self
            .stdout
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        Ok(QemuOutput {
            stdout,
            stderr,
            status,
        })
    }
}

impl Drop for TracedRun {
    fn drop(&mut self) {
        if self.stdout.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `elf` under QEMU and collects the state before every executed instruction.
pub fn run_traced(elf: &Path) -> io::Result<(Vec<ArchState>, QemuOutput)> {
    let mut run = TracedRun::spawn(elf)?;
    let mut states = Vec::new();
    while let Some(s) = run.next_state()? {
        states.push(s);
    }
    Ok((states, run.finish()?))
}

// ------------------------------------------------------------------------------------------------
// ELF helper for diagnostics

/// The file contents of an ELF64 LE's PT_LOAD segments, to fetch instruction words for
/// diagnostics and for recognizing instructions (the guests do not modify their code).
pub struct CodeImage {
    segments: Vec<(u64, Vec<u8>)>,
}

impl CodeImage {
    pub fn new(elf: &[u8]) -> CodeImage {
        let u16_at = |o: usize| {
            elf.get(o..o + 2)
                .map(|b| u16::from_le_bytes(b.try_into().unwrap()))
        };
        let u32_at = |o: usize| {
            elf.get(o..o + 4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        };
        let u64_at = |o: usize| {
            elf.get(o..o + 8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
        };
        let mut segments = Vec::new();
        if elf.get(..5) == Some(b"\x7fELF\x02") {
            let phoff = u64_at(0x20).unwrap_or(0) as usize;
            let phentsize = u16_at(0x36).unwrap_or(0) as usize;
            let phnum = u16_at(0x38).unwrap_or(0) as usize;
            for i in 0..phnum {
                let ph = phoff + i * phentsize;
                if u32_at(ph) != Some(1) {
                    continue;
                }
                let (Some(off), Some(vaddr), Some(filesz)) =
                    (u64_at(ph + 8), u64_at(ph + 16), u64_at(ph + 32))
                else {
                    continue;
                };
                if let Some(data) = elf.get(off as usize..(off + filesz) as usize) {
                    segments.push((vaddr, data.to_vec()));
                }
            }
        }
        CodeImage { segments }
    }

    /// The 32-bit little-endian word at `addr`, if the ELF's file contents cover it.
    pub fn word_at(&self, addr: u64) -> Option<u32> {
        self.segments.iter().find_map(|(vaddr, data)| {
            let off = addr.checked_sub(*vaddr)? as usize;
            data.get(off..off.checked_add(4)?)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        })
    }
}

/// The 32-bit word at virtual address `addr` in an ELF's PT_LOAD file contents.
pub fn elf_word_at(elf: &[u8], addr: u64) -> Option<u32> {
    CodeImage::new(elf).word_at(addr)
}

/// Whether the RV64IMA instruction `word` writes its rd field (and rd is not x0).
pub fn writes_rd(word: u32) -> Option<usize> {
    let rd = ((word >> 7) & 31) as usize;
    let writes = matches!(
        word & 0x7f,
        0x37 | 0x17 | 0x6f | 0x67 | 0x03 | 0x13 | 0x1b | 0x33 | 0x3b | 0x2f
    );
    (writes && rd != 0).then_some(rd)
}

/// `ecall`
pub const ECALL: u32 = 0x0000_0073;

// ------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `qemu-riscv64 -singlestep -d cpu,nochain,fpu` (QEMU 7.2) running hello.elf,
    /// with a few extra lines as printed by other QEMU versions (CSRs, `V`, fcsr).
    const SNIPPET: &str = "\
 pc       00000000000101a8
 x0/zero  0000000000000000 x1/ra    0000000000000000 x2/sp    0000004000800790 x3/gp    0000000000000000
 x4/tp    0000000000000000 x5/t0    0000000000000000 x6/t1    0000000000000000 x7/t2    0000000000000000
 x8/s0    0000000000000000 x9/s1    0000000000000000 x10/a0   0000000000000000 x11/a1   0000000000000000
 x12/a2   0000000000000000 x13/a3   0000000000000000 x14/a4   0000000000000000 x15/a5   0000000000000000
 x16/a6   0000000000000000 x17/a7   0000000000000000 x18/s2   0000000000000000 x19/s3   0000000000000000
 x20/s4   0000000000000000 x21/s5   0000000000000000 x22/s6   0000000000000000 x23/s7   0000000000000000
 x24/s8   0000000000000000 x25/s9   0000000000000000 x26/s10  0000000000000000 x27/s11  0000000000000000
 x28/t3   0000000000000000 x29/t4   0000000000000000 x30/t5   0000000000000000 x31/t6   0000000000000000
 f0/ft0   0000000000000000 f1/ft1   0000000000000000 f2/ft2   0000000000000000 f3/ft3   0000000000000000
 f4/ft4   0000000000000000 f5/ft5   0000000000000000 f6/ft6   0000000000000000 f7/ft7   0000000000000000
 f8/fs0   0000000000000000 f9/fs1   0000000000000000 f10/fa0  0000000000000000 f11/fa1  0000000000000000
 f12/fa2  0000000000000000 f13/fa3  0000000000000000 f14/fa4  0000000000000000 f15/fa5  0000000000000000
 f16/fa6  0000000000000000 f17/fa7  0000000000000000 f18/fs2  0000000000000000 f19/fs3  0000000000000000
 f20/fs4  0000000000000000 f21/fs5  0000000000000000 f22/fs6  0000000000000000 f23/fs7  0000000000000000
 f24/fs8  0000000000000000 f25/fs9  0000000000000000 f26/fs10 0000000000000000 f27/fs11 0000000000000000
 f28/ft8  0000000000000000 f29/ft9  0000000000000000 f30/ft10 0000000000000000 f31/ft11 0000000000000000
 V      =   0
 pc       00000000000101ac
 mhartid  0000000000000000
 mstatus  0000000000006000
 x0/zero  0000000000000000 x1/ra    0000000000000000 x2/sp    00000000000111a8 x3/gp    0000000000000000
 x4/tp    0000000000000000 x5/t0    0000000000000000 x6/t1    0000000000000000 x7/t2    0000000000000000
 x8/s0    0000000000000000 x9/s1    0000000000000000 x10/a0   fffffffffffffff7 x11/a1   0000000000000000
 x12/a2   0000000000000000 x13/a3   0000000000000000 x14/a4   0000000000000000 x15/a5   0000000000000000
 x16/a6   0000000000000000 x17/a7   0000000000000000 x18/s2   0000000000000000 x19/s3   0000000000000000
 x20/s4   0000000000000000 x21/s5   0000000000000000 x22/s6   0000000000000000 x23/s7   0000000000000000
 x24/s8   0000000000000000 x25/s9   0000000000000000 x26/s10  0000000000000000 x27/s11  0000000000000000
 x28/t3   0000000000000000 x29/t4   0000000000000000 x30/t5   0000000000000000 x31/t6   8000000000000001
 fcsr     0000000000000000
 f0/ft0   ffffffff00000000 f1/ft1   0000000000000000 f2/ft2   0000000000000000 f3/ft3   0000000000000000
 pc       00000000000101b0
 x0/zero  0000000000000000 x1/ra    00000000000101bc x2/sp    0000000000051860 x3/gp    0000000000012058
 x4/tp    0000000000000000 x5/t0    0000000000000000 x6/t1    0000000000000000 x7/t2    0000000000000000
 x8/s0    0000000000000000 x9/s1    0000000000000000 x10/a0   0000000000000000 x11/a1   0000000000000000
 x12/a2   000000000000001c x13/a3   0000000000000000 x14/a4   0000000000000000 x15/a5   0000000000000000
 x16/a6   0000000000000000 x17/a7   0000000000000040 x18/s2   0000000000000000 x19/s3   0000000000000000
 x20/s4   0000000000000000 x21/s5   0000000000000000 x22/s6   0000000000000000 x23/s7   0000000000000000
 x24/s8   0000000000000000 x25/s9   0000000000000000 x26/s10  0000000000000000 x27/s11  0000000000000000
 x28/t3   0000000000000000 x29/t4   0000000000000000 x30/t5   0000000000000000 x31/t6   0000000000000000
";

    #[test]
    fn parses_snippet_ignoring_fp_and_csrs() {
        let states = parse_log(SNIPPET).unwrap();
        assert_eq!(states.len(), 3);
        assert_eq!(states[0].pc, 0x101a8);
        assert_eq!(states[0].regs[2], 0x4000800790);
        assert!(states[0]
            .regs
            .iter()
            .enumerate()
            .all(|(i, &r)| i == 2 || r == 0));
        assert_eq!(states[1].pc, 0x101ac);
        assert_eq!(states[1].regs[2], 0x111a8);
        assert_eq!(states[1].regs[10], 0xfffffffffffffff7);
        assert_eq!(states[1].regs[31], 0x8000000000000001);
        assert_eq!(states[2].pc, 0x101b0);
        assert_eq!(states[2].regs[1], 0x101bc);
        assert_eq!(states[2].regs[3], 0x12058);
        assert_eq!(states[2].regs[12], 0x1c);
        assert_eq!(states[2].regs[17], 0x40);
        assert_eq!(states[2].regs[31], 0);
    }

    #[test]
    fn streaming_reader_matches_parse_log() {
        let mut r = TraceReader::new(SNIPPET.as_bytes());
        let mut v = Vec::new();
        while let Some(s) = r.next_state().unwrap() {
            v.push(s);
        }
        assert_eq!(v, parse_log(SNIPPET).unwrap());
    }

    #[test]
    fn rejects_truncated_record() {
        let cut = &SNIPPET[..SNIPPET.find(" x8/s0").unwrap()];
        assert!(parse_log(cut).is_err());
        // a new record before the previous one is complete
        let bad = format!("{cut} pc       0000000000010000\n");
        assert!(parse_log(&bad).is_err());
        // registers before any pc
        assert!(parse_log(" x0/zero  0000000000000000\n").is_err());
    }

    #[test]
    fn ignores_unrelated_lines() {
        let text = format!("Trace 0: 0x7f [00000000/00000000000101a8/0x00000000]\n\n{SNIPPET}IN: \n0x000101a8:  00041117  auipc sp,65\n");
        assert_eq!(parse_log(&text).unwrap().len(), 3);
    }

    #[test]
    fn register_names() {
        assert_eq!(parse_xreg_name(b"x0/zero"), Some(0));
        assert_eq!(parse_xreg_name(b"x31/t6"), Some(31));
        assert_eq!(parse_xreg_name(b"x32/zz"), None);
        assert_eq!(parse_xreg_name(b"f0/ft0"), None);
        assert_eq!(parse_xreg_name(b"x1"), None);
        assert_eq!(reg_name(10), "x10/a0");
    }

    #[test]
    fn rd_writers() {
        assert_eq!(writes_rd(0x00000593), Some(11)); // li a1, 0
        assert_eq!(writes_rd(0x00b53023), None); // sd a1, 0(a0)
        assert_eq!(writes_rd(ECALL), None);
        assert_eq!(writes_rd(0x00b50463), None); // beq a0, a1, +8
        assert_eq!(writes_rd(0x00008067), None); // ret (jalr x0)
        assert_eq!(writes_rd(0x1005b5af), Some(11)); // lr.d a1, (a1)
    }

    #[test]
    fn code_image() {
        let elf = CodeImage::new(b"not an elf");
        assert_eq!(elf.word_at(0x10000), None);
    }

    #[test]
    fn hex_values() {
        assert_eq!(parse_hex(b"ffffffffffffffff"), Some(u64::MAX));
        assert_eq!(parse_hex(b"00000000000101a8"), Some(0x101a8));
        assert_eq!(parse_hex(b"1ffffffffffffffff"), None);
        assert_eq!(parse_hex(b"12g4"), None);
        assert_eq!(parse_hex(b""), None);
    }
}
