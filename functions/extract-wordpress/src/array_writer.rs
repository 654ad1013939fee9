//! A JSON array written element by element into an S3 object as it grows ([`Upload`]).

use shared::Result;
use shared::upload::Upload;

/// A JSON array written element by element into an [`Upload`].
pub struct ArrayWriter<'a> {
    upload: Upload<'a>,
    elements: u64,
}

impl<'a> ArrayWriter<'a> {
    pub async fn open(upload: Upload<'a>) -> Result<Self> {
        let mut writer = ArrayWriter {
            upload,
            elements: 0,
        };
        writer.upload.write(b"[").await?;
        Ok(writer)
    }

    /// Appends elements: one item's text, or several already separated by commas (a page's
    /// array without its brackets). Nothing is appended for empty text.
    pub async fn push(&mut self, elements: &[u8]) -> Result<()> {
        if elements.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if self.elements > 0 {
            self.upload.write(b",").await?;
        }
        self.elements += 1;
        self.upload.write(elements).await
    }

    pub fn bytes(&self) -> u64 {
        self.upload.bytes()
    }

    /// Closes the array and makes the object visible; its size.
    pub async fn finish(mut self) -> Result<u64> {
        self.upload.write(b"]").await?;
        self.upload.finish().await
    }

    pub async fn abort(self) {
        self.upload.abort().await;
    }
}
