//! The oracle check program: inside the VM (reading fds 3..6 through syscalls) or natively (reading
//! the same fds as pipes, started by `verdict host -- oracle-check`). Exits 0 when every preimage it
//! read matched its key, 2 on a missing or wrong preimage.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod guest {
    use verdict_guest::oracle_check;
    use verdict_guest_rt as rt;
    use verdict_preimage::transport::vm::{HINTS, PREIMAGES};
    use verdict_preimage::{HintClient, OracleClient};

    verdict_guest_rt::entry!(main);

    fn main() -> usize {
        match oracle_check::run(&OracleClient(PREIMAGES), &HintClient(HINTS)) {
            Ok(report) => {
                rt::write(
                    1,
                    alloc::format!("oracle-check: ok {report:?}\n").as_bytes(),
                );
                0
            }
            Err(e) => {
                rt::write(2, alloc::format!("oracle-check: {e}\n").as_bytes());
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
    // SAFETY: started by `verdict host -- oracle-check` with fds 3..6 open for us.
    let (hints, preimages) = unsafe { channels_from_fds() };
    match verdict_guest::oracle_check::run(&OracleClient(preimages), &HintClient(hints)) {
        Ok(report) => println!("oracle-check: ok {report:?}"),
        Err(e) => {
            eprintln!("oracle-check: {e}");
            std::process::exit(2);
        }
    }
}
