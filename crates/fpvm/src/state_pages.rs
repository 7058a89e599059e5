//! The memory of a state file, as both VMs' files hold it: the limit a file's pages are read
//! under, and the reference JSON's page list (`[{"index": n, "data": "<4096 bytes of hex>"}, ...]`,
//! by increasing index) written lazily from memory and read as it streams, page by page.

use crate::memory::{Memory, PAGE_SIZE};
use crate::serde_hex::page_hex;
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The first page index past the 64-bit address space (pages are 4 KiB).
pub const PAGE_INDEX_LIMIT: u64 = 1 << 52;

/// What a state file may hold at most: more pages than this is refused as it streams, so a
/// huge or bomb-like file costs no more than the largest valid state.
#[derive(Clone, Copy, Debug)]
pub struct ReadLimit {
    /// The most pages a state may hold.
    pub max_pages: u64,
}

impl ReadLimit {
    /// Up to `bytes` of guest memory.
    pub fn bytes(bytes: u64) -> Self {
        ReadLimit {
            max_pages: bytes / PAGE_SIZE as u64,
        }
    }

    /// No limit.
    pub fn none() -> Self {
        ReadLimit {
            max_pages: u64::MAX,
        }
    }

    /// Why a state of `pages` pages is refused, if it is.
    pub fn refusal(&self, pages: u64) -> Option<String> {
        (pages > self.max_pages).then(|| {
            format!(
                "it holds {pages} pages ({} MiB), more than the memory limit of {} MiB",
                pages / 256,
                self.max_pages / 256
            )
        })
    }
}

impl Default for ReadLimit {
    fn default() -> Self {
        ReadLimit::bytes(crate::memory::DEFAULT_MEMORY_LIMIT)
    }
}

/// A page as the reference's JSON holds it, to write.
#[derive(Serialize)]
struct JsonPage<'a> {
    index: u64,
    #[serde(serialize_with = "page_hex::serialize")]
    data: &'a [u8; PAGE_SIZE],
}

/// A page as the reference's JSON holds it, read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonPageIn {
    index: u64,
    #[serde(deserialize_with = "page_hex::deserialize")]
    data: Box<[u8; PAGE_SIZE]>,
}

/// The pages of a memory, serialized lazily in order (no copy of memory).
pub struct JsonPages<'a>(pub &'a Memory);

impl Serialize for JsonPages<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .pages_sorted()
                .into_iter()
                .map(|(index, data)| JsonPage { index, data }),
        )
    }
}

/// Reads a JSON page list into `memory`, each page as it streams, refusing more pages than
/// `limit`, an index outside the address space and a page given twice.
pub struct PageList<'a> {
    /// Where the pages go.
    pub memory: &'a mut Memory,
    /// The most pages accepted.
    pub limit: ReadLimit,
}

impl<'de> DeserializeSeed<'de> for PageList<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PageList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of pages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut count = 0u64;
        while let Some(page) = seq.next_element::<JsonPageIn>()? {
            count += 1;
            if count > self.limit.max_pages {
                return Err(de::Error::custom(format!(
                    "more than {} pages, the memory limit of {} MiB",
                    self.limit.max_pages,
                    self.limit.max_pages / 256
                )));
            }
            if page.index >= PAGE_INDEX_LIMIT {
                return Err(de::Error::custom(format!(
                    "page index {:#x} is outside the 64-bit address space",
                    page.index
                )));
            }
            if self.memory.has_page(page.index) {
                return Err(de::Error::custom(format!(
                    "page {:#x} appears twice",
                    page.index
                )));
            }
            self.memory.set_page(page.index, &page.data);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str, limit: ReadLimit) -> Result<Memory, String> {
        let mut memory = Memory::default();
        let mut de = serde_json::Deserializer::from_str(json);
        PageList {
            memory: &mut memory,
            limit,
        }
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
        Ok(memory)
    }

    #[test]
    fn pages_written_are_read_back_and_bad_lists_are_refused() {
        let mut memory = Memory::default();
        memory.write(0x1234, b"verdict");
        memory.write(0x7fff_0000, &[0xff; 8]);
        let json = serde_json::to_string(&JsonPages(&memory)).unwrap();
        let mut back = read(&json, ReadLimit::none()).unwrap();
        assert_eq!(back.merkle_root(), memory.merkle_root());

        let err = read(&json, ReadLimit { max_pages: 1 }).unwrap_err();
        assert!(err.contains("more than 1 pages"), "{err}");
        let page = "0".repeat(2 * PAGE_SIZE);
        let twice = format!(r#"[{{"index":1,"data":"{page}"}},{{"index":1,"data":"{page}"}}]"#);
        assert!(read(&twice, ReadLimit::none())
            .unwrap_err()
            .contains("appears twice"));
        let far = format!(r#"[{{"index":{PAGE_INDEX_LIMIT},"data":"{page}"}}]"#);
        assert!(read(&far, ReadLimit::none())
            .unwrap_err()
            .contains("outside the 64-bit address space"));
        let extra = format!(r#"[{{"index":1,"data":"{page}","x":1}}]"#);
        assert!(read(&extra, ReadLimit::none())
            .unwrap_err()
            .contains("unknown field"));
        assert_eq!(ReadLimit::bytes(1 << 20).refusal(256), None);
        assert!(ReadLimit::bytes(1 << 20).refusal(257).is_some());
    }
}
