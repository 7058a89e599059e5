//! The block check program: builds the claimed L2 block from its parent and preimages and exits 0
//! if its hash is the claimed one (VALID), 1 if not (INVALID), 2 if it cannot tell (bad inputs, a
//! missing or lying preimage, an invalid block; a panic exits 2 too). Inside the VM it reads fds
//! 3..6 through syscalls; natively (`verdict host --fixture DIR -- block-check`) the same fds as
//! pipes. See `verdict_guest::block_check` for its local inputs.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod guest {
    use verdict_guest::block_check;
    use verdict_guest_rt as rt;
    use verdict_preimage::transport::vm::{HINTS, PREIMAGES};
    use verdict_preimage::{HintClient, OracleClient};

    verdict_guest_rt::entry!(main);

    fn main() -> usize {
        match block_check::run(&OracleClient(PREIMAGES), &HintClient(HINTS)) {
            Ok(report) => {
                rt::write(1, alloc::format!("block-check: {report}\n").as_bytes());
                usize::from(!report.valid())
            }
            Err(e) => {
                rt::write(2, alloc::format!("block-check: {e}\n").as_bytes());
                2
            }
        }
    }

    extern crate alloc;
}

#[cfg(not(target_os = "none"))]
fn main() {
    use verdict_preimage::transport::channels_from_fds;
    use verdict_preimage::{HintClient, OracleClient};
    // SAFETY: started by `verdict host -- block-check` with fds 3..6 open for us.
    let (hints, preimages) = unsafe { channels_from_fds() };
    match verdict_guest::block_check::run(&OracleClient(preimages), &HintClient(hints)) {
        Ok(report) => {
            println!("block-check: {report}");
            std::process::exit(i32::from(!report.valid()));
        }
        Err(e) => {
            eprintln!("block-check: {e}");
            std::process::exit(2);
        }
    }
}
