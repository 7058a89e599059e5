//! The fault proof program (`verdict_claim`): from the L1 head and the agreed L2 output root,
//! derives and executes the L2 chain and judges the claimed output root. Exits 0 if the claim
//! holds (VALID), 1 if not (INVALID), and 2-5 when it cannot tell (see `verdict_claim::error`).
//! Inside the VM it reads fds 3..6 through syscalls; natively (`verdict host ... -- claim`) the
//! same fds as pipes.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod guest {
    use verdict_guest_rt as rt;
    use verdict_preimage::transport::vm::{HINTS, PREIMAGES};
    use verdict_preimage::{HintClient, OracleClient};

    verdict_guest_rt::entry!(main);

    fn main() -> usize {
        match verdict_claim::run(OracleClient(PREIMAGES), HintClient(HINTS)) {
            Ok(report) => {
                rt::write(1, alloc::format!("claim: {report}\n").as_bytes());
                usize::from(!report.valid())
            }
            Err(e) => {
                rt::write(2, alloc::format!("claim: {e}\n").as_bytes());
                e.exit_code() as usize
            }
        }
    }

    extern crate alloc;
}

#[cfg(not(target_os = "none"))]
fn main() {
    use verdict_preimage::transport::channels_from_fds;
    use verdict_preimage::{HintClient, OracleClient};
    // SAFETY: started by `verdict host -- claim` (or a VM-less runner) with fds 3..6 open for us.
    let (hints, preimages) = unsafe { channels_from_fds() };
    match verdict_claim::run(OracleClient(preimages), HintClient(hints)) {
        Ok(report) => {
            println!("claim: {report}");
            std::process::exit(i32::from(!report.valid()));
        }
        Err(e) => {
            eprintln!("claim: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
