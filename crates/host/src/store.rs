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

/// The preimage table, read.
type Table = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;

/// The open database: writable (one process at a time), or read-only (shared by any number of
/// readers, and possible on a read-only filesystem).
enum Db {
    Writable(redb::Database),
    ReadOnly(redb::ReadOnlyDatabase),
}

/// Preimages on disk, in a redb database file `preimages.redb` in a data directory.
pub struct DiskStore {
    db: Db,
    path: PathBuf,
}

impl DiskStore {
    /// The file name of the store inside its data directory.
    pub const FILE: &'static str = "preimages.redb";

    /// Opens (creating if needed) the store in `dir` for writing; one process at a time.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(Self::FILE);
        let open_err = |message: String| StoreError::Open {
            path: path.clone(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        let db = redb::Database::create(&path).map_err(|e| open_err(e.to_string()))?;
        let store = DiskStore {
            db: Db::Writable(db),
            path,
        };
        // Make sure the table exists, so that reads of a fresh store work.
        if let Db::Writable(db) = &store.db {
            let tx = db.begin_write().map_err(|e| store.access(e))?;
            tx.open_table(TABLE).map_err(|e| store.access(e))?;
            tx.commit().map_err(|e| store.access(e))?;
        }
        Ok(store)
    }

    /// Opens the existing store in `dir` read-only: it is never written, any number of readers
    /// share it, and it may live on a read-only filesystem. A store left needing recovery (its
    /// writer was killed mid-commit) must first be opened for writing once.
    pub fn open_read_only(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(Self::FILE);
        if !path.exists() {
            return Err(StoreError::Open {
                message: "there is no store there (create one with `verdict host import`)".into(),
                path,
            });
        }
        let db = redb::ReadOnlyDatabase::open(&path).map_err(|e| StoreError::Open {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(DiskStore {
            db: Db::ReadOnly(db),
            path,
        })
    }

    /// As [`DiskStore::open_read_only`], but a store whose writer was killed (redb then wants a
    /// repair before it reads it) is first opened for writing once, which repairs it; what its
    /// writer committed is kept. `repaired` is told when that happens.
    pub fn open_read_only_repairing(
        dir: &Path,
        repaired: impl FnOnce(&StoreError),
    ) -> Result<Self, StoreError> {
        let path = dir.join(Self::FILE);
        match redb::ReadOnlyDatabase::open(&path) {
            Err(redb::DatabaseError::RepairAborted) => {
                let e = StoreError::Open {
                    path: path.clone(),
                    message: "its writer did not close it (killed?): repairing".into(),
                };
                repaired(&e);
                drop(Self::open(dir)?);
                Self::open_read_only(dir)
            }
            Ok(db) => Ok(DiskStore {
                db: Db::ReadOnly(db),
                path,
            }),
            Err(_) => Self::open_read_only(dir),
        }
    }

    fn access(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Access {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, StoreError> {
        match &self.db {
            Db::Writable(db) => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        }
        .map_err(|e| self.access(e))
    }

    /// The preimage table, or `None` in a store that never had one written.
    fn table(&self, tx: &redb::ReadTransaction) -> Result<Option<Table>, StoreError> {
        match tx.open_table(TABLE) {
            Ok(table) => Ok(Some(table)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(self.access(e)),
        }
    }
}

impl Store for DiskStore {
    fn get(&self, key: &PreimageKey) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.begin_read()?;
        let Some(table) = self.table(&tx)? else {
            return Ok(None);
        };
        let value = table.get(&key.0[..]).map_err(|e| self.access(e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn insert_all(&self, items: &[(PreimageKey, Vec<u8>)]) -> Result<(), StoreError> {
        let Db::Writable(db) = &self.db else {
            return Err(self.access("the store was opened read-only"));
        };
        let tx = db.begin_write().map_err(|e| self.access(e))?;
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
        let tx = self.begin_read()?;
        match self.table(&tx)? {
            Some(table) => table.len().map_err(|e| self.access(e)),
            None => Ok(0),
        }
    }
}

/// Stores searched in order: a value is served from the first that has it, and new values go
/// to the first. `--fixture` and `--preimages` over a read-only `--data-dir` are served this way,
/// without writing into the store.
pub struct LayeredStore(pub Vec<std::sync::Arc<dyn Store>>);

impl Store for LayeredStore {
    fn get(&self, key: &PreimageKey) -> Result<Option<Vec<u8>>, StoreError> {
        for store in &self.0 {
            if let Some(value) = store.get(key)? {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    fn insert_all(&self, items: &[(PreimageKey, Vec<u8>)]) -> Result<(), StoreError> {
        match self.0.first() {
            Some(store) => store.insert_all(items),
            None => Ok(()),
        }
    }

    /// The sum of the layers' counts (a key held by two layers counts twice).
    fn len(&self) -> Result<u64, StoreError> {
        self.0.iter().map(|s| s.len()).sum()
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
