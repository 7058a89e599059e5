//! Preimage stores: in memory, and on disk in redb (transactional: an interrupted import leaves the
//! store as it was).

use redb::ReadableDatabase;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use verdict_preimage::PreimageKey;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store file cannot be opened (corrupt, not a store, or unreadable).
    #[error("cannot open the preimage store {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// A read or write failed.
    #[error("preimage store {path}: {message}")]
    Access { path: PathBuf, message: String },
}

/// A key-value store of preimages.
pub trait Store: Send + Sync {
    /// The value of `key`, if stored.
    fn get(&self, key: &PreimageKey) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores all `items` at once (all or nothing).
    fn insert_all(&self, items: &[(PreimageKey, Vec<u8>)]) -> Result<(), StoreError>;
    /// Number of preimages stored.
    fn len(&self) -> Result<u64, StoreError>;
    /// Whether the store is empty.
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}

/// Preimages in memory.
#[derive(Default)]
pub struct MemoryStore(RwLock<HashMap<PreimageKey, Vec<u8>>>);

impl Store for MemoryStore {
    fn get(&self, key: &PreimageKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned())
    }
    fn insert_all(&self, items: &[(PreimageKey, Vec<u8>)]) -> Result<(), StoreError> {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        for (k, v) in items {
            map.insert(*k, v.clone());
        }
        Ok(())
    }
    fn len(&self) -> Result<u64, StoreError> {
        Ok(self.0.read().unwrap_or_else(|e| e.into_inner()).len() as u64)
    }
}

const TABLE: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("preimages");

/// Preimages on disk, in a redb database file `preimages.redb` in a data directory.
pub struct DiskStore {
    db: redb::Database,
    path: PathBuf,
}

impl DiskStore {
    /// The file name of the store inside its data directory.
    pub const FILE: &'static str = "preimages.redb";

    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(Self::FILE);
        let open_err = |message: String| StoreError::Open {
            path: path.clone(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        let db = redb::Database::create(&path).map_err(|e| open_err(e.to_string()))?;
        let store = DiskStore { db, path };
        // Make sure the table exists, so that reads of a fresh store work.
        let tx = store.db.begin_write().map_err(|e| store.access(e))?;
        tx.open_table(TABLE).map_err(|e| store.access(e))?;
        tx.commit().map_err(|e| store.access(e))?;
        Ok(store)
    }

    fn access(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Access {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }
}

impl Store for DiskStore {
    fn get(&self, key: &PreimageKey) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.access(e))?;
        let table = tx.open_table(TABLE).map_err(|e| self.access(e))?;
        let value = table.get(&key.0[..]).map_err(|e| self.access(e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn insert_all(&self, items: &[(PreimageKey, Vec<u8>)]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(|e| self.access(e))?;
        {
            let mut table = tx.open_table(TABLE).map_err(|e| self.access(e))?;
            for (k, v) in items {
                table.insert(&k.0[..], &v[..]).map_err(|e| self.access(e))?;
            }
        }
        tx.commit().map_err(|e| self.access(e))
    }

    fn len(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        let tx = self.db.begin_read().map_err(|e| self.access(e))?;
        let table = tx.open_table(TABLE).map_err(|e| self.access(e))?;
        table.len().map_err(|e| self.access(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_store_persists_across_opens_and_reports_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let k = PreimageKey::keccak256(b"v");
        {
            let s = DiskStore::open(dir.path()).unwrap();
            assert!(s.is_empty().unwrap());
            s.insert_all(&[(k, b"v".to_vec())]).unwrap();
        }
        let s = DiskStore::open(dir.path()).unwrap();
        assert_eq!(s.get(&k).unwrap(), Some(b"v".to_vec()));
        assert_eq!(s.len().unwrap(), 1);
        drop(s);
        let bad = tempfile::tempdir().unwrap();
        std::fs::write(bad.path().join(DiskStore::FILE), vec![0x5a; 10000]).unwrap();
        let err = DiskStore::open(bad.path())
            .err()
            .expect("a corrupt store is refused")
            .to_string();
        assert!(
            err.contains("cannot open the preimage store") && err.contains("preimages.redb"),
            "{err}"
        );
        // The corrupt file was not overwritten.
        assert_eq!(
            std::fs::read(bad.path().join(DiskStore::FILE)).unwrap(),
            vec![0x5a; 10000]
        );
    }
}
