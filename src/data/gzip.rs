//! Unpacking gzip-compressed files. A blocked gzip file (BGZF, as `bgzip` writes: a series
//! of gzip members, each stating its own length) is unpacked block by block on every core;
//! any other gzip file is unpacked as one stream.

use std::io::{self, Read};

use rayon::prelude::*;

/// The largest unpacked size of one BGZF block.
const MAX_BLOCK: usize = 1 << 16;

/// Whether `bytes` start like a gzip file.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The unpacked contents of the gzip file `bytes`.
pub fn unpack(bytes: &[u8]) -> io::Result<Vec<u8>> {
    match blocks(bytes) {
        Some(blocks) => unpack_blocks(bytes, &blocks),
        None => unpack_stream(bytes),
    }
}

fn unpack_stream(bytes: &[u8]) -> io::Result<Vec<u8>> {
    // A gzip file ends with its unpacked size (modulo 4 GiB): one allocation of the right
    // size, not a doubling buffer that copies and touches twice the memory.
    let stated = bytes[bytes.len().saturating_sub(4)..]
        .try_into()
        .map_or(0, |tail: [u8; 4]| u32::from_le_bytes(tail) as usize);
    let mut unpacked = Vec::with_capacity(stated.max(bytes.len() * 4) + 1);
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut unpacked)?;
    Ok(unpacked)
}

/// One gzip member of a BGZF file.
struct Block {
    start: usize,
    end: usize,
    unpacked: usize,
}

/// Every member of a BGZF file, or `None` if `bytes` are not one from start to end.
fn blocks(bytes: &[u8]) -> Option<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = start + block_size(&bytes[start..])?;
        let trailer: [u8; 4] = bytes.get(end.checked_sub(4)?..end)?.try_into().ok()?;
        let unpacked = u32::from_le_bytes(trailer) as usize;
        if unpacked > MAX_BLOCK {
            return None;
        }
        blocks.push(Block {
            start,
            end,
            unpacked,
        });
        start = end;
    }
    Some(blocks)
}

/// The length of the BGZF member at the start of `member`, from its `BC` extra field
/// (RFC 1952 header, SAM specification section 4.1).
fn block_size(member: &[u8]) -> Option<usize> {
    const FEXTRA: u8 = 0x04;
    let header = member.get(..12)?;
    if header[..3] != [0x1f, 0x8b, 8] || header[3] & FEXTRA == 0 {
        return None;
    }
    let extra_len = u16::from_le_bytes([header[10], header[11]]) as usize;
    let mut extra = member.get(12..12 + extra_len)?;
    while extra.len() >= 4 {
        let field_len = u16::from_le_bytes([extra[2], extra[3]]) as usize;
        let field = extra.get(4..4 + field_len)?;
        if extra[..2] == *b"BC" && field_len == 2 {
            let size = u16::from_le_bytes([field[0], field[1]]) as usize + 1;
            // Header, extra field, data, then the 8-byte trailer.
            return (size >= 12 + extra_len + 8 && size <= member.len()).then_some(size);
        }
        extra = &extra[4 + field_len..];
    }
    None
}

fn unpack_blocks(bytes: &[u8], blocks: &[Block]) -> io::Result<Vec<u8>> {
    let total = blocks.iter().map(|b| b.unpacked).sum();
    let mut unpacked = vec![0u8; total];
    let mut parts = Vec::with_capacity(blocks.len());
    let mut rest = unpacked.as_mut_slice();
    for block in blocks {
        let (part, tail) = rest.split_at_mut(block.unpacked);
        parts.push((block, part));
        rest = tail;
    }
    parts.into_par_iter().try_for_each_init(
        libdeflater::Decompressor::new,
        |decompressor, (block, part)| {
            // libdeflate checks the member's CRC-32 and length as it unpacks.
            match decompressor.gzip_decompress(&bytes[block.start..block.end], part) {
                Ok(n) if n == part.len() => Ok(()),
                result => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the gzip block at byte {} is damaged ({}); unpack the file with \
                         gzip -d to see whether it is whole",
                        block.start,
                        match result {
                            Ok(n) => format!("{n} bytes where it states {}", part.len()),
                            Err(e) => e.to_string(),
                        }
                    ),
                )),
            }
        },
    )?;
    Ok(unpacked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// `text` as BGZF: one member per `chunk` bytes, each with its `BC` field, then the
    /// empty end-of-file member.
    fn bgzf(text: &[u8], chunk: usize) -> Vec<u8> {
        let mut file = Vec::new();
        for piece in text.chunks(chunk).chain([&[][..]]) {
            let mut deflate =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            deflate.write_all(piece).unwrap();
            let data = deflate.finish().unwrap();
            let size = (18 + data.len() + 8 - 1) as u16;
            file.extend_from_slice(&[0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0]);
            file.extend_from_slice(&[b'B', b'C', 2, 0]);
            file.extend_from_slice(&size.to_le_bytes());
            file.extend_from_slice(&data);
            let mut crc = flate2::Crc::new();
            crc.update(piece);
            file.extend_from_slice(&crc.sum().to_le_bytes());
            file.extend_from_slice(&(piece.len() as u32).to_le_bytes());
        }
        file
    }

    #[test]
    fn the_bundled_log_unpacks_block_by_block_to_its_text() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample_data/online_retail.csv.gz"
        );
        let bytes = std::fs::read(path).unwrap();
        let blocks = blocks(&bytes).expect("the bundled log is BGZF");
        assert!(blocks.len() > 100);
        let unpacked = unpack(&bytes).unwrap();
        assert_eq!(unpacked, unpack_stream(&bytes).unwrap());
        assert!(unpacked.starts_with(b"InvoiceNo,StockCode,Description"));
    }

    #[test]
    fn a_plain_gzip_stream_is_not_taken_for_blocks() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"a,b\n1,2\n").unwrap();
        let bytes = gz.finish().unwrap();
        assert!(blocks(&bytes).is_none());
        assert_eq!(unpack(&bytes).unwrap(), b"a,b\n1,2\n");
    }

    #[test]
    fn a_damaged_block_is_named_by_its_position() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        let mut bytes = bgzf(&text, 60_000);
        assert_eq!(unpack(&bytes).unwrap(), text);
        let second = blocks(&bytes).unwrap()[1].start;
        bytes[second + 30] ^= 0xff;
        let error = unpack(&bytes).unwrap_err().to_string();
        assert!(
            error.contains(&format!("gzip block at byte {second} is damaged")),
            "{error}"
        );
    }
}
