//! The three engines against each other: the reference step (one instruction at a time), the
//! interpreter over decoded pages (`set_jit(false)`) and the x86-64 JIT (the default `run`).
//!
//! - Random MIPS64 programs (every instruction the VM implements with random operands, branches
//!   and jumps with their delay slots, loads and stores on present and absent pages, stores into
//!   the code, LL/SC with stores to the reserved word, divisions by zero, syscalls that yield and
//!   clone threads, reverting encodings) run by the three engines in random slices in lockstep:
//!   the state hash must agree at every stop, and so must refusals.
//! - Preemption: threads in tight loops must be switched at exactly the reference's step.
//! - Self-modifying code: a loop that rewrites its own instructions, by `run` and by a `step`
//!   between two runs.
//! - The guests (`guests/build/mips64`): the JIT stopped at random steps against the reference
//!   step (small guests) and the interpreter (the Go guests).

use verdict_mips64::asm::{self, addiu, daddiu, i, j, li32, r, r2, NOP, SYSCALL};
use verdict_mips64::{consts, load_elf, State, Vm};

/// xorshift64*: deterministic randomness without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const BASE: u64 = 0x10000;
const DATA: u64 = 0x40000;
/// Data pointer, code pointer, a valid instruction word to store into the code, jump register.
const R_DATA: u32 = 16;
const R_CODE: u32 = 17;
const R_INSN: u32 = 18;
const R_JUMP: u32 = 19;

/// A destination register for random instructions (never the fixed ones).
fn dst(rng: &mut Rng) -> u32 {
    loop {
        let r = rng.below(32) as u32;
        if !matches!(r, 0 | R_DATA | R_CODE | R_INSN | R_JUMP | 29) {
            return r;
        }
    }
}

/// Any register to read.
fn src(rng: &mut Rng) -> u32 {
    rng.below(32) as u32
}

/// One random instruction that does not transfer control.
fn plain(rng: &mut Rng) -> u32 {
    const SPECIAL: [u32; 43] = [
        0x00, 0x02, 0x03, 0x04, 0x06, 0x07, 0x0a, 0x0b, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16,
        0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
        0x26, 0x27, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x38, 0x3a, 0x3b, 0x3c, 0x3e,
    ];
    const IMM: [u32; 10] = [8, 9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x18, 0x19];
    const LOADS: [u32; 11] = [
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x37, 0x1a, 0x1b,
    ];
    const STORES: [u32; 8] = [0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x3f];
    let imm = rng.next() as u16 as i16 as i32;
    match rng.below(100) {
        0..=34 => {
            let fun = SPECIAL[rng.below(SPECIAL.len() as u64) as usize];
            let sa = rng.below(32) as u32;
            // Divisions read rt: mostly a register that is rarely zero.
            let rd = if rng.chance(3) { 0 } else { dst(rng) };
            let mut w = r(fun, rd, src(rng), src(rng), sa);
            if fun == 0x02 && rng.chance(30) {
                w = (w & !(31 << 21)) | 1 << 21; // rotr: srl for Cannon
            }
            w
        }
        35..=39 => r2(
            [0x02, 0x20, 0x21, 0x24, 0x25][rng.below(5) as usize],
            dst(rng),
            src(rng),
            src(rng),
        ),
        40..=59 => i(
            IMM[rng.below(IMM.len() as u64) as usize],
            dst(rng),
            src(rng),
            imm,
        ),
        60..=77 => {
            let op = LOADS[rng.below(LOADS.len() as u64) as usize];
            let base = if rng.chance(10) { src(rng) } else { R_DATA };
            let rt = if rng.chance(3) { 0 } else { dst(rng) };
            i(op, rt, base, imm)
        }
        78..=93 => {
            let op = STORES[rng.below(STORES.len() as u64) as usize];
            // Sometimes the word LL/SC reserve.
            let off = if rng.chance(10) { 0 } else { imm };
            i(op, src(rng), R_DATA, off)
        }
        94 => daddiu(R_JUMP, R_CODE, 4 * rng.below(64) as i32), // a jump target
        95 => i(0x2b, R_INSN, R_CODE, 4 * rng.below(1024) as i32), // rewrite the code
        96 => 0x30 << 26 | R_DATA << 21 | (dst(rng)) << 16,     // ll rt, 0(data)
        97 => 0x38 << 26 | R_DATA << 21 | (dst(rng)) << 16,     // sc rt, 0(data)
        98 => 0x34 << 26 | R_DATA << 21 | (dst(rng)) << 16,     // lld
        _ => 0x3c << 26 | R_DATA << 21 | (dst(rng)) << 16,      // scd
    }
}

/// A random program of about `len` instructions at BASE, looping forever, and its state.
fn random_program(rng: &mut Rng, len: usize) -> State {
    let mut code: Vec<u32> = vec![];
    // Two clones at the start: three threads run the same code.
    for _ in 0..2 {
        code.extend(li32(4, consts::VALID_CLONE_FLAGS as u32));
        code.extend([daddiu(5, 29, -4096), addiu(2, 0, 5055), SYSCALL]);
    }
    while code.len() < len {
        let here = code.len() as i64;
        match rng.below(100) {
            0..=79 => code.push(plain(rng)),
            80..=91 => {
                // A branch, mostly with a plain delay slot.
                let off = rng.below(129) as i64 - 64;
                let target = (here + 1 + off).clamp(0, len as i64 - 1);
                let imm = (target - here - 1) as i32;
                let kind = rng.below(8);
                let w = match kind {
                    0 => i(4, src(rng), src(rng), imm),
                    1 => i(5, src(rng), src(rng), imm),
                    2 => i(6, 0, src(rng), imm),
                    3 => i(7, 0, src(rng), imm),
                    _ => i(
                        1,
                        [0, 1, 0x10, 0x11, 2][rng.below(5) as usize],
                        src(rng),
                        imm,
                    ),
                };
                code.push(w);
                code.push(if rng.chance(97) {
                    plain(rng)
                } else {
                    i(4, 0, 0, 1)
                });
            }
            92..=94 => {
                // j/jal into the program, jr/jalr to R_JUMP.
                let target = BASE + 4 * rng.below(len as u64);
                code.push(match rng.below(4) {
                    0 => j(2, target),
                    1 => j(3, target),
                    2 => r(8, 0, R_JUMP, 0, 0),
                    _ => r(9, 31, R_JUMP, 0, 0),
                });
                code.push(if rng.chance(97) { plain(rng) } else { NOP });
            }
            95..=97 => code.extend([
                addiu(2, 0, [5023, 5038, 5178, 5023][rng.below(4) as usize]),
                SYSCALL,
            ]),
            98 => code.push(rng.next() as u32), // anything, reverting encodings included
            _ => code.push(plain(rng)),
        }
    }
    code.extend([j(2, BASE + 4 * 10), NOP]);
    let mut state = asm::program(BASE, &code);
    // Data: some pages present with random bytes, the rest absent.
    for p in 0..16u64 {
        if p % 3 != 1 {
            let bytes: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
            state.memory.write(DATA - 0x8000 + p * 4096, &bytes);
        }
    }
    let t = state.current_mut().unwrap();
    for reg in 1..32 {
        t.regs[reg] = match rng.below(4) {
            0 => rng.next(),
            1 => rng.next() as u32 as i32 as i64 as u64,
            2 => rng.below(64),
            _ => (rng.next() as i8) as u64,
        };
    }
    t.regs[R_DATA as usize] = DATA + rng.below(8);
    t.regs[R_CODE as usize] = BASE;
    t.regs[R_INSN as usize] = addiu(3, 3, 1) as u64;
    t.regs[R_JUMP as usize] = BASE + 40;
    t.regs[29] = 0x7fff_0000;
    state
}

/// The three engines on one state.
struct Engines {
    reference: Vm,
    interp: Vm,
    jit: Vm,
}

impl Engines {
    fn new(state: State) -> Self {
        let mut interp = Vm::new(state.clone());
        interp.set_jit(false);
        let mut jit = Vm::new(state.clone());
        jit.set_jit(true);
        assert!(jit.jit_enabled());
        // Hashing in the background (off by default) as soon as a page is dirty: batches in
        // flight while the JIT writes, copies on write, pages leaving its TLB.
        jit.set_background_hashing_pages(1);
        Engines {
            reference: Vm::new(state),
            interp,
            jit,
        }
    }

    /// `n` more steps on every engine; false once they stop (an exit or a refusal), after
    /// checking they stop alike.
    fn run(&mut self, n: u64, what: &str) -> bool {
        let mut reference = Ok(());
        for _ in 0..n {
            if self.reference.state.exited {
                break;
            }
            reference = self.reference.step();
            if reference.is_err() {
                break;
            }
        }
        let start = std::env::var("ENGINES_DEBUG")
            .is_ok()
            .then(|| self.interp.state.clone());
        let interp = self.interp.run(n);
        let jit = self.jit.run(n);
        if let Some(start) = start {
            let a = self.reference.state.state_hash();
            if a != self.interp.state.state_hash() || a != self.jit.state.state_hash() {
                first_difference(start, n);
            }
        }
        let at = self.reference.state.step;
        assert_eq!(
            interp.is_err(),
            reference.is_err(),
            "{what}: interpreter refusal at {at}: {interp:?} vs {reference:?}"
        );
        assert_eq!(
            jit.is_err(),
            reference.is_err(),
            "{what}: JIT refusal at {at}: {jit:?} vs {reference:?}"
        );
        assert_eq!(self.interp.state.step, at, "{what}: interpreter steps");
        assert_eq!(self.jit.state.step, at, "{what}: JIT steps");
        let h = self.reference.state.state_hash();
        assert_eq!(
            self.interp.state.state_hash(),
            h,
            "{what}: interpreter state at step {at}"
        );
        assert_eq!(
            self.jit.state.state_hash(),
            h,
            "{what}: JIT state at step {at}"
        );
        // The JIT turns itself off without executable memory: these tests would then compare
        // the interpreter with itself.
        assert!(self.jit.jit_enabled(), "{what}: the JIT is still on");
        reference.is_ok() && !self.reference.state.exited
    }
}

/// Debugging aid (`ENGINES_DEBUG=1`): steps the engines one at a time from `start` and prints
/// the first step after which their states differ, with the instruction and the pages that
/// differ.
fn first_difference(start: State, n: u64) {
    let mut vms: Vec<Vm> = (0..3).map(|_| Vm::new(start.clone())).collect();
    vms[1].set_jit(false);
    for k in 0..n {
        let before = vms[0].state.current().copied();
        let insn = before.map(|t| {
            let w = vms[0].state.memory.read_le(t.pc & !7, 8).swap_bytes();
            (w >> (32 - 8 * (t.pc & 4))) as u32
        });
        let results = [
            vms[0].step(),
            vms[1].run(1).map(drop),
            vms[2].run(1).map(drop),
        ];
        let h: Vec<_> = vms.iter_mut().map(|v| v.state.state_hash()).collect();
        if h[0] == h[1] && h[0] == h[2] {
            continue;
        }
        eprintln!(
            "step {} (+{k}): insn {insn:x?}, thread before {before:x?}",
            start.step
        );
        eprintln!("reference, interpreter, JIT: {results:?}");
        for v in &vms {
            eprintln!("thread after: {:x?}", v.state.current());
        }
        let pages = |v: &Vm| -> std::collections::BTreeMap<u64, Vec<u8>> {
            let pages = v.state.memory.pages_sorted().into_iter();
            pages.map(|(i, d)| (i, d.to_vec())).collect()
        };
        let reference = pages(&vms[0]);
        for (name, v) in [("interpreter", &vms[1]), ("JIT", &vms[2])] {
            let other = pages(v);
            for (i, d) in &reference {
                if other.get(i) != Some(d) {
                    eprintln!("{name}: page {i:#x} differs or is missing");
                }
            }
        }
        return;
    }
}

#[test]
fn random_programs_agree_at_random_stops() {
    let mut rng = Rng(0x5eed_0001);
    let mut stops = 0;
    let mut steps = 0;
    for p in 0..150 {
        let len = [40, 300, 1500][p % 3];
        let mut e = Engines::new(random_program(&mut rng, len));
        let budget = 3000 + rng.below(20_000);
        while e.reference.state.step < budget {
            let n = match rng.below(4) {
                0 => 1 + rng.below(3),
                1 => 1 + rng.below(50),
                _ => 1 + rng.below(2000),
            };
            stops += 1;
            if !e.run(n, &format!("program {p}")) {
                break;
            }
        }
        steps += e.reference.state.step;
    }
    eprintln!("{stops} stops, {steps} steps compared");
    assert!(
        steps > 500_000,
        "the programs ran too little to test anything"
    );
}

#[test]
fn preemption_happens_at_the_reference_step() {
    // Two threads in a counting loop with a load and a store (the loop is translated), over
    // several quanta, stopped around each quantum's end.
    let mut code = vec![];
    code.extend(li32(4, consts::VALID_CLONE_FLAGS as u32));
    code.extend([daddiu(5, 29, -4096), addiu(2, 0, 5055), SYSCALL]);
    let top = code.len() as i32;
    code.extend([
        daddiu(3, 3, 1),
        i(0x37, 8, 16, 0),
        daddiu(8, 8, 3),
        i(0x3f, 8, 16, 0),
        i(4, 0, 0, top - code.len() as i32 - 5), // beq r0, r0, top
        daddiu(9, 9, 1),                         // delay slot
    ]);
    let mut state = asm::program(BASE, &code);
    state.current_mut().unwrap().regs[16] = DATA;
    state.current_mut().unwrap().regs[29] = 0x7fff_0000;
    let mut e = Engines::new(state);
    let q = consts::SCHED_QUANTUM;
    let mut rng = Rng(7);
    for k in 1..=4u64 {
        let end = k * (q + 1) + 5; // the first quantum starts after the clone
        let n = end - 3 - rng.below(5) - e.reference.state.step;
        assert!(e.run(n, "loop"));
        for _ in 0..8 {
            assert!(e.run(1, "around the quantum's end"));
        }
    }
    let s = &e.jit.state;
    assert_eq!(s.thread_count(), 2);
    for t in s.left.iter().chain(&s.right) {
        assert!(
            t.regs[3] > 30_000,
            "thread {} looped {} times",
            t.id,
            t.regs[3]
        );
    }
}

/// A loop that rewrites the immediate of an addiu inside itself on every round (the store is its
/// instruction at `BASE + 16`).
fn self_modifying_loop() -> State {
    let body = [
        addiu(3, 0, 0),      // 0: rewritten: addiu r3, r0, k
        daddiu(4, 4, 0),     // 1
        i(0x23, 5, 17, 0),   // 2: lw r5, 0(r17): the addiu
        addiu(5, 5, 1),      // 3
        i(0x2b, 5, 17, 0),   // 4: sw r5, 0(r17): code written
        daddiu(4, 4, 1),     // 5
        i(4, 0, 0, -7),      // 6: beq r0, r0, 0
        r(0x2d, 6, 6, 3, 0), // 7: delay slot: daddu r6, r6, r3
    ];
    let mut state = asm::program(BASE, &body);
    state.current_mut().unwrap().regs[17] = BASE;
    state
}

/// A loop over four code pages, each counting in r3 and r4 and jumping to the next (the last
/// back to the first): every page's code is small, and all four are needed on every round.
fn four_page_loop() -> State {
    let mut code = Vec::new();
    for p in 0..4u64 {
        code.resize(p as usize * 1024, NOP);
        code.extend([
            addiu(3, 3, 1),
            daddiu(4, 4, p as i32 + 1),
            j(2, BASE + ((p + 1) % 4) * 4096),
            r(0x2d, 5, 5, 4, 0), // delay slot: daddu r5, r5, r4
        ]);
    }
    asm::program(BASE, &code)
}

/// A full code arena drops every translation and translating starts again: the four-page loop
/// with arenas too small for all its code keeps the reference's states at random stops, while the
/// arena is emptied again and again and the JIT goes on. (An arena too small for one page's code
/// turns the JIT off: the states still match.)
#[test]
fn a_full_code_arena_drops_every_translation_and_runs_on() {
    let state = four_page_loop();
    let mut probe = Vm::new(state.clone());
    probe.set_jit(true);
    probe.run(10_000).unwrap();
    let all = probe.jit_code_bytes();
    assert_eq!(probe.jit_code_resets(), 0);
    let mut rng = Rng(29);
    let mut refilled = 0;
    for bytes in (0..all).step_by(all / 16) {
        let mut reference = Vm::new(state.clone());
        let mut vm = Vm::new(state.clone());
        vm.set_jit(true);
        vm.set_jit_code_bytes(bytes);
        while reference.state.step < 20_000 {
            let n = 1 + rng.below(700);
            for _ in 0..n {
                reference.step().unwrap();
            }
            vm.run(n).unwrap();
            assert_eq!(
                vm.state.state_hash(),
                reference.state.state_hash(),
                "{bytes}-byte arena, step {}",
                reference.state.step
            );
        }
        if vm.jit_enabled() && vm.jit_code_resets() > 100 {
            refilled += 1;
        }
    }
    assert!(
        refilled >= 8,
        "only {refilled} arenas were emptied often with the JIT on ({all} bytes in all)"
    );
}

#[test]
fn self_modifying_code_is_retranslated() {
    let state = self_modifying_loop();
    let mut e = Engines::new(state);
    let mut rng = Rng(11);
    while e.reference.state.step < 20_000 {
        assert!(e.run(1 + rng.below(300), "self-modifying loop"));
    }
    let t = e.jit.state.current().unwrap();
    assert!(t.regs[3] > 1000, "the code was rewritten: {}", t.regs[3]);
}

#[test]
fn code_written_by_a_step_between_runs_is_not_run_stale() {
    // The self-modifying loop, but the store into the code is always made by `step` between two
    // `run`s (as when a run stops at a step to prove it): the next run must not execute the
    // decoding or translation of the code from before the store.
    let state = self_modifying_loop();
    let store = BASE + 16;
    for jit in [true, false] {
        let mut reference = Vm::new(state.clone());
        let mut vm = Vm::new(state.clone());
        vm.set_jit(jit);
        for round in 0..50 {
            // The reference to the store, the engine run up to it.
            reference.step().unwrap();
            while reference.state.current().unwrap().pc != store {
                reference.step().unwrap();
            }
            let n = reference.state.step - vm.state.step;
            assert_eq!(vm.run(n).unwrap(), n);
            assert_eq!(
                vm.state.state_hash(),
                reference.state.state_hash(),
                "jit {jit}, round {round}: before the store"
            );
            vm.step().unwrap();
            reference.step().unwrap();
        }
        assert!(reference.state.current().unwrap().regs[3] > 40);
    }
}

fn guest(name: &str) -> Option<Vec<u8>> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../guests/build/mips64")
        .join(format!("{name}.elf"));
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            let msg = format!("{} missing (scripts/build-guests.sh)", p.display());
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
            eprintln!("SKIPPED: {msg}");
            None
        }
    }
}

#[test]
fn guests_stop_at_random_steps_as_the_reference_does() {
    let mut rng = Rng(0x9e37);
    let mut stops = 0;
    for name in [
        "hello",
        "alu",
        "muldiv",
        "mem",
        "branch",
        "llsc",
        "threads",
        "rust-compute",
        "go-hello",
    ] {
        let Some(bytes) = guest(name) else { continue };
        let mut e = Engines::new(load_elf(&bytes).unwrap());
        while e.run(
            1 + rng.below(if stops % 2 == 0 { 30 } else { 60_000 }),
            name,
        ) {
            stops += 1;
        }
        assert!(e.jit.state.exited, "{name} exits");
    }
    eprintln!("{stops} stops");
}

#[test]
fn a_go_program_with_threads_stops_at_random_steps_as_the_interpreter_does() {
    let Some(bytes) = guest("go-concurrency") else {
        return;
    };
    let state = load_elf(&bytes).unwrap();
    let mut interp = Vm::new(state.clone());
    interp.set_jit(false);
    let mut jit = Vm::new(state);
    let mut rng = Rng(0x1234);
    let mut stops = 0;
    while !jit.state.exited {
        let n = 1 + rng.below(40_000);
        jit.run(n).unwrap();
        interp.run(n).unwrap();
        assert_eq!(jit.state.step, interp.state.step);
        assert_eq!(
            jit.state.state_hash(),
            interp.state.state_hash(),
            "at step {}",
            jit.state.step
        );
        stops += 1;
    }
    assert!(stops >= 400, "{stops} stops");
}
