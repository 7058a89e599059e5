//! The little RLP decoding `challengeRootL2Block` needs: the number field of a block header.

/// An item: its payload and whether it is a list.
fn item(data: &[u8]) -> Option<(bool, &[u8], usize)> {
    let &prefix = data.first()?;
    let be_len = |bytes: &[u8]| -> Option<usize> {
        if bytes.is_empty() || bytes.len() > 8 || bytes[0] == 0 {
            return None;
        }
        Some(bytes.iter().fold(0usize, |a, &b| (a << 8) | b as usize))
    };
    let (is_list, offset, len) = match prefix {
        0x00..=0x7f => return Some((false, &data[..1], 1)),
        0x80..=0xb7 => (false, 1, (prefix - 0x80) as usize),
        0xb8..=0xbf => {
            let n = (prefix - 0xb7) as usize;
            (false, 1 + n, be_len(data.get(1..1 + n)?)?)
        }
        0xc0..=0xf7 => (true, 1, (prefix - 0xc0) as usize),
        0xf8..=0xff => {
            let n = (prefix - 0xf7) as usize;
            (true, 1 + n, be_len(data.get(1..1 + n)?)?)
        }
    };
    let end = offset.checked_add(len)?;
    Some((is_list, data.get(offset..end)?, end))
}

/// The number (list item 8) of an RLP-encoded block header, as a big-endian value of at
/// most 32 bytes (saturating at `u128::MAX`); `None` if the header does not decode.
pub fn header_number(header: &[u8]) -> Option<u128> {
    let (is_list, mut payload, _) = item(header)?;
    if !is_list {
        return None;
    }
    for i in 0..=8 {
        let (is_list, bytes, used) = item(payload)?;
        if i == 8 {
            if is_list || bytes.len() > 32 {
                return None;
            }
            // Numbers past u128 saturate: they can never match a u64 block number.
            return Some(bytes.iter().fold(0u128, |a, &b| {
                a.checked_mul(256).map_or(u128::MAX, |v| v | b as u128)
            }));
        }
        payload = &payload[used..];
    }
    None
}

/// RLP encoding of a list of byte strings (for tests and simulations).
pub fn encode_list(items: &[&[u8]]) -> alloc::vec::Vec<u8> {
    let mut body = alloc::vec::Vec::new();
    for it in items {
        encode_bytes(it, &mut body);
    }
    let mut out = alloc::vec::Vec::new();
    encode_len(body.len(), 0xc0, &mut out);
    out.extend_from_slice(&body);
    out
}

fn encode_bytes(b: &[u8], out: &mut alloc::vec::Vec<u8>) {
    if b.len() == 1 && b[0] < 0x80 {
        out.push(b[0]);
    } else {
        encode_len(b.len(), 0x80, out);
        out.extend_from_slice(b);
    }
}

fn encode_len(len: usize, base: u8, out: &mut alloc::vec::Vec<u8>) {
    if len < 56 {
        out.push(base + len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(base + 55 + (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_number_of_a_header() {
        let fields: [&[u8]; 10] = [
            &[1; 32],
            &[2; 32],
            &[3; 20],
            &[4; 32],
            &[5; 32],
            &[6; 32],
            &[7; 256],
            &[],
            &[0x01, 0x00],
            &[9],
        ];
        let h = encode_list(&fields);
        assert_eq!(header_number(&h), Some(256));
        assert_eq!(header_number(&h[..h.len() - 1]), None);
        assert_eq!(header_number(&[0x80]), None);
    }
}
