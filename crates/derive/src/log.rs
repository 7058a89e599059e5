//! Where the pipeline says why it dropped something. Without `std` the messages go nowhere (the
//! VM has no console); with `std` they are kept when `VERDICT_DERIVE_LOG` is set, and printed to
//! stderr.

/// Logs a derivation event (a drop and its reason, a reset, a stage transition).
#[macro_export]
macro_rules! derive_log {
    ($($arg:tt)*) => {{
        #[cfg(feature = "std")]
        {
            if $crate::log::enabled() {
                std::eprintln!("[derive] {}", core::format_args!($($arg)*));
            }
        }
        #[cfg(not(feature = "std"))]
        {
            let _ = core::format_args!($($arg)*);
        }
    }};
}

/// Whether logging is on (`VERDICT_DERIVE_LOG` set).
#[cfg(feature = "std")]
pub fn enabled() -> bool {
    use std::sync::OnceLock;
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("VERDICT_DERIVE_LOG").is_some())
}
