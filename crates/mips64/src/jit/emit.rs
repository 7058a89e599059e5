//! Machine code for the plain instructions (everything but jumps, branches and what the
//! interpreter runs): ALU, HI/LO, loads and stores. Each computes exactly what
//! [`alu`](crate::alu) computes for the reference step; memory is big-endian, so loads and stores
//! swap bytes, and every access is of the naturally aligned subword within its 8-byte word (the
//! low address bits below the access size are ignored, as the reference does).

use super::translate::{reg, Emitter, Site, Stub, HI, LO, RESERVED, RTLB, WTLB};
use super::TLB_ENTRIES;
use crate::alu;
use crate::decode::{Kind, Op, SINK};
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

/// Offset of a TLB entry's page address.
const TLB_PAGE: i32 = 8;
const _: () =
    assert!(std::mem::size_of::<super::TlbEntry>() == 16 && TLB_ENTRIES.is_power_of_two());

/// The loads and stores with a fast path through the TLBs, and their sizes.
fn access_size(kind: Kind) -> Option<i32> {
    use Kind::*;
    Some(match kind {
        Lb | Lbu | Sb => 1,
        Lh | Lhu | Sh => 2,
        Lw | Lwu | Sw => 4,
        Ld | Sd => 8,
        _ => return None,
    })
}

impl Emitter<'_> {
    /// A plain instruction at `site`.
    pub(super) fn plain(&mut self, op: Op, site: Site) {
        use Kind::*;
        let (rs, rt) = (reg(op.rs), reg(op.rt));
        let rd = reg(op.dst);
        let writes = op.dst != SINK;
        let imm = op.imm;
        let sa = op.sa as i8;
        match op.kind {
            Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu | Lwl | Lwr | Ldl | Ldr => {
                // A load into r0 has no effect: reads never allocate.
                if writes {
                    self.load(op, rd);
                }
                return;
            }
            Sb | Sh | Sw | Sd | Swl | Swr | Sdl | Sdr => return self.store(op, site),
            Mthi | Mtlo | Mult | Multu | Dmult | Dmultu => {
                self.hilo(op.kind, rs, rt);
                if writes {
                    dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + rd], 0);
                }
                return;
            }
            _ if !writes => return,
            _ => {}
        }
        let a = &mut self.a;
        match op.kind {
            Sll | Srl | Sra => {
                dynasm!(a ; .arch x64 ; mov eax, DWORD [rbx + rt]);
                match op.kind {
                    Sll => dynasm!(a ; .arch x64 ; shl eax, sa),
                    Srl => dynasm!(a ; .arch x64 ; shr eax, sa),
                    _ => dynasm!(a ; .arch x64 ; sar eax, sa),
                }
                dynasm!(a ; .arch x64 ; movsxd rax, eax);
            }
            // x86 masks a 32-bit shift count to 5 bits and a 64-bit one to 6, as MIPS does.
            Sllv | Srlv | Srav => {
                dynasm!(a ; .arch x64 ; mov ecx, DWORD [rbx + rs] ; mov eax, DWORD [rbx + rt]);
                match op.kind {
                    Sllv => dynasm!(a ; .arch x64 ; shl eax, cl),
                    Srlv => dynasm!(a ; .arch x64 ; shr eax, cl),
                    _ => dynasm!(a ; .arch x64 ; sar eax, cl),
                }
                dynasm!(a ; .arch x64 ; movsxd rax, eax);
            }
            Dsllv | Dsrlv | Dsrav => {
                dynasm!(a ; .arch x64 ; mov rcx, QWORD [rbx + rs] ; mov rax, QWORD [rbx + rt]);
                match op.kind {
                    Dsllv => dynasm!(a ; .arch x64 ; shl rax, cl),
                    Dsrlv => dynasm!(a ; .arch x64 ; shr rax, cl),
                    _ => dynasm!(a ; .arch x64 ; sar rax, cl),
                }
            }
            Dsll | Dsrl | Dsra | Dsll32 | Dsrl32 | Dsra32 => {
                let sh = if matches!(op.kind, Dsll | Dsrl | Dsra) {
                    sa
                } else {
                    sa + 32
                };
                dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rt]);
                match op.kind {
                    Dsll | Dsll32 => dynasm!(a ; .arch x64 ; shl rax, sh),
                    Dsrl | Dsrl32 => dynasm!(a ; .arch x64 ; shr rax, sh),
                    _ => dynasm!(a ; .arch x64 ; sar rax, sh),
                }
            }
            Movz | Movn => {
                dynasm!(a
                    ; .arch x64
                    ; mov rax, QWORD [rbx + rd]
                    ; mov rcx, QWORD [rbx + rs]
                    ; cmp QWORD [rbx + rt], 0
                );
                if op.kind == Movz {
                    dynasm!(a ; .arch x64 ; cmove rax, rcx);
                } else {
                    dynasm!(a ; .arch x64 ; cmovne rax, rcx);
                }
            }
            Sync => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs]),
            Mfhi => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + HI]),
            Mflo => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + LO]),
            Add => {
                dynasm!(a ; .arch x64 ; mov eax, DWORD [rbx + rs] ; add eax, DWORD [rbx + rt] ; movsxd rax, eax)
            }
            Sub => {
                dynasm!(a ; .arch x64 ; mov eax, DWORD [rbx + rs] ; sub eax, DWORD [rbx + rt] ; movsxd rax, eax)
            }
            Mul => {
                dynasm!(a ; .arch x64 ; mov eax, DWORD [rbx + rs] ; imul eax, DWORD [rbx + rt] ; movsxd rax, eax)
            }
            Addi => {
                dynasm!(a ; .arch x64 ; mov eax, DWORD [rbx + rs] ; add eax, imm ; movsxd rax, eax)
            }
            And => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; and rax, QWORD [rbx + rt]),
            Or => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; or rax, QWORD [rbx + rt]),
            Xor => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; xor rax, QWORD [rbx + rt]),
            Nor => {
                dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; or rax, QWORD [rbx + rt] ; not rax)
            }
            Dadd => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; add rax, QWORD [rbx + rt]),
            Dsub => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; sub rax, QWORD [rbx + rt]),
            // The immediates of andi/ori/xori are zero-extended 16-bit values; the others are
            // sign-extended, as an x86 imm32 is.
            Andi => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; and rax, imm),
            Ori => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; or rax, imm),
            Xori => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; xor rax, imm),
            Daddi => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; add rax, imm),
            Lui => {
                let v = alu::lui(op.imm64()) as i64 as i32; // a sign-extended word
                dynasm!(a ; .arch x64 ; mov rax, v);
            }
            Slt | Sltu | Slti | Sltiu => {
                dynasm!(a ; .arch x64 ; xor ecx, ecx ; mov rdx, QWORD [rbx + rs]);
                if matches!(op.kind, Slti | Sltiu) {
                    dynasm!(a ; .arch x64 ; cmp rdx, imm);
                } else {
                    dynasm!(a ; .arch x64 ; cmp rdx, QWORD [rbx + rt]);
                }
                if matches!(op.kind, Slt | Slti) {
                    dynasm!(a ; .arch x64 ; setl cl);
                } else {
                    dynasm!(a ; .arch x64 ; setb cl);
                }
                dynasm!(a ; .arch x64 ; mov rax, rcx);
            }
            Clz | Clo | Dclz | Dclo => {
                let which = match op.kind {
                    Clz => 0,
                    Clo => 1,
                    Dclz => 2,
                    _ => 3,
                };
                let f = self.helpers.count as i64;
                dynasm!(a
                    ; .arch x64
                    ; mov rdi, QWORD [rbx + rs]
                    ; mov esi, which
                    ; mov rax, QWORD f
                    ; call rax
                );
            }
            kind => unreachable!("{kind:?} is not a plain instruction"),
        }
        dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + rd], rax);
    }

    /// The HI/LO instructions that write HI and LO (not the register: the caller zeroes it).
    fn hilo(&mut self, kind: Kind, rs: i32, rt: i32) {
        use Kind::*;
        let a = &mut self.a;
        match kind {
            Mthi => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; mov QWORD [rbx + HI], rax),
            Mtlo => dynasm!(a ; .arch x64 ; mov rax, QWORD [rbx + rs] ; mov QWORD [rbx + LO], rax),
            Mult => dynasm!(a
                ; .arch x64
                ; movsxd rax, DWORD [rbx + rs]
                ; movsxd rcx, DWORD [rbx + rt]
                ; imul rax, rcx
                ; movsxd rdx, eax
                ; mov QWORD [rbx + LO], rdx
                ; sar rax, 32
                ; mov QWORD [rbx + HI], rax
            ),
            Multu => dynasm!(a
                ; .arch x64
                ; mov eax, DWORD [rbx + rs]
                ; mov ecx, DWORD [rbx + rt]
                ; imul rax, rcx
                ; movsxd rdx, eax
                ; mov QWORD [rbx + LO], rdx
                ; shr rax, 32
                ; movsxd rax, eax
                ; mov QWORD [rbx + HI], rax
            ),
            Dmult => dynasm!(a
                ; .arch x64
                ; mov rax, QWORD [rbx + rs]
                ; imul QWORD [rbx + rt]
                ; mov QWORD [rbx + LO], rax
                ; mov QWORD [rbx + HI], rdx
            ),
            _ => dynasm!(a
                ; .arch x64
                ; mov rax, QWORD [rbx + rs]
                ; mul QWORD [rbx + rt]
                ; mov QWORD [rbx + LO], rax
                ; mov QWORD [rbx + HI], rdx
            ),
        }
    }

    /// rax = rs + imm, the effective address.
    fn address(&mut self, op: Op) {
        let rs = reg(op.rs);
        dynasm!(self.a ; .arch x64 ; mov rax, QWORD [rbx + rs]);
        if op.imm != 0 {
            let imm = op.imm;
            dynasm!(self.a ; .arch x64 ; add rax, imm);
        }
    }

    /// Looks up the page of rax in the TLB at `tlb`: on a hit rdx = the page, ecx = the offset
    /// of the naturally aligned `size`-byte subword in it; on a miss, jumps to `miss` with rax
    /// intact.
    fn tlb_lookup(&mut self, tlb: i32, size: i32, miss: DynamicLabel) {
        let tag_mask = (TLB_ENTRIES - 1) as i32;
        let offset_mask = 0xfff & !(size - 1);
        dynasm!(self.a
            ; .arch x64
            ; mov rcx, rax
            ; shr rcx, 12
            ; mov edx, ecx
            ; and edx, tag_mask
            ; shl edx, 4
            ; cmp rcx, QWORD [r12 + rdx + tlb]
            ; jne =>miss
            ; mov rdx, QWORD [r12 + rdx + tlb + TLB_PAGE]
            ; mov ecx, eax
            ; and ecx, offset_mask
        );
    }

    /// A load into `rd` (not r0).
    fn load(&mut self, op: Op, rd: i32) {
        use Kind::*;
        self.address(op);
        let slow = self.a.new_dynamic_label();
        let back = self.a.new_dynamic_label();
        let Some(size) = access_size(op.kind) else {
            // The unaligned loads: always the helper.
            dynasm!(self.a ; .arch x64 ; jmp =>slow ; =>back);
            self.stubs.push(Stub::Load {
                label: slow,
                back,
                kind: op.kind,
                rt: op.rt,
                dst: op.dst,
            });
            return;
        };
        self.tlb_lookup(RTLB, size, slow);
        let a = &mut self.a;
        match op.kind {
            Lb => dynasm!(a ; .arch x64 ; movsx rax, BYTE [rdx + rcx]),
            Lbu => dynasm!(a ; .arch x64 ; movzx eax, BYTE [rdx + rcx]),
            Lh => dynasm!(a ; .arch x64 ; movzx eax, WORD [rdx + rcx] ; rol ax, 8 ; movsx rax, ax),
            Lhu => dynasm!(a ; .arch x64 ; movzx eax, WORD [rdx + rcx] ; rol ax, 8 ; movzx eax, ax),
            Lw => dynasm!(a ; .arch x64 ; mov eax, DWORD [rdx + rcx] ; bswap eax ; movsxd rax, eax),
            Lwu => dynasm!(a ; .arch x64 ; mov eax, DWORD [rdx + rcx] ; bswap eax),
            _ => dynasm!(a ; .arch x64 ; mov rax, QWORD [rdx + rcx] ; bswap rax),
        }
        dynasm!(a ; .arch x64 ; mov QWORD [rbx + rd], rax ; =>back);
        self.stubs.push(Stub::Load {
            label: slow,
            back,
            kind: op.kind,
            rt: op.rt,
            dst: op.dst,
        });
    }

    /// A store at `site`. A store to the word of the LL reservation is left to the interpreter;
    /// one the helper reports (code written, memory past its limit, pages for the background
    /// hasher) ends the run right after it.
    fn store(&mut self, op: Op, site: Site) {
        use Kind::*;
        let reserved = self.before(site);
        let after = self.after(site);
        let slow = self.a.new_dynamic_label();
        let back = self.a.new_dynamic_label();
        self.address(op);
        dynasm!(self.a
            ; .arch x64
            ; mov rcx, rax
            ; and rcx, -8
            ; cmp rcx, QWORD [r12 + RESERVED]
            ; je =>reserved
        );
        self.stubs.push(Stub::Store {
            label: slow,
            back,
            kind: op.kind,
            rt: op.rt,
            after,
        });
        let Some(size) = access_size(op.kind) else {
            // The unaligned stores: always the helper.
            dynasm!(self.a ; .arch x64 ; jmp =>slow ; =>back);
            return;
        };
        self.tlb_lookup(WTLB, size, slow);
        let rt = reg(op.rt);
        let a = &mut self.a;
        dynasm!(a ; .arch x64 ; mov rsi, QWORD [rbx + rt]);
        match op.kind {
            Sb => dynasm!(a ; .arch x64 ; mov BYTE [rdx + rcx], sil),
            Sh => dynasm!(a ; .arch x64 ; rol si, 8 ; mov WORD [rdx + rcx], si),
            Sw => dynasm!(a ; .arch x64 ; bswap esi ; mov DWORD [rdx + rcx], esi),
            _ => dynasm!(a ; .arch x64 ; bswap rsi ; mov QWORD [rdx + rcx], rsi),
        }
        // A page in the write TLB has every chunk marked dirty: the store marks none.
        dynasm!(a ; .arch x64 ; =>back);
    }
}
