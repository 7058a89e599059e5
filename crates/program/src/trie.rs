//! A Merkle Patricia trie whose nodes are fetched by hash, on demand, from a [`NodeSource`].
//!
//! Nodes are branch (16 children and a value), extension (a shared path and one child) and leaf
//! (the rest of the path and a value); paths are hex-prefix encoded; a child whose RLP is shorter
//! than 32 bytes is embedded in its parent instead of being referenced by its hash. A node not yet
//! needed stays a bare hash: only the paths that are read or written are fetched, and the root is
//! recomputed from the changed nodes and the hashes of the untouched ones.

use crate::error::ProgramError;
use crate::oracle::NodeSource;
use alloc::boxed::Box;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use alloy_primitives::{b256, keccak256, B256};
use alloy_rlp::Header;

/// The root of the empty trie: keccak256 of the RLP empty string.
pub const EMPTY_ROOT: B256 =
    b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

/// A trie node.
#[derive(Clone, Debug, Default)]
enum Node {
    /// No node (an empty trie or an empty branch slot).
    #[default]
    Empty,
    /// A node known only by its hash (not fetched yet).
    Hash(B256),
    /// A leaf: the rest of the key and the value.
    Leaf {
        path: Vec<u8>,
        value: Vec<u8>,
        hash: Option<B256>,
    },
    /// An extension: a path shared by all keys below, and the node below.
    Extension {
        path: Vec<u8>,
        child: Box<Node>,
        hash: Option<B256>,
    },
    /// A branch: one child per nibble, and the value of the key ending here.
    Branch {
        children: Box<[Node; 16]>,
        value: Option<Vec<u8>>,
        hash: Option<B256>,
    },
}

/// The nibbles of a key.
pub fn nibbles(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() * 2);
    for b in key {
        out.push(b >> 4);
        out.push(b & 0x0f);
    }
    out
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Hex-prefix encoding of a path (`leaf` selects the leaf flag).
fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 };
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push(((flag + 1) << 4) | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    for pair in rest.chunks(2) {
        out.push((pair[0] << 4) | pair[1]);
    }
    out
}

/// Decodes a hex-prefix path: (nibbles, is leaf).
fn decode_hex_prefix(data: &[u8]) -> Result<(Vec<u8>, bool), &'static str> {
    let first = *data.first().ok_or("empty hex-prefix path")?;
    let flag = first >> 4;
    if flag > 3 {
        return Err("bad hex-prefix flag");
    }
    let mut path = Vec::with_capacity(data.len() * 2);
    if flag & 1 == 1 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err("bad hex-prefix padding");
    }
    for b in &data[1..] {
        path.push(b >> 4);
        path.push(b & 0x0f);
    }
    Ok((path, flag >= 2))
}

fn encode_bytes(data: &[u8], out: &mut Vec<u8>) {
    if data.len() == 1 && data[0] < 0x80 {
        out.push(data[0]);
    } else {
        Header {
            list: false,
            payload_length: data.len(),
        }
        .encode(out);
        out.extend_from_slice(data);
    }
}

fn encode_list(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 3);
    Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend_from_slice(payload);
    out
}

/// One RLP item of a list: whether it is a list, its payload, and its full encoding.
struct Item<'a> {
    list: bool,
    payload: &'a [u8],
    raw: &'a [u8],
}

fn list_items(data: &[u8]) -> Result<Vec<Item<'_>>, alloy_rlp::Error> {
    let mut buf = data;
    let header = Header::decode(&mut buf)?;
    if !header.list {
        return Err(alloy_rlp::Error::UnexpectedString);
    }
    if buf.len() != header.payload_length {
        return Err(alloy_rlp::Error::UnexpectedLength);
    }
    let mut items = Vec::new();
    while !buf.is_empty() {
        let start = buf;
        let h = Header::decode(&mut buf)?;
        if buf.len() < h.payload_length {
            return Err(alloy_rlp::Error::InputTooShort);
        }
        let payload = &buf[..h.payload_length];
        buf = &buf[h.payload_length..];
        let raw = &start[..start.len() - buf.len()];
        items.push(Item {
            list: h.list,
            payload,
            raw,
        });
    }
    Ok(items)
}

impl Node {
    /// Decodes the RLP of a node; `hash` names the fetched node it is (or is embedded in).
    fn decode(data: &[u8], hash: B256) -> Result<Node, ProgramError> {
        let bad = |reason: &str| ProgramError::BadTrieNode {
            hash,
            reason: reason.into(),
        };
        let items = list_items(data).map_err(|e| bad(&format!("{e}")))?;
        let child = |item: &Item<'_>| -> Result<Node, ProgramError> {
            if item.list {
                if item.raw.len() >= 32 {
                    return Err(bad("embedded node of 32 bytes or more"));
                }
                Node::decode(item.raw, hash)
            } else if item.payload.is_empty() {
                Ok(Node::Empty)
            } else if item.payload.len() == 32 {
                Ok(Node::Hash(B256::from_slice(item.payload)))
            } else {
                Err(bad("child reference is neither a hash nor a node"))
            }
        };
        match items.len() {
            17 => {
                let mut children: Box<[Node; 16]> = Box::default();
                for (i, item) in items[..16].iter().enumerate() {
                    children[i] = child(item)?;
                }
                if items[16].list {
                    return Err(bad("branch value is a list"));
                }
                let value = (!items[16].payload.is_empty()).then(|| items[16].payload.to_vec());
                Ok(Node::Branch {
                    children,
                    value,
                    hash: None,
                })
            }
            2 => {
                if items[0].list {
                    return Err(bad("path is a list"));
                }
                let (path, leaf) = decode_hex_prefix(items[0].payload).map_err(bad)?;
                if leaf {
                    if items[1].list {
                        return Err(bad("leaf value is a list"));
                    }
                    Ok(Node::Leaf {
                        path,
                        value: items[1].payload.to_vec(),
                        hash: None,
                    })
                } else {
                    if path.is_empty() {
                        return Err(bad("extension with an empty path"));
                    }
                    let c = child(&items[1])?;
                    if matches!(c, Node::Empty) {
                        return Err(bad("extension without a child"));
                    }
                    Ok(Node::Extension {
                        path,
                        child: Box::new(c),
                        hash: None,
                    })
                }
            }
            n => Err(bad(&format!("list of {n} items"))),
        }
    }

    /// Fetches this node if it is only a hash.
    fn resolve<S: NodeSource + ?Sized>(&mut self, src: &S) -> Result<(), ProgramError> {
        if let Node::Hash(h) = *self {
            let data = src.node(h)?;
            let mut node = Node::decode(&data, h)?;
            if data.len() >= 32 {
                node.set_hash(h);
            }
            *self = node;
        }
        Ok(())
    }

    fn set_hash(&mut self, h: B256) {
        match self {
            Node::Leaf { hash, .. } | Node::Extension { hash, .. } | Node::Branch { hash, .. } => {
                *hash = Some(h)
            }
            Node::Empty | Node::Hash(_) => {}
        }
    }

    /// The RLP of this node (children by reference).
    fn encode(&mut self) -> Vec<u8> {
        let mut payload = Vec::new();
        match self {
            Node::Empty => return vec![0x80],
            Node::Hash(h) => {
                // Only reachable for a root that was never fetched; callers use the hash.
                encode_bytes(h.as_slice(), &mut payload);
                return payload;
            }
            Node::Leaf { path, value, .. } => {
                encode_bytes(&hex_prefix(path, true), &mut payload);
                encode_bytes(value, &mut payload);
            }
            Node::Extension { path, child, .. } => {
                encode_bytes(&hex_prefix(path, false), &mut payload);
                child.encode_ref(&mut payload);
            }
            Node::Branch {
                children, value, ..
            } => {
                for c in children.iter_mut() {
                    c.encode_ref(&mut payload);
                }
                encode_bytes(value.as_deref().unwrap_or(&[]), &mut payload);
            }
        }
        encode_list(&payload)
    }

    /// Appends the reference to this node as a child: its RLP if shorter than 32 bytes, else
    /// its hash.
    fn encode_ref(&mut self, out: &mut Vec<u8>) {
        match self {
            Node::Empty => out.push(0x80),
            Node::Hash(h) => encode_bytes(h.as_slice(), out),
            Node::Leaf { hash: Some(h), .. }
            | Node::Extension { hash: Some(h), .. }
            | Node::Branch { hash: Some(h), .. } => encode_bytes(h.as_slice(), out),
            _ => {
                let rlp = self.encode();
                if rlp.len() < 32 {
                    out.extend_from_slice(&rlp);
                } else {
                    let h = keccak256(&rlp);
                    self.set_hash(h);
                    encode_bytes(h.as_slice(), out);
                }
            }
        }
    }
}

/// The value at `path` below `node`.
fn get<'a, S: NodeSource + ?Sized>(
    mut node: &'a mut Node,
    mut path: &[u8],
    src: &S,
) -> Result<Option<&'a [u8]>, ProgramError> {
    loop {
        node.resolve(src)?;
        match node {
            Node::Empty => return Ok(None),
            Node::Hash(_) => unreachable!("resolved"),
            Node::Leaf { path: p, value, .. } => {
                return Ok((p.as_slice() == path).then_some(value.as_slice()));
            }
            Node::Extension { path: p, child, .. } => {
                if !path.starts_with(p) {
                    return Ok(None);
                }
                path = &path[p.len()..];
                node = child;
            }
            Node::Branch {
                children, value, ..
            } => {
                if path.is_empty() {
                    return Ok(value.as_deref());
                }
                node = &mut children[path[0] as usize];
                path = &path[1..];
            }
        }
    }
}

/// `node` with `path` set to `value`.
fn insert<S: NodeSource + ?Sized>(
    mut node: Node,
    path: &[u8],
    value: Vec<u8>,
    src: &S,
) -> Result<Node, ProgramError> {
    node.resolve(src)?;
    Ok(match node {
        Node::Empty => Node::Leaf {
            path: path.to_vec(),
            value,
            hash: None,
        },
        Node::Hash(_) => unreachable!("resolved"),
        Node::Leaf {
            path: p,
            value: v,
            hash,
        } => {
            if p == path {
                if v == value {
                    return Ok(Node::Leaf {
                        path: p,
                        value: v,
                        hash,
                    });
                }
                return Ok(Node::Leaf {
                    path: p,
                    value,
                    hash: None,
                });
            }
            let c = common_prefix(&p, path);
            let mut children: Box<[Node; 16]> = Box::default();
            let mut branch_value = None;
            if p.len() == c {
                branch_value = Some(v);
            } else {
                children[p[c] as usize] = Node::Leaf {
                    path: p[c + 1..].to_vec(),
                    value: v,
                    hash: None,
                };
            }
            if path.len() == c {
                branch_value = Some(value);
            } else {
                children[path[c] as usize] = Node::Leaf {
                    path: path[c + 1..].to_vec(),
                    value,
                    hash: None,
                };
            }
            let branch = Node::Branch {
                children,
                value: branch_value,
                hash: None,
            };
            wrap_extension(&path[..c], branch)
        }
        Node::Extension { path: p, child, .. } => {
            let c = common_prefix(&p, path);
            if c == p.len() {
                let child = insert(*child, &path[c..], value, src)?;
                return Ok(Node::Extension {
                    path: p,
                    child: Box::new(child),
                    hash: None,
                });
            }
            let mut children: Box<[Node; 16]> = Box::default();
            let mut branch_value = None;
            // What is left of the extension below the new branch.
            children[p[c] as usize] = wrap_extension(&p[c + 1..], *child);
            if path.len() == c {
                branch_value = Some(value);
            } else {
                children[path[c] as usize] = Node::Leaf {
                    path: path[c + 1..].to_vec(),
                    value,
                    hash: None,
                };
            }
            let branch = Node::Branch {
                children,
                value: branch_value,
                hash: None,
            };
            wrap_extension(&path[..c], branch)
        }
        Node::Branch {
            mut children,
            value: v,
            ..
        } => {
            if path.is_empty() {
                return Ok(Node::Branch {
                    children,
                    value: Some(value),
                    hash: None,
                });
            }
            let i = path[0] as usize;
            let child = core::mem::take(&mut children[i]);
            children[i] = insert(child, &path[1..], value, src)?;
            Node::Branch {
                children,
                value: v,
                hash: None,
            }
        }
    })
}

/// `node` below an extension of `path` (or `node` itself if `path` is empty).
fn wrap_extension(path: &[u8], node: Node) -> Node {
    if path.is_empty() {
        node
    } else {
        Node::Extension {
            path: path.to_vec(),
            child: Box::new(node),
            hash: None,
        }
    }
}

/// `node` with `path` removed; the flag tells whether anything changed.
fn remove<S: NodeSource + ?Sized>(
    mut node: Node,
    path: &[u8],
    src: &S,
) -> Result<(Node, bool), ProgramError> {
    node.resolve(src)?;
    match node {
        Node::Empty => Ok((Node::Empty, false)),
        Node::Hash(_) => unreachable!("resolved"),
        Node::Leaf { path: ref p, .. } if p.as_slice() == path => Ok((Node::Empty, true)),
        Node::Leaf { .. } => Ok((node, false)),
        Node::Extension {
            path: p,
            child,
            hash,
        } => {
            if !path.starts_with(&p) {
                return Ok((
                    Node::Extension {
                        path: p,
                        child,
                        hash,
                    },
                    false,
                ));
            }
            let (child, changed) = remove(*child, &path[p.len()..], src)?;
            if !changed {
                return Ok((
                    Node::Extension {
                        path: p,
                        child: Box::new(child),
                        hash,
                    },
                    false,
                ));
            }
            Ok((join_path(p, child, src)?, true))
        }
        Node::Branch {
            mut children,
            mut value,
            hash,
        } => {
            if path.is_empty() {
                if value.is_none() {
                    return Ok((
                        Node::Branch {
                            children,
                            value,
                            hash,
                        },
                        false,
                    ));
                }
                value = None;
            } else {
                let i = path[0] as usize;
                let child = core::mem::take(&mut children[i]);
                let (child, changed) = remove(child, &path[1..], src)?;
                children[i] = child;
                if !changed {
                    return Ok((
                        Node::Branch {
                            children,
                            value,
                            hash,
                        },
                        false,
                    ));
                }
            }
            Ok((collapse_branch(children, value, src)?, true))
        }
    }
}

/// A branch that may have lost a child or its value, made canonical: a branch with one child and
/// no value becomes an extension or a leaf (which needs the remaining child, maybe fetched).
fn collapse_branch<S: NodeSource + ?Sized>(
    mut children: Box<[Node; 16]>,
    value: Option<Vec<u8>>,
    src: &S,
) -> Result<Node, ProgramError> {
    let mut used = children
        .iter()
        .enumerate()
        .filter(|(_, c)| !matches!(c, Node::Empty));
    let first = used.next().map(|(i, _)| i);
    let more = used.next().is_some();
    match (first, more, value) {
        (_, true, value) | (Some(_), false, value @ Some(_)) => Ok(Node::Branch {
            children,
            value,
            hash: None,
        }),
        (None, false, Some(value)) => Ok(Node::Leaf {
            path: Vec::new(),
            value,
            hash: None,
        }),
        (None, false, None) => Ok(Node::Empty),
        (Some(i), false, None) => {
            let child = core::mem::take(&mut children[i]);
            join_path(vec![i as u8], child, src)
        }
    }
}

/// The node for `prefix` followed by `child`: merges `child`'s own path when it is a leaf or
/// an extension (fetching it if needed).
fn join_path<S: NodeSource + ?Sized>(
    mut prefix: Vec<u8>,
    mut child: Node,
    src: &S,
) -> Result<Node, ProgramError> {
    child.resolve(src)?;
    Ok(match child {
        Node::Empty => Node::Empty,
        Node::Hash(_) => unreachable!("resolved"),
        Node::Leaf { path, value, .. } => {
            prefix.extend_from_slice(&path);
            Node::Leaf {
                path: prefix,
                value,
                hash: None,
            }
        }
        Node::Extension { path, child, .. } => {
            prefix.extend_from_slice(&path);
            Node::Extension {
                path: prefix,
                child,
                hash: None,
            }
        }
        branch @ Node::Branch { .. } => Node::Extension {
            path: prefix,
            child: Box::new(branch),
            hash: None,
        },
    })
}

/// A Merkle Patricia trie over a [`NodeSource`].
#[derive(Clone, Debug)]
pub struct Trie {
    root: Node,
}

impl Default for Trie {
    fn default() -> Self {
        Trie::empty()
    }
}

impl Trie {
    /// The empty trie.
    pub fn empty() -> Self {
        Trie { root: Node::Empty }
    }

    /// The trie with root hash `root`; nodes are fetched when needed.
    pub fn new(root: B256) -> Self {
        if root == EMPTY_ROOT {
            Trie::empty()
        } else {
            Trie {
                root: Node::Hash(root),
            }
        }
    }

    /// The value of `key` (raw bytes, not hashed here), if any.
    pub fn get<S: NodeSource + ?Sized>(
        &mut self,
        key: &[u8],
        src: &S,
    ) -> Result<Option<&[u8]>, ProgramError> {
        get(&mut self.root, &nibbles(key), src)
    }

    /// Sets `key` to `value`; an empty value removes the key.
    pub fn insert<S: NodeSource + ?Sized>(
        &mut self,
        key: &[u8],
        value: Vec<u8>,
        src: &S,
    ) -> Result<(), ProgramError> {
        if value.is_empty() {
            return self.remove(key, src);
        }
        let root = core::mem::take(&mut self.root);
        self.root = insert(root, &nibbles(key), value, src)?;
        Ok(())
    }

    /// Removes `key` (nothing happens if it is absent).
    pub fn remove<S: NodeSource + ?Sized>(
        &mut self,
        key: &[u8],
        src: &S,
    ) -> Result<(), ProgramError> {
        let root = core::mem::take(&mut self.root);
        self.root = remove(root, &nibbles(key), src)?.0;
        Ok(())
    }

    /// The RLP of the root and of every node referenced by hash that is held in memory (nodes
    /// never fetched are left out): what an oracle needs to serve this trie.
    pub fn nodes(&mut self) -> Vec<Vec<u8>> {
        fn walk(node: &mut Node, root: bool, out: &mut Vec<Vec<u8>>) {
            match node {
                Node::Empty | Node::Hash(_) => return,
                Node::Leaf { .. } => {}
                Node::Extension { child, .. } => walk(child, false, out),
                Node::Branch { children, .. } => {
                    for c in children.iter_mut() {
                        walk(c, false, out);
                    }
                }
            }
            let rlp = node.encode();
            if root || rlp.len() >= 32 {
                out.push(rlp);
            }
        }
        let mut out = Vec::new();
        walk(&mut self.root, true, &mut out);
        out
    }

    /// The root hash.
    pub fn root(&mut self) -> B256 {
        match &mut self.root {
            Node::Empty => EMPTY_ROOT,
            Node::Hash(h) => *h,
            Node::Leaf { hash: Some(h), .. }
            | Node::Extension { hash: Some(h), .. }
            | Node::Branch { hash: Some(h), .. } => *h,
            node => keccak256(node.encode()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::NoNodes;

    #[test]
    fn hex_prefix_round_trips() {
        for path in [
            vec![],
            vec![1],
            vec![1, 2],
            vec![0xf, 0, 3],
            vec![0, 0, 0, 0],
        ] {
            for leaf in [false, true] {
                let enc = hex_prefix(&path, leaf);
                assert_eq!(decode_hex_prefix(&enc).unwrap(), (path.clone(), leaf));
            }
        }
        assert_eq!(hex_prefix(&[1, 2, 3, 4, 5], false), vec![0x11, 0x23, 0x45]);
        assert_eq!(
            hex_prefix(&[0, 1, 2, 3, 4, 5], false),
            vec![0x00, 0x01, 0x23, 0x45]
        );
        assert_eq!(
            hex_prefix(&[0xf, 1, 0xc, 0xb, 8], true),
            vec![0x3f, 0x1c, 0xb8]
        );
        assert_eq!(
            hex_prefix(&[0, 0xf, 1, 0xc, 0xb, 8], true),
            vec![0x20, 0x0f, 0x1c, 0xb8]
        );
    }

    #[test]
    fn empty_trie_has_the_empty_root() {
        let mut t = Trie::empty();
        assert_eq!(t.root(), keccak256([0x80]));
        t.insert(b"a", b"b".to_vec(), &NoNodes).unwrap();
        t.remove(b"a", &NoNodes).unwrap();
        assert_eq!(t.root(), EMPTY_ROOT);
    }

    #[test]
    fn known_roots() {
        // The classic example: do, dog, doge, horse.
        let mut t = Trie::empty();
        for (k, v) in [
            ("do", "verb"),
            ("dog", "puppy"),
            ("doge", "coin"),
            ("horse", "stallion"),
        ] {
            t.insert(k.as_bytes(), v.as_bytes().to_vec(), &NoNodes)
                .unwrap();
        }
        assert_eq!(
            t.root(),
            b256!("5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84")
        );
        assert_eq!(t.get(b"dog", &NoNodes).unwrap(), Some(&b"puppy"[..]));
        assert_eq!(t.get(b"do", &NoNodes).unwrap(), Some(&b"verb"[..]));
        assert_eq!(t.get(b"d", &NoNodes).unwrap(), None);
        assert_eq!(t.get(b"doges", &NoNodes).unwrap(), None);
    }
}
