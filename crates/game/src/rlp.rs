//! The little RLP decoding `challengeRootL2Block` needs: the number field of a block header
//! (alloy-rlp's item headers, canonical encodings only, as the contract's RLP reader).

use alloy_rlp::Header;

/// The next item of `data`: whether it is a list, its payload, and the rest of `data`.
fn item(data: &[u8]) -> Option<(bool, &[u8], &[u8])> {
    let mut rest = data;
    let header = Header::decode(&mut rest).ok()?;
    let payload = rest.get(..header.payload_length)?;
    Some((header.list, payload, &rest[header.payload_length..]))
}

/// The number (list item 8) of an RLP-encoded block header, as a big-endian value of at
/// most 32 bytes (saturating at `u128::MAX`); `None` if the header does not decode.
pub fn header_number(header: &[u8]) -> Option<u128> {
    let (is_list, mut payload, _) = item(header)?;
    if !is_list {
        return None;
    }
    for i in 0..=8 {
        let (is_list, bytes, rest) = item(payload)?;
        if i == 8 {
            if is_list || bytes.len() > 32 {
                return None;
            }
            // Numbers past u128 saturate: they can never match a u64 block number.
            return Some(bytes.iter().fold(0u128, |a, &b| {
                a.checked_mul(256).map_or(u128::MAX, |v| v | b as u128)
            }));
        }
        payload = rest;
    }
    None
}

/// RLP encoding of a list of byte strings (for tests and simulations).
pub fn encode_list(items: &[&[u8]]) -> alloc::vec::Vec<u8> {
    let mut body = alloc::vec::Vec::new();
    for it in items {
        alloy_rlp::Encodable::encode(it, &mut body);
    }
    let mut out = alloc::vec::Vec::new();
    Header {
        list: true,
        payload_length: body.len(),
    }
    .encode(&mut out);
    out.extend_from_slice(&body);
    out
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
