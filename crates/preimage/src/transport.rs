//! Channels: pipes between native processes (std), and the VM's file descriptors 3..6 (guests).

/// The file descriptors of the channels (same numbers as Cannon and Asterisc). The program writes
/// hints to 4 and reads acknowledgements from 3, writes keys to 6 and reads values from 5; the host
/// started by the VM reads hints on 3, acknowledges on 4, reads keys on 5 and answers on 6.
pub mod fd {
    /// Hints (host reads) / acknowledgements (program reads).
    pub const HINT_READ: i32 = 3;
    /// Acknowledgements (host writes) / hints (program writes).
    pub const HINT_WRITE: i32 = 4;
    /// Keys (host reads) / values (program reads).
    pub const PREIMAGE_READ: i32 = 5;
    /// Values (host writes) / keys (program writes).
    pub const PREIMAGE_WRITE: i32 = 6;
}

#[cfg(feature = "std")]
pub use self::pipe::*;

#[cfg(feature = "std")]
mod pipe {
    use crate::oracle::PreimageError;
    use crate::protocol::Channel;
    use std::fs::File;
    use std::io::{ErrorKind, Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command};
    use std::time::Duration;

    /// A channel over two files: one to read, one to write (pipe ends or inherited fds). With a
    /// timeout, a read that gets no byte and a write that makes no progress for that long fail
    /// instead of blocking forever (a host that stops reading a large hint cannot hang the VM).
    /// With a spin, a read first polls without sleeping for that long (see [`Self::with_spin`]).
    pub struct FileChannel {
        reader: File,
        writer: File,
        timeout: Option<Duration>,
        spin: Duration,
    }

    impl FileChannel {
        /// A channel reading `reader` and writing `writer`, blocking without limit.
        pub fn new(reader: File, writer: File) -> Self {
            FileChannel {
                reader,
                writer,
                timeout: None,
                spin: Duration::ZERO,
            }
        }

        /// The same channel with reads that wait up to `spin` for an answer without sleeping
        /// before they block (only with a timeout, which makes reads poll). An answer that comes
        /// within the spin is read without the wake-up of a sleeping process: when the other side
        /// answers in tens of microseconds, as a preimage server does, that wake-up is most of
        /// the round trip. The cost is up to `spin` of one core's time per read.
        pub fn with_spin(self, spin: Duration) -> Self {
            FileChannel { spin, ..self }
        }

        /// The same channel with reads and writes bounded by `timeout` (the write end is made
        /// non-blocking).
        pub fn with_timeout(self, timeout: Duration) -> std::io::Result<Self> {
            set_nonblocking(&self.writer)?;
            Ok(FileChannel {
                timeout: Some(timeout),
                ..self
            })
        }

        /// Waits until `file` is ready for `events` or the timeout passes.
        fn wait(&self, file: &File, events: i16) -> Result<(), PreimageError> {
            let waiting_for = if events == libc::POLLIN {
                "no answer"
            } else {
                "the other side read nothing"
            };
            let Some(timeout) = self.timeout else {
                return Ok(());
            };
            if events == libc::POLLIN
                && !self.spin.is_zero()
                && Self::spin_until_ready(file, self.spin)
            {
                return Ok(());
            }
            let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
            loop {
                let mut pfd = libc::pollfd {
                    fd: file.as_raw_fd(),
                    events,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                let r = unsafe { libc::poll(&mut pfd, 1, ms) };
                if r > 0 {
                    return Ok(());
                }
                if r == 0 {
                    return Err(PreimageError::Io(format!(
                        "{waiting_for} within {} s",
                        timeout.as_secs_f64()
                    )));
                }
                let e = std::io::Error::last_os_error();
                if e.kind() != ErrorKind::Interrupted {
                    return Err(PreimageError::Io(e.to_string()));
                }
            }
        }
    }

    impl FileChannel {
        /// Polls `file` for input without sleeping for up to `spin`: whether it became readable
        /// (or has an error or hang-up to report, which the read that follows returns).
        fn spin_until_ready(file: &File, spin: Duration) -> bool {
            let start = std::time::Instant::now();
            loop {
                let mut pfd = libc::pollfd {
                    fd: file.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd; a zero timeout never sleeps.
                if unsafe { libc::poll(&mut pfd, 1, 0) } > 0 {
                    return true;
                }
                if start.elapsed() >= spin {
                    return false;
                }
                std::hint::spin_loop();
            }
        }
    }

    fn set_nonblocking(file: &File) -> std::io::Result<()> {
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on an fd we hold.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        // SAFETY: as above.
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    impl Channel for FileChannel {
        fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError> {
            let mut done = 0;
            while done < buf.len() {
                self.wait(&self.reader, libc::POLLIN)?;
                match (&self.reader).read(&mut buf[done..]) {
                    Ok(0) if done == 0 => return Err(PreimageError::Closed),
                    Ok(0) => {
                        return Err(PreimageError::Io(
                            "channel closed in the middle of a message".into(),
                        ))
                    }
                    Ok(n) => done += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(PreimageError::Io(e.to_string())),
                }
            }
            Ok(())
        }

        fn write_all(&self, buf: &[u8]) -> Result<(), PreimageError> {
            let mut done = 0;
            while done < buf.len() {
                match (&self.writer).write(&buf[done..]) {
                    Ok(0) => return Err(PreimageError::Io("write returned 0".into())),
                    Ok(n) => done += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        self.wait(&self.writer, libc::POLLOUT)?
                    }
                    Err(e) if e.kind() == ErrorKind::BrokenPipe => {
                        return Err(PreimageError::Closed)
                    }
                    Err(e) => return Err(PreimageError::Io(e.to_string())),
                }
            }
            Ok(())
        }
    }

    /// Two connected channels (client side, host side) over a pair of pipes.
    pub fn channel_pair() -> std::io::Result<(FileChannel, FileChannel)> {
        let (a_read, a_write) = std::io::pipe()?;
        let (b_read, b_write) = std::io::pipe()?;
        Ok((
            FileChannel::new(
                File::from(OwnedFd::from(a_read)),
                File::from(OwnedFd::from(b_write)),
            ),
            FileChannel::new(
                File::from(OwnedFd::from(b_read)),
                File::from(OwnedFd::from(a_write)),
            ),
        ))
    }

    /// A new pipe as (read end, write end), both close-on-exec.
    pub fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
        let (r, w) = std::io::pipe()?;
        Ok((OwnedFd::from(r), OwnedFd::from(w)))
    }

    /// Duplicates `fd` to a number of at least 100 (close-on-exec), out of the way of fds 3..6.
    fn dup_high(fd: &OwnedFd) -> std::io::Result<OwnedFd> {
        // SAFETY: fcntl on an open fd; the result is a new fd we own.
        let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 100) };
        if new < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `new` is a freshly created fd.
        Ok(unsafe { OwnedFd::from_raw_fd(new) })
    }

    /// Starts `cmd` with `fds[i]` as its file descriptor `3 + i` (the other ends stay with us).
    pub fn spawn_with_fds(cmd: &mut Command, fds: [&OwnedFd; 4]) -> std::io::Result<Child> {
        let high = [
            dup_high(fds[0])?,
            dup_high(fds[1])?,
            dup_high(fds[2])?,
            dup_high(fds[3])?,
        ];
        let raw: Vec<RawFd> = high.iter().map(|f| f.as_raw_fd()).collect();
        // SAFETY: only async-signal-safe calls (dup2) run between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                for (i, fd) in raw.iter().enumerate() {
                    if libc::dup2(*fd, 3 + i as i32) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        cmd.spawn()
    }

    /// Checks that fds 3..6 are open pipes or sockets, 3 and 5 readable and 4 and 6 writable, as
    /// the VM (or `verdict host -- <program>`) passes them. Call it before opening anything else:
    /// a file opened while one of them is closed would take its number, and be read as requests
    /// or written with answers.
    pub fn check_channel_fds() -> Result<(), String> {
        use super::fd::*;
        let role = |fd: i32| match fd {
            HINT_READ => "the hint channel (read)",
            HINT_WRITE => "the hint channel (write)",
            PREIMAGE_READ => "the preimage channel (read)",
            _ => "the preimage channel (write)",
        };
        for fd in [HINT_READ, HINT_WRITE, PREIMAGE_READ, PREIMAGE_WRITE] {
            // SAFETY: fstat and fcntl on an fd number, with a zeroed stat buffer of the right type.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if unsafe { libc::fstat(fd, &mut st) } != 0 {
                return Err(format!(
                    "fd {fd} ({}) is not open: this must be started with the hint and preimage \
                     channels on fds 3..6 (as `verdict vm run ... -- verdict host --server ...` does)",
                    role(fd)
                ));
            }
            let kind = st.st_mode & libc::S_IFMT;
            if kind != libc::S_IFIFO && kind != libc::S_IFSOCK {
                return Err(format!(
                    "fd {fd} ({}) is not a pipe or a socket: refusing to read or write it",
                    role(fd)
                ));
            }
            // SAFETY: as above.
            let mode = unsafe { libc::fcntl(fd, libc::F_GETFL) } & libc::O_ACCMODE;
            let wants_write = fd == HINT_WRITE || fd == PREIMAGE_WRITE;
            let ok = match mode {
                libc::O_RDWR => true,
                libc::O_WRONLY => wants_write,
                _ => !wants_write,
            };
            if !ok {
                return Err(format!(
                    "fd {fd} ({}) is open for {}",
                    role(fd),
                    if wants_write {
                        "reading only"
                    } else {
                        "writing only"
                    }
                ));
            }
        }
        Ok(())
    }

    /// The channels on the inherited fds 3..6, (hints, preimages): read 3 and write 4, read 5
    /// and write 6. Both sides see this layout: a host started by the VM (it reads hints and
    /// keys, writes acknowledgements and values) and a program started by `verdict host -- ...`
    /// (it reads acknowledgements and values, writes hints and keys).
    ///
    /// # Safety
    /// Fds 3..6 must be open and owned by nobody else in this process.
    pub unsafe fn channels_from_fds() -> (FileChannel, FileChannel) {
        use super::fd::*;
        use std::os::fd::FromRawFd;
        // SAFETY: guaranteed by the caller.
        unsafe {
            (
                FileChannel::new(File::from_raw_fd(HINT_READ), File::from_raw_fd(HINT_WRITE)),
                FileChannel::new(
                    File::from_raw_fd(PREIMAGE_READ),
                    File::from_raw_fd(PREIMAGE_WRITE),
                ),
            )
        }
    }
}

/// The program's channels inside the VM (RISC-V or MIPS64): reads and writes on fds 3..6
/// through syscalls.
#[cfg(all(
    any(target_arch = "riscv64", target_arch = "mips64"),
    target_os = "none"
))]
pub mod vm {
    use crate::oracle::PreimageError;
    use crate::protocol::Channel;

    /// The syscall wrapper of the guest runtime (the one syscall instruction of Rust programs),
    /// and the machine's numbers of read and write.
    pub use verdict_guest_rt::{syscall3, SYS_READ, SYS_WRITE};

    /// A channel on a pair of VM file descriptors.
    pub struct FdChannel {
        /// The fd read from.
        pub read_fd: usize,
        /// The fd written to.
        pub write_fd: usize,
    }

    /// The hint channel: write fd 4, read acknowledgements on fd 3.
    pub const HINTS: FdChannel = FdChannel {
        read_fd: 3,
        write_fd: 4,
    };
    /// The preimage channel: write keys to fd 6, read values from fd 5.
    pub const PREIMAGES: FdChannel = FdChannel {
        read_fd: 5,
        write_fd: 6,
    };

    impl Channel for FdChannel {
        fn read_exact(&self, buf: &mut [u8]) -> Result<(), PreimageError> {
            let mut done = 0;
            while done < buf.len() {
                let n = syscall3(
                    SYS_READ,
                    self.read_fd,
                    buf[done..].as_mut_ptr() as usize,
                    buf.len() - done,
                );
                if n == 0 && done == 0 {
                    return Err(PreimageError::Closed);
                }
                if n == 0 || n > buf.len() - done {
                    return Err(PreimageError::Io(alloc::format!(
                        "read on fd {} returned {n}",
                        self.read_fd
                    )));
                }
                done += n;
            }
            Ok(())
        }

        fn write_all(&self, buf: &[u8]) -> Result<(), PreimageError> {
            let mut done = 0;
            while done < buf.len() {
                let n = syscall3(
                    SYS_WRITE,
                    self.write_fd,
                    buf[done..].as_ptr() as usize,
                    buf.len() - done,
                );
                if n == 0 || n > buf.len() - done {
                    return Err(PreimageError::Io(alloc::format!(
                        "write on fd {} returned {n}",
                        self.write_fd
                    )));
                }
                done += n;
            }
            Ok(())
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::oracle::PreimageError;
    use crate::protocol::Channel;
    use std::time::{Duration, Instant};

    /// A channel with a spin and a timeout (client side) and its plain other end.
    fn spinning_pair(spin: Duration, timeout: Duration) -> (FileChannel, FileChannel) {
        let (client, server) = channel_pair().expect("pipes");
        let client = client
            .with_spin(spin)
            .with_timeout(timeout)
            .expect("timeout");
        (client, server)
    }

    #[test]
    fn a_spinning_read_gets_an_answer_that_comes_after_the_spin() {
        let (client, server) = spinning_pair(Duration::from_micros(50), Duration::from_secs(10));
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            server.write_all(b"late answer").expect("write");
            server
        });
        let mut buf = [0u8; 11];
        client.read_exact(&mut buf).expect("read");
        assert_eq!(&buf, b"late answer");
        drop(writer.join());
    }

    #[test]
    fn a_spinning_read_gets_an_answer_that_is_already_there() {
        let (client, server) = spinning_pair(Duration::from_millis(50), Duration::from_secs(10));
        server.write_all(b"ready").expect("write");
        let start = Instant::now();
        let mut buf = [0u8; 5];
        client.read_exact(&mut buf).expect("read");
        assert_eq!(&buf, b"ready");
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "waited out the spin"
        );
    }

    #[test]
    fn a_spinning_read_still_times_out_and_sees_a_closed_channel() {
        let (client, server) = spinning_pair(Duration::from_millis(5), Duration::from_millis(200));
        let mut buf = [0u8; 1];
        let err = client.read_exact(&mut buf).expect_err("no answer");
        assert!(
            matches!(&err, PreimageError::Io(m) if m.contains("no answer within")),
            "{err:?}"
        );
        drop(server);
        assert!(matches!(
            client.read_exact(&mut buf),
            Err(PreimageError::Closed)
        ));
    }
}
