//! The world state over the state trie: accounts, storage, code and block hashes read from
//! preimages, a revm [`Database`] over them, the changes of executed transactions, and the new
//! state root.

use crate::error::{PreimageKind, ProgramError};
use crate::oracle::{Preimages, StateRead};
use crate::trie::{Trie, EMPTY_ROOT};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use alloy_consensus::Header;
use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::{Decodable, Encodable};
use revm::bytecode::Bytecode;
use revm::database_interface::Database;
use revm::primitives::KECCAK_EMPTY;
use revm::state::{AccountInfo, EvmState};
use verdict_preimage::PreimageOracle;

/// An account as stored in the state trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrieAccount {
    /// Nonce.
    pub nonce: u64,
    /// Balance.
    pub balance: U256,
    /// The root of its storage trie.
    pub storage_root: B256,
    /// keccak256 of its code.
    pub code_hash: B256,
}

impl TrieAccount {
    /// The RLP list `[nonce, balance, storageRoot, codeHash]`.
    pub fn rlp(&self) -> Vec<u8> {
        let payload_length = self.nonce.length()
            + self.balance.length()
            + self.storage_root.length()
            + self.code_hash.length();
        let mut out = Vec::with_capacity(payload_length + 3);
        alloy_rlp::Header {
            list: true,
            payload_length,
        }
        .encode(&mut out);
        self.nonce.encode(&mut out);
        self.balance.encode(&mut out);
        self.storage_root.encode(&mut out);
        self.code_hash.encode(&mut out);
        out
    }

    /// Decodes the RLP of an account.
    pub fn decode(mut data: &[u8]) -> Result<Self, alloy_rlp::Error> {
        let buf = &mut data;
        let header = alloy_rlp::Header::decode(buf)?;
        if !header.list || buf.len() != header.payload_length {
            return Err(alloy_rlp::Error::UnexpectedString);
        }
        let account = TrieAccount {
            nonce: u64::decode(buf)?,
            balance: U256::decode(buf)?,
            storage_root: B256::decode(buf)?,
            code_hash: B256::decode(buf)?,
        };
        if !buf.is_empty() {
            return Err(alloy_rlp::Error::UnexpectedLength);
        }
        Ok(account)
    }
}

/// One account as the block sees it.
#[derive(Debug)]
struct Entry {
    /// Its current info (`None`: it does not exist).
    info: Option<AccountInfo>,
    /// Its storage trie as of the parent state (empty once wiped).
    storage: Trie,
    /// Slots written by the block.
    changes: BTreeMap<U256, U256>,
    /// Whether the parent's storage was discarded (account destroyed or created anew).
    wiped: bool,
    /// Whether the block touched it.
    dirty: bool,
}

/// The state of the chain during a block, backed by preimages.
pub struct State<'a, O> {
    pre: &'a Preimages<O>,
    trie: Trie,
    accounts: BTreeMap<Address, Entry>,
    code: BTreeMap<B256, Bytecode>,
    /// Known block hashes by number.
    block_hashes: BTreeMap<u64, B256>,
    /// The oldest block whose hash is known, to walk further back from through headers.
    oldest: (u64, B256),
    /// The parent's number: the block whose state is read.
    parent_number: u64,
}

impl<'a, O: PreimageOracle> State<'a, O> {
    /// The state of the block after `parent` (whose hash is `parent_hash`).
    pub fn new(pre: &'a Preimages<O>, parent: &Header, parent_hash: B256) -> Self {
        let mut block_hashes = BTreeMap::new();
        block_hashes.insert(parent.number, parent_hash);
        if parent.number > 0 {
            block_hashes.insert(parent.number - 1, parent.parent_hash);
        }
        State {
            pre,
            trie: Trie::new(parent.state_root),
            accounts: BTreeMap::new(),
            code: BTreeMap::new(),
            block_hashes,
            oldest: (parent.number.saturating_sub(1), parent.parent_hash),
            parent_number: parent.number,
        }
    }

    fn entry(&mut self, address: Address) -> Result<&mut Entry, ProgramError> {
        if !self.accounts.contains_key(&address) {
            self.pre.hint(StateRead::Account {
                block: self.parent_number,
                address,
            });
            let key = keccak256(address);
            let account =
                match self.trie.get(key.as_slice(), self.pre)? {
                    None => None,
                    Some(v) => Some(TrieAccount::decode(v).map_err(|e| {
                        ProgramError::BadTrieValue(format!("account {address}: {e}"))
                    })?),
                };
            let entry = match account {
                None => Entry {
                    info: None,
                    storage: Trie::empty(),
                    changes: BTreeMap::new(),
                    wiped: false,
                    dirty: false,
                },
                Some(a) => Entry {
                    info: Some(AccountInfo {
                        balance: a.balance,
                        nonce: a.nonce,
                        code_hash: a.code_hash,
                        code: None,
                        account_id: None,
                    }),
                    storage: Trie::new(a.storage_root),
                    changes: BTreeMap::new(),
                    wiped: false,
                    dirty: false,
                },
            };
            self.accounts.insert(address, entry);
        }
        Ok(self.accounts.get_mut(&address).expect("just inserted"))
    }

    /// Applies the state changes of one transaction or system call.
    pub fn commit(&mut self, changes: EvmState) -> Result<(), ProgramError> {
        for (address, account) in changes {
            if !account.is_touched() {
                continue;
            }
            let selfdestructed = account.is_selfdestructed();
            let created = account.is_created();
            let empty = account.is_empty();
            let mut info = account.info;
            if let Some(code) = info.code.take() {
                if info.code_hash != KECCAK_EMPTY && !code.is_empty() {
                    self.code.entry(info.code_hash).or_insert(code);
                }
            }
            let entry = self.entry(address)?;
            entry.dirty = true;
            if selfdestructed || created {
                entry.wiped = true;
                entry.storage = Trie::empty();
                entry.changes.clear();
            }
            if selfdestructed || (empty && !created) {
                // Destroyed, or touched while empty (EIP-161).
                entry.info = None;
                continue;
            }
            entry.info = Some(info);
            for (slot, value) in account.storage {
                if value.is_changed() || created {
                    entry.changes.insert(slot, value.present_value);
                }
            }
        }
        Ok(())
    }

    /// Sets the code hash of an account (its code is fetched by that hash when needed).
    pub fn set_code_hash(&mut self, address: Address, code_hash: B256) -> Result<(), ProgramError> {
        let entry = self.entry(address)?;
        let mut info = entry.info.clone().unwrap_or_default();
        info.code_hash = code_hash;
        info.code = None;
        entry.info = Some(info);
        entry.dirty = true;
        Ok(())
    }

    /// Writes every change into the tries and returns the new state root.
    pub fn state_root(&mut self) -> Result<B256, ProgramError> {
        let pre = self.pre;
        for (address, entry) in self.accounts.iter_mut().filter(|(_, e)| e.dirty) {
            let key = keccak256(address);
            let Some(info) = &entry.info else {
                self.trie.remove(key.as_slice(), pre)?;
                entry.dirty = false;
                continue;
            };
            for (slot, value) in core::mem::take(&mut entry.changes) {
                let slot_key = keccak256(slot.to_be_bytes::<32>());
                if value.is_zero() {
                    entry.storage.remove(slot_key.as_slice(), pre)?;
                } else {
                    entry
                        .storage
                        .insert(slot_key.as_slice(), alloy_rlp::encode(value), pre)?;
                }
            }
            let account = TrieAccount {
                nonce: info.nonce,
                balance: info.balance,
                storage_root: entry.storage.root(),
                code_hash: info.code_hash,
            };
            self.trie.insert(key.as_slice(), account.rlp(), pre)?;
            entry.dirty = false;
        }
        Ok(self.trie.root())
    }

    /// The state-trie and storage-trie nodes held in memory and every code seen, once
    /// [`State::state_root`] has written the changes.
    pub fn post_state(&mut self) -> crate::block::PostState {
        let mut nodes = self.trie.nodes();
        for entry in self.accounts.values_mut() {
            if entry.info.is_some() {
                nodes.extend(entry.storage.nodes());
            }
        }
        let code = self.code.values().map(|c| c.original_bytes()).collect();
        crate::block::PostState { nodes, code }
    }

    /// The storage root of `address` in the state written by [`State::state_root`].
    pub fn storage_root(&mut self, address: Address) -> Result<B256, ProgramError> {
        let key = keccak256(address);
        match self.trie.get(key.as_slice(), self.pre)? {
            None => Ok(EMPTY_ROOT),
            Some(v) => Ok(TrieAccount::decode(v)
                .map_err(|e| ProgramError::BadTrieValue(format!("account {address}: {e}")))?
                .storage_root),
        }
    }
}

impl<O: PreimageOracle> Database for State<'_, O> {
    type Error = ProgramError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, ProgramError> {
        Ok(self.entry(address)?.info.clone())
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, ProgramError> {
        if code_hash == KECCAK_EMPTY || code_hash.is_zero() {
            return Ok(Bytecode::default());
        }
        if let Some(code) = self.code.get(&code_hash) {
            return Ok(code.clone());
        }
        self.pre.hint(StateRead::Code(code_hash));
        let raw = self.pre.fetch(PreimageKind::Code, code_hash)?;
        let code = Bytecode::new_raw_checked(raw.into()).map_err(|e| ProgramError::BadCode {
            hash: code_hash,
            reason: format!("{e:?}"),
        })?;
        self.code.insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, ProgramError> {
        let (pre, block) = (self.pre, self.parent_number);
        let entry = self.entry(address)?;
        if let Some(v) = entry.changes.get(&index) {
            return Ok(*v);
        }
        if entry.wiped || entry.info.is_none() {
            return Ok(U256::ZERO);
        }
        pre.hint(StateRead::Storage {
            block,
            address,
            slot: index,
        });
        let key = keccak256(index.to_be_bytes::<32>());
        match entry.storage.get(key.as_slice(), pre)? {
            None => Ok(U256::ZERO),
            Some(mut v) => U256::decode(&mut v).map_err(|e| {
                ProgramError::BadTrieValue(format!("storage {address} slot {index}: {e}"))
            }),
        }
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, ProgramError> {
        if let Some(h) = self.block_hashes.get(&number) {
            return Ok(*h);
        }
        // Walk back from the oldest known block through the headers.
        while self.oldest.0 > number {
            let (n, hash) = self.oldest;
            let rlp = self.pre.fetch(PreimageKind::Header, hash)?;
            let header = Header::decode(&mut rlp.as_slice())
                .map_err(|e| ProgramError::BadHeader(format!("block {hash}: {e}")))?;
            if header.number != n {
                return Err(ProgramError::BadHeader(format!(
                    "block {hash} has number {} where {n} was expected",
                    header.number
                )));
            }
            self.block_hashes.insert(n - 1, header.parent_hash);
            self.oldest = (n - 1, header.parent_hash);
        }
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}
