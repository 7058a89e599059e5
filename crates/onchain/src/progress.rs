//! The challenger's progress on disk (`<datadir>/progress.json`, written atomically after each
//! change): which factory it watches, how far it has scanned the factory's games, and what it
//! decided about each game. Killed and restarted, it resumes from there; the games themselves are
//! read back from the chain.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the challenger does with a game.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GameState {
    /// In progress, or resolved with credit still to claim.
    Playing,
    /// Not ours to play; the reason is logged and kept.
    Skipped,
    /// Resolved, nothing left to claim.
    Done,
}

/// One game's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameProgress {
    /// Its index in the factory.
    pub index: u64,
    /// What we do with it.
    pub state: GameState,
    /// Why it is skipped, or the last error met on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Transactions we sent to it (moves, uploads, steps, resolutions, claims).
    #[serde(default)]
    pub transactions: u64,
}

/// The whole progress file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The factory watched (a datadir belongs to one factory).
    pub factory: Option<Address>,
    /// The next factory index to look at.
    pub next_index: u64,
    /// Every game seen, by address.
    pub games: BTreeMap<Address, GameProgress>,
}

impl Progress {
    /// The file in `datadir`.
    pub fn path(datadir: &Path) -> PathBuf {
        datadir.join("progress.json")
    }

    /// Reads the progress in `datadir` (empty if there is none yet); refuses a datadir used for
    /// another factory.
    pub fn load(datadir: &Path, factory: Address) -> Result<Progress, String> {
        let path = Self::path(datadir);
        let p = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice::<Progress>(&b)
                .map_err(|e| format!("{}: not a progress file: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Progress {
                factory: Some(factory),
                ..Default::default()
            },
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if p.factory.is_some_and(|f| f != factory) {
            return Err(format!(
                "{} belongs to factory {}, not {factory}: use another --datadir",
                path.display(),
                p.factory.unwrap_or_default()
            ));
        }
        Ok(Progress {
            factory: Some(factory),
            ..p
        })
    }

    /// Writes it to `datadir`, atomically.
    pub fn save(&self, datadir: &Path) -> Result<(), String> {
        let path = Self::path(datadir);
        let bytes = serde_json::to_vec_pretty(self).expect("progress serializes");
        verdict_fpvm::files::write_atomic(&path, &bytes).map_err(|e| e.to_string())
    }
}
