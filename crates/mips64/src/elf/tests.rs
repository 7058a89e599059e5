use super::*;
use verdict_fpvm::elf::PT_LOAD;

/// A minimal MIPS64 big-endian ELF with one PT_LOAD segment holding `code` at 0x10000 (and
/// 100 bytes of zero fill).
pub(crate) fn tiny_elf(code: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 64 + 56];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 2;
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_be_bytes()); // ET_EXEC
    b[18..20].copy_from_slice(&EM_MIPS.to_be_bytes());
    b[24..32].copy_from_slice(&0x10000u64.to_be_bytes());
    b[32..40].copy_from_slice(&64u64.to_be_bytes());
    b[54..56].copy_from_slice(&56u16.to_be_bytes());
    b[56..58].copy_from_slice(&1u16.to_be_bytes());
    let ph = &mut b[64..120];
    ph[0..4].copy_from_slice(&PT_LOAD.to_be_bytes());
    ph[8..16].copy_from_slice(&120u64.to_be_bytes());
    ph[16..24].copy_from_slice(&0x10000u64.to_be_bytes());
    ph[32..40].copy_from_slice(&(code.len() as u64).to_be_bytes());
    ph[40..48].copy_from_slice(&(code.len() as u64 + 100).to_be_bytes());
    b.extend_from_slice(code);
    b
}

#[test]
fn loads_segments_and_the_stack() {
    let elf = tiny_elf(&[0x24, 0x02, 0x13, 0x89]);
    let s = load_elf(&elf).unwrap();
    let t = s.current().unwrap();
    assert_eq!((t.pc, t.next_pc, t.id), (0x10000, 0x10004, 0));
    assert_eq!(t.regs[29], layout::STACK_POINTER);
    assert_eq!(s.heap, layout::HEAP_START);
    assert_eq!(s.next_thread_id, 1);
    let word = |a: u64| crate::step::read_word(&s.memory, a);
    assert_eq!(word(0x10000) >> 32, 0x2402_1389);
    let sp = layout::STACK_POINTER;
    assert_eq!(word(sp), 1);
    assert_eq!(word(sp + 8), sp + 128);
    assert_eq!(word(sp + 24), sp + 96);
    assert_eq!(word(sp + 64), sp + 80);
    let mut env = [0u8; 24];
    s.memory.read(sp + 96, &mut env);
    assert_eq!(&env, b"GODEBUG=memprofilerate=0");
    // The segment and its fill take one page; the stack five more.
    assert_eq!(s.memory.page_count(), 6);
}

#[test]
fn rejects_bad_input_with_clear_errors() {
    assert!(matches!(load_elf(b"hello"), Err(ElfError::BadMagic)));
    let elf = tiny_elf(&[0; 4]);
    assert!(matches!(load_elf(&elf[..40]), Err(ElfError::Truncated(_))));
    assert!(matches!(load_elf(&elf[..100]), Err(ElfError::Truncated(_))));
    assert!(matches!(load_elf(&elf[..121]), Err(ElfError::Truncated(_))));
    let mut riscv = elf.clone();
    riscv[5] = 1;
    riscv[18..20].copy_from_slice(&243u16.to_le_bytes());
    assert_eq!(
        load_elf(&riscv).unwrap_err().to_string(),
        "ELF is not MIPS but machine 243 (RISC-V)"
    );
    let mut el = elf.clone();
    el[5] = 1;
    el[18..20].copy_from_slice(&8u16.to_le_bytes());
    assert_eq!(
        load_elf(&el).unwrap_err().to_string(),
        "a little-endian ELF (data encoding 1): the VM loads big-endian ELFs"
    );
    let mut bits32 = elf.clone();
    bits32[4] = 1;
    assert!(matches!(load_elf(&bits32), Err(ElfError::Not64Bit(1))));
    let mut big = elf.clone();
    big[64 + 40..64 + 48].copy_from_slice(&1u64.to_be_bytes()); // mem size < file size
    assert!(matches!(load_elf(&big), Err(ElfError::BadSegment { .. })));
}

#[test]
fn segments_must_end_below_the_heap_and_the_48_bit_limit() {
    for (vaddr, mem_size, what) in [
        (layout::HEAP_START - 8, 100u64, "overlaps the heap"),
        (0xffff_ffff_ffff_f000, 0x2000, "48-bit"),
        (1 << 48, 8, "48-bit"),
    ] {
        let mut elf = tiny_elf(&[]);
        elf[64 + 16..64 + 24].copy_from_slice(&vaddr.to_be_bytes());
        elf[64 + 40..64 + 48].copy_from_slice(&mem_size.to_be_bytes());
        let err = Elf::parse(&elf)
            .unwrap()
            .load_limited(u64::MAX)
            .unwrap_err();
        assert!(err.to_string().contains(what), "{err}");
    }
    let mut huge = tiny_elf(&[]);
    huge[64 + 40..64 + 48].copy_from_slice(&(1u64 << 40).to_be_bytes());
    assert!(matches!(load_elf(&huge), Err(ElfError::TooLarge { .. })));
}
