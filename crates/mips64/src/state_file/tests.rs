use super::*;
use crate::thread::Thread;

fn sample_state() -> State {
    let mut s = State::new(0x10000);
    s.memory.write(0x1000, b"hello world");
    s.memory.write(0x7f00_0000_0ff0, &[7; 64]);
    s.step = 99;
    s.preimage_key[0] = 2;
    s.ll_status = 2;
    s.ll_address = 0x1008;
    s.ll_owner = 1;
    let mut t = Thread::new(1, 0x2000);
    t.regs[29] = 0x7fff_0000;
    s.right.push(t);
    s.next_thread_id = 2;
    s.last_hint = vec![0, 0, 0, 9, 1, 2];
    s
}

/// Cannon's binary layout, built field by field here (§12): the version, memory (u64 page
/// count, u64 index and 4096 bytes per page), the fields, the two stacks (u64 count, 298 bytes
/// per thread), the last hint (u32 length and bytes).
fn reference_layout(s: &State) -> Vec<u8> {
    let mut out = vec![s.version];
    let pages = s.memory.pages_sorted();
    out.extend_from_slice(&(pages.len() as u64).to_be_bytes());
    for (index, data) in pages {
        out.extend_from_slice(&index.to_be_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&s.preimage_key);
    for v in [s.preimage_offset, s.heap] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.push(s.ll_status);
    for v in [s.ll_address, s.ll_owner] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.push(s.exit_code);
    out.push(s.exited as u8);
    for v in [s.step, s.steps_since_switch] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.push(s.traverse_right as u8);
    out.extend_from_slice(&s.next_thread_id.to_be_bytes());
    for stack in [&s.left, &s.right] {
        out.extend_from_slice(&(stack.len() as u64).to_be_bytes());
        for t in stack.iter() {
            out.extend_from_slice(&t.encode());
        }
    }
    out.extend_from_slice(&(s.last_hint.len() as u32).to_be_bytes());
    out.extend_from_slice(&s.last_hint);
    out
}

#[test]
fn binary_states_are_cannons_layout_both_ways() {
    let mut s = sample_state();
    let bytes = encode_binary(&s);
    assert_eq!(bytes, reference_layout(&s));
    let mut back = decode_binary(&bytes, Path::new("s.bin")).unwrap();
    assert_eq!(back.state_hash(), s.state_hash());
    assert_eq!(back.right, s.right);
    assert_eq!(back.last_hint, s.last_hint);
    assert!(looks_like_mips64(&bytes));
    assert!(!looks_like_mips64(&[0, 0, 0, 0, 0, 0, 0, 3]));
}

#[test]
fn every_format_round_trips_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["s.bin", "s.bin.gz", "s.json", "s.json.gz"] {
        let path = dir.path().join(name);
        let mut s = sample_state();
        write_state(&path, &mut s).unwrap();
        let mut back = read_state(&path).unwrap();
        assert_eq!(back.state_hash(), s.state_hash(), "{name}");
        let first = verdict_fpvm::files::read_maybe_gz(&path, 1 << 30).unwrap();
        assert!(looks_like_mips64(&first), "{name}");
        let again = dir.path().join(format!("again-{name}"));
        write_state(&again, &mut back).unwrap();
        assert_eq!(
            verdict_fpvm::files::read_maybe_gz(&again, 1 << 30).unwrap(),
            first,
            "{name}"
        );
    }
}

#[test]
fn bad_files_get_clear_errors() {
    let s = sample_state();
    let bytes = encode_binary(&s);
    let path = Path::new("s.bin");
    let err = |b: &[u8]| decode_binary(b, path).unwrap_err().to_string();
    for cut in [0, 1, 5, 9 + 8 + 100, bytes.len() - 1] {
        assert!(
            err(&bytes[..cut]).contains("truncated"),
            "{cut}: {}",
            err(&bytes[..cut])
        );
    }
    let mut v = bytes.clone();
    v[0] = 6;
    assert!(err(&v).contains("state version 6"), "{}", err(&v));
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(err(&extra).contains("after"), "{}", err(&extra));
    // The thread's exited byte, the state's exited byte, a huge thread count.
    let hint_at = bytes.len() - 4 - s.last_hint.len();
    let thread_at = hint_at - 298;
    let mut t = bytes.clone();
    t[thread_at + 9] = 2;
    assert!(err(&t).contains("exited byte is 2"), "{}", err(&t));
    let count_at = thread_at - 8;
    let mut t = bytes.clone();
    t[count_at..count_at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
    assert!(
        err(&t).contains("threads on the right stack"),
        "{}",
        err(&t)
    );
    let limited = read_binary_from(&bytes[..], path, ReadLimit::bytes(4096));
    assert!(limited.unwrap_err().to_string().contains("memory limit"));
}
