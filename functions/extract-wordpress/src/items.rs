//! The items of a JSON array read from a byte stream, one at a time: how the extract reads the
//! previous latest view (up to the size of the whole site) to merge a day's changes into it
//! without holding it. Hand-written because serde_json streams whole values only, and this needs
//! the array's elements as they arrive; the scanner only tracks strings and nesting, and each
//! item it yields is then parsed by serde_json.

/// Splits a JSON array, fed in chunks, into the text of its elements.
#[derive(Debug, Default)]
pub struct ArrayItems {
    /// The current element so far.
    item: Vec<u8>,
    /// Nesting inside the array: 0 between elements.
    depth: u32,
    started: bool,
    ended: bool,
    in_string: bool,
    escaped: bool,
}

impl ArrayItems {
    /// Feeds a chunk; calls `each` with the text of every element it completes.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        mut each: impl FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        for &b in chunk {
            if self.ended {
                if !b.is_ascii_whitespace() {
                    return Err("text after the end of the array".into());
                }
                continue;
            }
            if !self.started {
                match b {
                    b'[' => self.started = true,
                    b if b.is_ascii_whitespace() => {}
                    _ => return Err("not a JSON array".into()),
                }
                continue;
            }
            if self.in_string {
                self.item.push(b);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    self.item.push(b);
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    self.item.push(b);
                }
                b'}' | b']' if self.depth > 0 => {
                    self.depth -= 1;
                    self.item.push(b);
                }
                b']' => {
                    self.ended = true;
                    self.emit(&mut each)?;
                }
                b',' if self.depth == 0 => self.emit(&mut each)?,
                b if b.is_ascii_whitespace() && self.depth == 0 => {}
                b => self.item.push(b),
            }
        }
        Ok(())
    }

    /// Whether the whole array was read.
    pub fn finish(&self) -> Result<(), String> {
        if self.ended {
            Ok(())
        } else {
            Err("the array ends early".into())
        }
    }

    fn emit(&mut self, each: &mut impl FnMut(&[u8]) -> Result<(), String>) -> Result<(), String> {
        if !self.item.is_empty() {
            each(&self.item)?;
            self.item.clear();
        }
        Ok(())
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
                Ok(())
            })?;
        }
        scanner.finish()?;
        Ok(found)
    }

    #[test]
    fn elements_come_out_whole_whatever_the_chunks() {
        let text = br#" [ {"id":1,"t":"a, [b]} \" ,"} , {"id":2,"n":[1,[2]]},3,"x,y" ] "#;
        for chunk in [1, 2, 3, 7, 1000] {
            assert_eq!(
                items(text, chunk).unwrap(),
                [
                    r#"{"id":1,"t":"a, [b]} \" ,"}"#,
                    r#"{"id":2,"n":[1,[2]]}"#,
                    "3",
                    r#""x,y""#
                ],
                "chunks of {chunk}"
            );
        }
        assert_eq!(items(b"[]", 1).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn what_is_not_one_whole_array_is_refused() {
        assert!(items(br#"{"id":1}"#, 4).is_err());
        assert!(items(br#"[{"id":1},"#, 4).is_err());
        assert!(items(br#"[1] [2]"#, 4).is_err());
    }
}
