//! Delimited text as aisle sees it around the engine that parses it: the encoding, the
//! delimiter, the line a data row starts on, and where a file's shape breaks when the engine
//! cannot read it. Quotes are honoured throughout: a delimiter or a line break inside quotes
//! belongs to its cell.

use std::num::NonZeroU32;

/// UTF-8 passes through (a BOM is dropped); anything else is read as Windows-1252, the
/// superset of ISO-8859-1 that spreadsheet exports with `£` signs use.
pub fn to_utf8(bytes: Vec<u8>) -> (Vec<u8>, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (rest.to_vec(), "UTF-8 with BOM");
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return (bytes, "UTF-8");
    }
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    (text.into_owned().into_bytes(), "Windows-1252 / ISO-8859-1")
}

/// The candidate that splits the first lines into the same, largest number of fields.
pub fn sniff_delimiter(text: &[u8]) -> u8 {
    let sample = &text[..text.len().min(64 * 1024)];
    let lines: Vec<&[u8]> = sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(20)
        .collect();
    let count = |line: &[u8], delimiter: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                b == delimiter && !quoted
            })
            .count()
    };
    let mut best = (b',', 0usize, false);
    for delimiter in [b',', b';', b'\t', b'|'] {
        let Some(first) = lines.first() else { break };
        let fields = count(first, delimiter);
        let consistent = lines.iter().all(|l| count(l, delimiter) == fields);
        let better = (consistent, fields) > (best.2, best.1);
        if fields > 0 && better {
            best = (delimiter, fields, consistent);
        }
    }
    best.0
}

/// The 1-based line of delimited text on which data row `row` (1-based, after the header)
/// starts; line breaks inside quoted cells belong to their row.
pub fn line_of_row(text: &[u8], row: u32) -> Option<NonZeroU32> {
    let mut record = 0;
    let mut line = 1;
    let mut quoted = false;
    for &byte in text {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' => {
                line += 1;
                if !quoted {
                    record += 1;
                    if record == row {
                        return NonZeroU32::new(line);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// What to do about a CSV file the engine could not read, with the first line whose shape
/// is wrong when there is one, and the engine's own words (`detail`) last.
pub fn unreadable_csv(text: &[u8], delimiter: u8, detail: &str) -> String {
    let shown = match delimiter {
        b'\t' => "tab".to_string(),
        d => format!("`{}`", d as char),
    };
    let place = ragged_row(text, delimiter).map_or(String::new(), |row| format!("; {row}"));
    let mut detail = detail.to_string();
    if detail.chars().count() > 80 {
        detail = detail.chars().take(80).collect::<String>() + "…";
    }
    format!(
        "not a readable CSV file: rows have different numbers of fields or quotes are \
         unbalanced; aisle sniffs `,` `;` tab and `|` as delimiters and read this file with \
         {shown} — check the delimiter and quoting{place} (detail: {detail})"
    )
}

/// The first row with more fields than the header, or whose quote never closes, in words.
fn ragged_row(text: &[u8], delimiter: u8) -> Option<String> {
    let mut header_fields = None;
    let (mut fields, mut line, mut start_line) = (1, 1, 1);
    let mut quoted = false;
    for &byte in text {
        match byte {
            b'"' => quoted = !quoted,
            b if b == delimiter && !quoted => fields += 1,
            b'\n' => {
                line += 1;
                if quoted {
                    continue;
                }
                let header = *header_fields.get_or_insert(fields);
                if fields > header {
                    return Some(if line - start_line > 1 {
                        format!(
                            "a quote opened on line {start_line} runs on to line {}, giving \
                             that row {fields} fields where the header has {header}",
                            line - 1
                        )
                    } else {
                        format!(
                            "line {start_line} has {fields} fields where the header has {header}"
                        )
                    });
                }
                (fields, start_line) = (1, line);
            }
            _ => {}
        }
    }
    quoted.then(|| format!("the quote opened on line {start_line} is never closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_semicolons_tabs_and_pipes() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b\n\"x|y\"|2\n"), b'|');
        assert_eq!(sniff_delimiter(b"a,b,c\n\"x, y\",2,3\n"), b',');
    }

    #[test]
    fn latin1_pound_sign_becomes_utf8() {
        let (text, encoding) = to_utf8(b"price \xa3".to_vec());
        assert_eq!(String::from_utf8(text).unwrap(), "price £");
        assert!(encoding.starts_with("Windows-1252"));
    }

    #[test]
    fn rows_are_found_on_their_lines() {
        let text = b"a,b\n1,2\n\"two\nlines\",3\n4,5\n";
        let line = |row| line_of_row(text, row).map(NonZeroU32::get);
        assert_eq!(line(1), Some(2));
        assert_eq!(line(2), Some(3));
        assert_eq!(line(3), Some(5));
        assert_eq!(line(5), None);
    }

    #[test]
    fn ragged_rows_are_found() {
        assert_eq!(ragged_row(b"a,b\n1,2\n3,4\n", b','), None);
        assert_eq!(
            ragged_row(b"a,b\n1,2\n3,4,5\n", b','),
            Some("line 3 has 3 fields where the header has 2".into())
        );
        assert_eq!(
            ragged_row(b"a,b\n1,\"x\n2\n3,4\n", b','),
            Some("the quote opened on line 2 is never closed".into())
        );
        let text = b"a,b\n1,\"x\n2,3\n4\",5,6\n";
        assert_eq!(
            ragged_row(text, b',').unwrap(),
            "a quote opened on line 2 runs on to line 4, giving that row 4 fields where the \
             header has 2"
        );
    }
}
