//! The preimage host: serves the fault proof program's preimage requests and hints from a store.

pub mod import;
pub mod local;
pub mod online;
pub mod server;
pub mod store;

pub use local::LocalInputs;
pub use online::{Fetcher, Online, OnlineConfig};
pub use server::{serve, Host, HostError, InProcess};
pub use store::{DiskStore, LayeredStore, MemoryStore, Store, StoreError};
