//! A minimal DER writer and reader: just enough ASN.1 to build small X.509 certificates and to
//! find the public key inside one.

/// DER tag numbers used here.
pub(crate) mod tag {
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
    pub(crate) const CONTEXT_0: u8 = 0xa0;
}

/// Encodes one tag-length-value.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already encoded parts.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// A positive INTEGER from big-endian magnitude bytes.
pub(crate) fn integer(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = {
        let skip = magnitude
            .iter()
            .take_while(|&&b| b == 0)
            .count()
            .min(magnitude.len().saturating_sub(1));
        magnitude[skip..].to_vec()
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|&b| b & 0x80 != 0) || trimmed.is_empty() {
        content.push(0);
    }
    content.extend_from_slice(&trimmed);
    tlv(tag::INTEGER, &content)
}

/// One TLV read from the front of `input`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    pub(crate) whole: &'a [u8],
    pub(crate) rest: &'a [u8],
}

/// Reads the first TLV of `input`, or `None` if it is malformed.
pub(crate) fn read(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_len) = after_tag.split_first()?;
    let (len, header_rest) = if first < 0x80 {
        (usize::from(first), after_len)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || after_len.len() < n {
            return None;
        }
        let len = after_len[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &after_len[n..])
    };
    if header_rest.len() < len {
        return None;
    }
    let header_len = input.len() - header_rest.len();
    Some(Tlv {
        tag,
        content: &header_rest[..len],
        whole: &input[..header_len + len],
        rest: &header_rest[len..],
    })
}

/// The SubjectPublicKeyInfo (whole TLV) inside a DER X.509 certificate.
pub(crate) fn certificate_spki(cert: &[u8]) -> Option<&[u8]> {
    let certificate = read(cert)?;
    if certificate.tag != tag::SEQUENCE {
        return None;
    }
    let tbs = read(certificate.content)?;
    if tbs.tag != tag::SEQUENCE {
        return None;
    }
    let mut cursor = tbs.content;
    let first = read(cursor)?;
    if first.tag == tag::CONTEXT_0 {
        cursor = first.rest;
    }
    // serial, signature algorithm, issuer, validity, subject
    for _ in 0..5 {
        cursor = read(cursor)?.rest;
    }
    let spki = read(cursor)?;
    (spki.tag == tag::SEQUENCE).then_some(spki.whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let encoded = tlv(tag::SEQUENCE, &content);
        let parsed = read(&encoded).expect("parses");
        assert_eq!(parsed.content.len(), 300);
        assert!(parsed.rest.is_empty());
    }

    #[test]
    fn integers_stay_positive() {
        assert_eq!(integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0x00, 0x01]), vec![0x02, 0x01, 0x01]);
    }
}
