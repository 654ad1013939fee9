//! One S3 object written from chunks as they arrive, so what grows with the data (an endpoint's
//! pages, a Parquet file) is never all held in memory: under [`PART_BYTES`] the object is one PUT at the end; past it, a multipart
//! upload of [`PART_BYTES`] parts. Nothing is visible until [`Upload::finish`], and
//! [`Upload::abort`] leaves the object that was there as it was. Hand-written because the SDK
//! has no streaming writer and AWS's transfer manager crate is a preview that pulls in far more
//! than this needs.

use crate::{Error, Result};
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

/// The size of each part but the last: above S3's 5 MiB minimum, small enough that a part and a
/// page fit many times in the function's memory.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

pub struct Upload<'a> {
    s3: &'a Client,
    bucket: String,
    key: String,
    content_type: String,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    bytes: u64,
}

impl<'a> Upload<'a> {
    pub fn new(s3: &'a Client, bucket: &str, key: &str, content_type: &str) -> Self {
        Upload {
            s3,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            content_type: content_type.to_owned(),
            buffer: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            bytes: 0,
        }
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Takes `data` a part at a time: whatever its size, no more than one part is ever copied.
    pub async fn write(&mut self, mut data: &[u8]) -> Result<()> {
        self.bytes += data.len() as u64;
        while !data.is_empty() {
            let room = PART_BYTES - self.buffer.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            self.buffer.extend_from_slice(now);
            data = rest;
            if self.buffer.len() == PART_BYTES {
                let part = std::mem::take(&mut self.buffer);
                self.upload_part(part).await?;
            }
        }
        Ok(())
    }

    /// Makes the object visible: the whole of what was written, or, on an error, nothing.
    pub async fn finish(mut self) -> Result<u64> {
        if self.upload_id.is_none() {
            crate::s3::put_object(
                self.s3,
                &self.bucket,
                &self.key,
                std::mem::take(&mut self.buffer),
                &self.content_type,
            )
            .await?;
            return Ok(self.bytes);
        }
        if !self.buffer.is_empty() {
            let last = std::mem::take(&mut self.buffer);
            if let Err(e) = self.upload_part(last).await {
                self.abort().await;
                return Err(e);
            }
        }
        let parts = CompletedMultipartUpload::builder()
            .set_parts(Some(std::mem::take(&mut self.parts)))
            .build();
        let completed = self
            .s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_upload_id(self.upload_id.clone())
            .multipart_upload(parts)
            .send()
            .await
            .map_err(|e| Error::from_sdk(self.context("CompleteMultipartUpload"), e));
        if let Err(e) = completed {
            self.abort().await;
            return Err(e);
        }
        Ok(self.bytes)
    }

    /// Drops what was written; the object that was there stays as it was. An abort that fails
    /// leaves only invisible parts, which the bucket's lifecycle rule removes.
    pub async fn abort(self) {
        let Some(upload_id) = &self.upload_id else {
            return;
        };
        if let Err(e) = self
            .s3
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .send()
            .await
        {
            let error = Error::from_sdk(self.context("AbortMultipartUpload"), e);
            tracing::warn!(%error, "the parts stay until the bucket's lifecycle rule removes them");
        }
    }

    fn context(&self, what: &str) -> String {
        format!("S3 {what} s3://{}/{}", self.bucket, self.key)
    }

    async fn upload_part(&mut self, part: Vec<u8>) -> Result<()> {
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = self
                    .s3
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .content_type(&self.content_type)
                    .send()
                    .await
                    .map_err(|e| Error::from_sdk(self.context("CreateMultipartUpload"), e))?;
                let id = created.upload_id.ok_or_else(|| {
                    Error::Aws(format!(
                        "{} returned no upload id",
                        self.context("CreateMultipartUpload")
                    ))
                })?;
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = i32::try_from(self.parts.len() + 1)
            .map_err(|_| Error::Internal("more parts than S3 numbers".into()))?;
        let uploaded = self
            .s3
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(part))
            .send()
            .await
            .map_err(|e| Error::from_sdk(self.context("UploadPart"), e))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(uploaded.e_tag)
                .build(),
        );
        Ok(())
    }
}
