//! The elements of one JSON array read from a byte stream, one at a time: how the WordPress
//! extract streams the previous latest view back, and how the bronze conversion reads a raw
//! object, without holding the document. Hand-written because serde_json streams whole values
//! only, and these need the array's elements as they arrive. The scanner tracks strings and
//! nesting only, jumping through strings with `memchr` (WordPress items are mostly HTML text);
//! an element is handed over as a slice of the chunk when it lies in one, copied only when it
//! spans chunks, and is then parsed, and so checked, by serde_json.

/// Why a text is not one whole JSON array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAnArray(pub &'static str);

impl From<NotAnArray> for String {
    fn from(e: NotAnArray) -> Self {
        e.0.to_owned()
    }
}

/// Splits a JSON array, fed in chunks, into the text of its elements.
#[derive(Debug, Default)]
pub struct ArrayItems {
    /// The start of the current element, from earlier chunks.
    carry: Vec<u8>,
    in_element: bool,
    /// Nesting inside the element: 0 for a scalar, or between elements.
    depth: u32,
    started: bool,
    ended: bool,
    in_string: bool,
    escaped: bool,
    /// A comma was read, so an element must follow.
    after_comma: bool,
    elements: usize,
}

impl ArrayItems {
    /// Feeds a chunk; calls `each` with the text of every element it completes.
    pub fn feed<E: From<NotAnArray>>(
        &mut self,
        chunk: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        // Where the current element starts in this chunk (0 when it began in an earlier one).
        let mut start = 0;
        let mut i = 0;
        while i < chunk.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                    None => i = chunk.len(),
                    Some(at) => {
                        i += at;
                        if chunk[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                        }
                        i += 1;
                    }
                }
                continue;
            }
            let b = chunk[i];
            if self.ended {
                if !b.is_ascii_whitespace() {
                    return Err(NotAnArray("text after the end of the array").into());
                }
            } else if !self.started {
                match b {
                    b'[' => self.started = true,
                    b if b.is_ascii_whitespace() => {}
                    _ => return Err(NotAnArray("not a JSON array").into()),
                }
            } else if self.depth == 0 && matches!(b, b',' | b']') {
                if self.in_element {
                    // Whitespace between an element and its separator is not part of it.
                    let end = &chunk[start..i];
                    if self.carry.is_empty() {
                        each(end.trim_ascii_end())?;
                    } else {
                        self.carry.extend_from_slice(end);
                        each(self.carry.trim_ascii_end())?;
                        self.carry.clear();
                    }
                    self.in_element = false;
                    self.elements += 1;
                } else if b == b',' || self.after_comma {
                    return Err(NotAnArray("an empty element").into());
                }
                self.after_comma = b == b',';
                self.ended = b == b']';
            } else if !(self.depth == 0 && b.is_ascii_whitespace()) {
                if !self.in_element {
                    self.in_element = true;
                    start = i;
                }
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
            }
            i += 1;
        }
        if self.in_element {
            self.carry.extend_from_slice(&chunk[start..]);
        }
        Ok(())
    }

    /// Whether the whole array was read.
    pub fn finish(&self) -> Result<(), NotAnArray> {
        if self.ended {
            Ok(())
        } else {
            Err(NotAnArray("the array ends early"))
        }
    }

    /// Elements read so far.
    pub fn elements(&self) -> usize {
        self.elements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &[u8], chunk: usize) -> Result<Vec<String>, String> {
        let mut scanner = ArrayItems::default();
        let mut found = Vec::new();
        for part in text.chunks(chunk) {
            scanner.feed(part, |item| {
                found.push(String::from_utf8_lossy(item).into_owned());
                Ok::<(), String>(())
            })?;
        }
        scanner.finish()?;
        Ok(found)
    }

    #[test]
    fn elements_come_out_whole_whatever_the_chunks() {
        let text = br#" [ {"id":1,"t":"a, [b]} \" ,\\"} , {"id":2,"n":[1,[2]]},3,"x,y" ,"\\\"]"] "#;
        for chunk in [1, 2, 3, 7, 1000] {
            assert_eq!(
                items(text, chunk).unwrap(),
                [
                    r#"{"id":1,"t":"a, [b]} \" ,\\"}"#,
                    r#"{"id":2,"n":[1,[2]]}"#,
                    "3",
                    r#""x,y""#,
                    r#""\\\"]""#
                ],
                "chunks of {chunk}"
            );
        }
        assert_eq!(items(b"[]", 1).unwrap(), Vec::<String>::new());
        assert_eq!(items(b" [ ] ", 1).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn what_is_not_one_whole_array_is_refused() {
        for bad in [
            &br#"{"id":1}"#[..],
            br#"[{"id":1},"#,
            br#"[1] [2]"#,
            b"[1,,2]",
            b"[1,]",
            b"[,]",
            b"<html>",
            b"",
        ] {
            for chunk in [1, 4, 100] {
                assert!(
                    items(bad, chunk).is_err(),
                    "{}",
                    String::from_utf8_lossy(bad)
                );
            }
        }
    }

    #[test]
    fn an_element_in_one_chunk_is_not_copied() {
        let mut scanner = ArrayItems::default();
        let chunk = br#"[{"a":1},{"b":2}]"#;
        let mut addresses = Vec::new();
        scanner
            .feed(chunk, |item| {
                addresses.push(item.as_ptr());
                Ok::<(), String>(())
            })
            .unwrap();
        assert_eq!(addresses, [chunk[1..].as_ptr(), chunk[9..].as_ptr()]);
        assert_eq!(scanner.elements(), 2);
    }
}
