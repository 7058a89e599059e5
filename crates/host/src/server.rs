//! Serving the program: hints on one channel, preimage requests on the other.

use crate::local::LocalInputs;
use crate::store::{Store, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use verdict_preimage::protocol::ServeError;
use verdict_preimage::{Channel, Hint, HintServer, OracleServer, PreimageKey};

/// Why the host stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The program asked for a key the host does not have.
    #[error("unknown preimage key {0}: it is not in the store and this host has no L1/L2 node to fetch it from")]
    UnknownKey(PreimageKey),
    /// The program asked for a local input that was not given.
    #[error("the program asked for local key {key}, but {flag} was not given")]
    MissingLocal {
        key: PreimageKey,
        flag: &'static str,
    },
    /// A stored value that does not hash to its key (a corrupt store): never served.
    #[error("the store's value for key {0} does not hash to the key: the store is corrupt, refusing to serve it")]
    CorruptValue(PreimageKey),
    /// A hint that cannot be parsed.
    #[error("malformed hint: {0}")]
    MalformedHint(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A channel failed.
    #[error("{0}")]
    Channel(String),
    /// Fetching what a hint names failed (the message names the endpoint and request).
    #[error("hint {hint}: {message}")]
    Fetch { hint: String, message: String },
}

/// The host's state: the store, the local inputs and counters.
pub struct Host {
    store: Arc<dyn Store>,
    locals: LocalInputs,
    fetcher: Option<Arc<dyn crate::online::Fetcher>>,
    /// Preimages served.
    pub served: AtomicU64,
    /// Hints received.
    pub hints: AtomicU64,
}

impl Host {
    /// A host serving from `store` and `locals`.
    pub fn new(store: Arc<dyn Store>, locals: LocalInputs) -> Self {
        Host {
            store,
            locals,
            fetcher: None,
            served: AtomicU64::new(0),
            hints: AtomicU64::new(0),
        }
    }

    /// A host that fetches what each hint names with `fetcher` (which writes it into the store)
    /// before acknowledging the hint.
    pub fn with_fetcher(mut self, fetcher: Arc<dyn crate::online::Fetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// The value of `key`.
    pub fn lookup(&self, key: PreimageKey) -> Result<Vec<u8>, HostError> {
        let value = match self.locals.get(&key) {
            Ok(Some(v)) => v,
            Err(flag) => return Err(HostError::MissingLocal { key, flag }),
            Ok(None) => self.store.get(&key)?.ok_or(HostError::UnknownKey(key))?,
        };
        // keccak256 and sha256 keys are checked; blob and precompile values cannot be checked
        // from their key alone (the program checks what it reads).
        if key.matches(&value) == Some(false) {
            return Err(HostError::CorruptValue(key));
        }
        self.served.fetch_add(1, Ordering::Relaxed);
        Ok(value)
    }

    /// Handles one hint: an online host fetches what it names into the store; offline,
    /// everything the program can ask for must already be in the store, so a well-formed hint
    /// needs no work. A malformed hint is an error.
    pub fn handle_hint(&self, hint: &str) -> Result<(), HostError> {
        Hint::parse(hint).map_err(HostError::MalformedHint)?;
        if let Some(f) = &self.fetcher {
            f.fetch(hint).map_err(|message| {
                let mut shown: String = hint.chars().take(90).collect();
                if shown.len() < hint.len() {
                    shown.push_str("...");
                }
                HostError::Fetch {
                    hint: shown,
                    message,
                }
            })?;
        }
        self.hints.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn flatten(e: ServeError<HostError>) -> HostError {
    match e {
        ServeError::Handler(e) => e,
        ServeError::MalformedHint(m) => HostError::MalformedHint(m),
        ServeError::Channel(e) => HostError::Channel(e.to_string()),
    }
}

/// Serves hints and preimage requests (each channel on its own thread) until the program closes
/// its channels, or stops at the first request that cannot be answered.
pub fn serve(
    host: Arc<Host>,
    hints: impl Channel + Send + 'static,
    preimages: impl Channel + Send + 'static,
) -> Result<(), HostError> {
    let (done, finished) = std::sync::mpsc::channel::<Result<(), HostError>>();
    let hint_host = host.clone();
    let hint_done = done.clone();
    std::thread::spawn(move || {
        let server = HintServer(hints);
        let result = loop {
            match server.serve_one(|h| hint_host.handle_hint(h)) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(flatten(e)),
            }
        };
        let _ = hint_done.send(result);
    });
    std::thread::spawn(move || {
        let server = OracleServer(preimages);
        let result = loop {
            match server.serve_one(|k| host.lookup(k)) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(flatten(e)),
            }
        };
        let _ = done.send(result);
    });
    // Done when both channels closed cleanly, or at the first error.
    for _ in 0..2 {
        finished
            .recv()
            .map_err(|_| HostError::Channel("a serving thread died".into()))??;
    }
    Ok(())
}

/// The host as a program in the same process sees it (`verdict host --native`): preimages by
/// [`Host::lookup`], hints by [`Host::handle_hint`] (an online host fetches then).
#[derive(Clone)]
pub struct InProcess(pub Arc<Host>);

impl verdict_preimage::PreimageOracle for InProcess {
    fn get(&self, key: PreimageKey) -> Result<Vec<u8>, verdict_preimage::PreimageError> {
        self.0
            .lookup(key)
            .map_err(|e| verdict_preimage::PreimageError::Io(e.to_string()))
    }
}

impl verdict_preimage::HintWriter for InProcess {
    fn hint(&self, hint: &[u8]) -> Result<(), verdict_preimage::PreimageError> {
        let text = std::str::from_utf8(hint).map_err(|e| {
            verdict_preimage::PreimageError::Io(format!("a hint that is not UTF-8: {e}"))
        })?;
        self.0
            .handle_hint(text)
            .map_err(|e| verdict_preimage::PreimageError::Io(e.to_string()))
    }
}
