//! One measurement, run in a process of its own (so its peak RSS is its own): the Verdict VM in one
//! of its modes, ckb-vm, qemu-riscv64 or the native build. The parent reads the [`Sample`] printed
//! on the last line of stdout.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use verdict_riscv::Vm;

/// What a child process measures.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum, Serialize, Deserialize)]
pub enum Mode {
    /// The Verdict VM in fast mode (`run(u64::MAX)`: the JIT on x86-64), then one memory root.
    Verdict,
    /// The Verdict VM's interpreter (`run` with the JIT off), then one memory root.
    VerdictInterp,
    /// The Verdict VM cloning its state (an in-memory snapshot) every `every` steps.
    VerdictClone,
    /// The Verdict VM writing a `.bin.gz` state file every `every` steps.
    VerdictFile,
    /// The Verdict VM computing the memory root every `every` steps and at the end.
    VerdictRoots,
    /// The Verdict VM running to step `proof_at` and proving the next steps.
    VerdictProof,
    /// ckb-vm's assembly interpreter (AsmMachine).
    CkbVm,
    /// `qemu-riscv64 <elf>`.
    Qemu,
    /// The workload compiled for the host.
    Native,
}

/// The prefix of the result line a child prints.
pub const RESULT_PREFIX: &str = "VERDICT-BENCH-RESULT ";

/// What one measurement found. `seconds` is the timed part: the run itself for the in-process VMs
/// (not loading the ELF), the whole process for qemu and native.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sample {
    pub seconds: f64,
    pub exit_code: i32,
    pub stdout: String,
    /// Instructions executed (Verdict: steps; ckb-vm: cycles at one per instruction, where a fused
    /// macro-op counts once).
    pub instructions: Option<u64>,
    /// Peak resident set of the measuring process (or, for qemu/native, of the child it ran).
    pub peak_rss_kib: u64,
    /// Guest memory allocated by the Verdict VM (`page_count() * 4096`).
    pub touched_bytes: Option<u64>,
    /// Verdict fast mode: the memory root computed once after the run.
    pub root_seconds: Option<f64>,
    /// Snapshots taken, time spent taking them, size of the last snapshot file.
    pub snapshots: u64,
    pub snapshot_seconds: f64,
    pub snapshot_file_bytes: u64,
    /// Verdict roots mode: every memory root.
    pub roots: Vec<RootSample>,
    /// Verdict proof mode: time to run to the step, of the first proof (which computes the whole
    /// memory root) and of the proof of the step after it.
    pub proof_run_seconds: Option<f64>,
    pub proof_seconds: Option<f64>,
    pub next_proof_seconds: Option<f64>,
    /// Why this runner cannot run the workload, if it cannot.
    pub not_applicable: Option<String>,
}

/// One memory root of the roots mode.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct RootSample {
    pub step: u64,
    pub seconds: f64,
    /// Pages allocated.
    pub pages: u64,
    /// Pages whose content changed since the previous root (or were allocated since), counted
    /// untimed by hashing every page: what the re-root had to rehash at least.
    pub changed_pages: u64,
}

/// A hash of every page's content, by page number.
fn page_hashes(memory: &verdict_riscv::Memory) -> std::collections::HashMap<u64, u64> {
    use std::hash::{Hash, Hasher};
    memory
        .pages_sorted()
        .into_iter()
        .map(|(n, data)| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            data.hash(&mut h);
            (n, h.finish())
        })
        .collect()
}

/// Arguments of a child measurement.
#[derive(Clone, Debug)]
pub struct Job {
    pub mode: Mode,
    /// The RISC-V ELF (or, for `Native`, the host executable).
    pub program: PathBuf,
    pub every: u64,
    pub proof_at: u64,
    pub tmp: PathBuf,
    pub qemu: String,
}

/// Runs one measurement in this process.
pub fn measure(job: &Job) -> Result<Sample> {
    match job.mode {
        Mode::Verdict
        | Mode::VerdictInterp
        | Mode::VerdictClone
        | Mode::VerdictFile
        | Mode::VerdictRoots
        | Mode::VerdictProof => verdict(job),
        Mode::CkbVm => ckb_vm(&job.program),
        Mode::Qemu => process(Command::new(&job.qemu).arg(&job.program)),
        Mode::Native => process(&mut Command::new(&job.program)),
    }
}

/// The peak resident set of this process (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn verdict(job: &Job) -> Result<Sample> {
    let bytes = std::fs::read(&job.program)
        .with_context(|| format!("reading {}", job.program.display()))?;
    let state = verdict_riscv::load_elf(&bytes).context("loading the ELF")?;
    let mut vm = Vm::new(state);
    vm.set_jit(job.mode != Mode::VerdictInterp);
    vm.capture_output();
    let mut s = Sample::default();
    let every = job.every.max(1);
    let start = Instant::now();
    match job.mode {
        Mode::Verdict | Mode::VerdictInterp => {
            vm.run(u64::MAX)?;
            s.seconds = start.elapsed().as_secs_f64();
            let t = Instant::now();
            std::hint::black_box(vm.state.memory.merkle_root());
            s.root_seconds = Some(t.elapsed().as_secs_f64());
        }
        Mode::VerdictClone => {
            let mut snapshot = None;
            loop {
                vm.run(every)?;
                if vm.state.exited {
                    break;
                }
                let t = Instant::now();
                snapshot = Some(vm.state.clone());
                s.snapshot_seconds += t.elapsed().as_secs_f64();
                s.snapshots += 1;
            }
            s.seconds = start.elapsed().as_secs_f64();
            drop(snapshot);
        }
        Mode::VerdictFile => {
            std::fs::create_dir_all(&job.tmp)?;
            let mut last: Option<PathBuf> = None;
            loop {
                vm.run(every)?;
                if vm.state.exited {
                    break;
                }
                let path = job.tmp.join(format!("snap-{}.bin.gz", vm.state.step));
                let t = Instant::now();
                verdict_riscv::state_file::write_state(&path, &mut vm.state)?;
                s.snapshot_seconds += t.elapsed().as_secs_f64();
                s.snapshots += 1;
                s.snapshot_file_bytes = std::fs::metadata(&path)?.len();
                if let Some(old) = last.replace(path) {
                    let _ = std::fs::remove_file(old);
                }
            }
            s.seconds = start.elapsed().as_secs_f64();
            if let Some(old) = last {
                let _ = std::fs::remove_file(old);
            }
        }
        Mode::VerdictRoots => {
            let mut hashes = page_hashes(&vm.state.memory);
            let mut running = 0.0;
            loop {
                let t = Instant::now();
                vm.run(every)?;
                running += t.elapsed().as_secs_f64();
                let t = Instant::now();
                std::hint::black_box(vm.state.memory.merkle_root());
                let seconds = t.elapsed().as_secs_f64();
                running += seconds;
                let now = page_hashes(&vm.state.memory);
                let changed_pages =
                    now.iter().filter(|(n, h)| hashes.get(n) != Some(h)).count() as u64;
                s.roots.push(RootSample {
                    step: vm.state.step,
                    seconds,
                    pages: vm.state.memory.page_count() as u64,
                    changed_pages,
                });
                hashes = now;
                if vm.state.exited {
                    break;
                }
            }
            // running and rooting only, not the page hashing
            s.seconds = running;
        }
        Mode::VerdictProof => {
            vm.run(job.proof_at)?;
            s.proof_run_seconds = Some(start.elapsed().as_secs_f64());
            if vm.state.exited {
                bail!("the program exited before step {}", job.proof_at);
            }
            let t = Instant::now();
            std::hint::black_box(vm.step_with_proof()?);
            s.proof_seconds = Some(t.elapsed().as_secs_f64());
            let t = Instant::now();
            std::hint::black_box(vm.step_with_proof()?);
            s.next_proof_seconds = Some(t.elapsed().as_secs_f64());
            s.seconds = start.elapsed().as_secs_f64();
            // only the proofs were measured: the exit code and output are those of a full run
            return Ok(s);
        }
        _ => unreachable!(),
    }
    if !vm.state.exited {
        bail!("the program did not exit");
    }
    s.exit_code = i32::from(vm.state.exit_code);
    s.stdout = String::from_utf8_lossy(vm.stdout()).into_owned();
    s.instructions = Some(vm.state.step);
    s.touched_bytes = Some(vm.state.memory.page_count() as u64 * 4096);
    s.peak_rss_kib = peak_rss_kib();
    Ok(s)
}

/// Runs a program to completion, timing the whole process; its peak RSS is this process's
/// RUSAGE_CHILDREN maximum (this process runs nothing else).
fn process(cmd: &mut Command) -> Result<Sample> {
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("starting {cmd:?}"))?;
    let seconds = start.elapsed().as_secs_f64();
    let Some(code) = out.status.code() else {
        bail!(
            "{cmd:?} was killed ({}); stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    };
    Ok(Sample {
        seconds,
        exit_code: code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        peak_rss_kib: children_peak_rss_kib(),
        ..Sample::default()
    })
}

fn children_peak_rss_kib() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) == 0 {
            ru.ru_maxrss.max(0) as u64
        } else {
            0
        }
    }
}

/// Memory an ELF's loadable segments span from address 0 (what a flat-memory VM must hold).
pub fn elf_footprint(bytes: &[u8]) -> Option<u64> {
    let u16_at = |o: usize| Some(u16::from_le_bytes(bytes.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(bytes.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(bytes.get(o..o + 8)?.try_into().ok()?));
    if bytes.get(..4)? != b"\x7fELF" || *bytes.get(4)? != 2 {
        return None;
    }
    let phoff = u64_at(0x20)? as usize;
    let phentsize = u16_at(0x36)? as usize;
    let phnum = u16_at(0x38)? as usize;
    let mut end = 0u64;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        if u32_at(ph)? == 1 {
            end = end.max(u64_at(ph + 0x10)?.checked_add(u64_at(ph + 0x28)?)?);
        }
    }
    Some(end)
}

struct CkbSyscalls {
    stdout: Arc<Mutex<Vec<u8>>>,
    mmap_requested: Arc<Mutex<Option<u64>>>,
}

impl<Mac: ckb_vm::SupportMachine> ckb_vm::Syscalls<Mac> for CkbSyscalls {
    fn initialize(&mut self, _machine: &mut Mac) -> Result<(), ckb_vm::Error> {
        Ok(())
    }

    fn ecall(&mut self, machine: &mut Mac) -> Result<bool, ckb_vm::Error> {
        use ckb_vm::registers::{A0, A1, A2, A7};
        use ckb_vm::{Memory, Register};
        let reg = |i: usize| machine.registers()[i].to_u64();
        match reg(A7) {
            64 => {
                let (fd, addr, len) = (reg(A0), reg(A1), reg(A2));
                let data = machine.memory_mut().load_bytes(addr, len)?;
                if fd == 1 {
                    self.stdout.lock().unwrap().extend_from_slice(&data);
                }
                machine.set_register(A0, Mac::REG::from_u64(len));
                Ok(true)
            }
            222 => {
                // no mmap in ckb-vm: refuse (ENOMEM) and remember the guest needed it
                *self.mmap_requested.lock().unwrap() = Some(reg(A1));
                machine.set_register(A0, Mac::REG::from_u64((-12i64) as u64));
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The largest memory ckb-vm's machines have.
pub const CKB_VM_MEMORY: u64 = ckb_vm::RISCV_MAX_MEMORY as u64;

fn ckb_vm(elf: &Path) -> Result<Sample> {
    use ckb_vm::machine::asm::{AsmCoreMachine, AsmMachine};
    use ckb_vm::{Bytes, DefaultMachineBuilder, DefaultMachineRunner, SupportMachine};
    let bytes = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
    let footprint = elf_footprint(&bytes).unwrap_or(0);
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    if footprint + ckb_vm::DEFAULT_STACK_SIZE as u64 > CKB_VM_MEMORY {
        return Ok(Sample {
            not_applicable: Some(format!(
                "the ELF spans {:.1} MiB; ckb-vm's memory is at most {:.0} MiB (with a {:.0} MiB stack)",
                mib(footprint),
                mib(CKB_VM_MEMORY),
                mib(ckb_vm::DEFAULT_STACK_SIZE as u64)
            )),
            ..Sample::default()
        });
    }
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let mmap_requested = Arc::new(Mutex::new(None));
    let core = <Box<AsmCoreMachine> as SupportMachine>::new_with_memory(
        ckb_vm::ISA_IMC | ckb_vm::ISA_A | ckb_vm::ISA_B | ckb_vm::ISA_MOP,
        ckb_vm::machine::VERSION2,
        u64::MAX,
        ckb_vm::RISCV_MAX_MEMORY,
    );
    let core = DefaultMachineBuilder::new(core)
        .instruction_cycle_func(Box::new(|_| 1))
        .syscall(Box::new(CkbSyscalls {
            stdout: stdout.clone(),
            mmap_requested: mmap_requested.clone(),
        }))
        .build();
    let mut machine = AsmMachine::new(core);
    machine
        .load_program(
            &Bytes::from(bytes),
            [Ok(Bytes::from_static(b"guest"))].into_iter(),
        )
        .map_err(|e| anyhow::anyhow!("ckb-vm cannot load the ELF: {e:?}"))?;
    let start = Instant::now();
    let result = machine.run();
    let seconds = start.elapsed().as_secs_f64();
    if let Some(len) = *mmap_requested.lock().unwrap() {
        return Ok(Sample {
            not_applicable: Some(format!(
                "the guest mmaps {:.0} MiB; ckb-vm has no mmap and at most {:.0} MiB of memory",
                mib(len),
                mib(CKB_VM_MEMORY)
            )),
            ..Sample::default()
        });
    }
    let exit = result.map_err(|e| anyhow::anyhow!("ckb-vm failed: {e:?}"))?;
    let stdout = String::from_utf8_lossy(&stdout.lock().unwrap()).into_owned();
    Ok(Sample {
        seconds,
        exit_code: i32::from(exit),
        stdout,
        instructions: Some(machine.machine.cycles()),
        peak_rss_kib: peak_rss_kib(),
        ..Sample::default()
    })
}
