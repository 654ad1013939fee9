//! Converts raw WordPress JSON objects to bronze Parquet, with a schema that stays the same from
//! run to run (see [`columns`]): each into the run's date partition,
//! `wordpress_api/{name}/dt={date}/{name}.parquet` (rewritten whole when a day is re-run), and
//! over the latest view `wordpress_api/{name}/{name}.parquet`. After an extract it converts
//! exactly what that extract wrote (its summary), never an object an earlier run left; started
//! by hand or by a schedule, every raw latest view. An empty array is skipped and counted; an
//! object that cannot be converted is counted as failed and writes nothing.

pub mod columns;
pub mod config;
pub mod convert;

pub use config::Config;

use aws_sdk_s3::primitives::ByteStream;
use convert::{Buffer, Columns, Conversion};
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Result;
use shared::input::Start;
use shared::json_array::ArrayItems;
use shared::lakehouse::{self, ExtractSummary};
use shared::upload::Upload;

pub struct Deps {
    pub ssm: aws_sdk_ssm::Client,
    pub s3: aws_sdk_s3::Client,
    pub sns: aws_sdk_sns::Client,
    pub config: Config,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub converted: usize,
    pub failed: usize,
    pub empty: usize,
    pub files: Vec<Converted>,
    /// Raw objects holding `[]`: nothing to write.
    pub skipped: Vec<String>,
    pub failures: Vec<Failure>,
    /// `N Successful | M Failed | K Empty`
    pub summary: String,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Converted {
    pub source: String,
    /// Where it was written: the run's date partition, the latest view, or both.
    pub keys: Vec<String>,
    pub rows: usize,
    pub columns: usize,
    pub bytes: usize,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Failure {
    pub source: String,
    pub error: String,
}

enum Outcome {
    Converted(Converted),
    Empty,
}

/// What starts a conversion: the extract's summary, from the state machine, whose written
/// objects are converted; or a start by hand or by a schedule, which converts every raw object.
/// A payload that is neither is refused.
#[derive(Debug, Clone)]
pub enum Input {
    AfterExtract(ExtractSummary),
    Start(Start),
}

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let event = Value::deserialize(deserializer)?;
        if event.get("successful").is_some() {
            shared::input::typed(event).map(Input::AfterExtract)
        } else {
            shared::input::typed(event).map(Input::Start)
        }
    }
}

pub async fn handle(deps: &Deps, input: Input) -> Result<Summary> {
    let config = &deps.config;
    let raw = shared::ssm::get_parameter(&deps.ssm, &config.raw_bucket_parameter).await?;
    let bronze = shared::ssm::get_parameter(&deps.ssm, &config.bronze_bucket_parameter).await?;
    let topic = shared::ssm::get_parameter(&deps.ssm, &config.topic_parameter).await?;

    let jobs = match input {
        Input::AfterExtract(summary) => jobs(&summary, &raw)?,
        // By hand: the latest views, whose runs' own partitions are already converted.
        Input::Start(_) => {
            let prefix = format!("{}/", lakehouse::WORDPRESS_PREFIX);
            shared::s3::list_keys(&deps.s3, &raw, &prefix)
                .await?
                .into_iter()
                .filter_map(|key| {
                    let name = lakehouse::name_from_key(&key, "json")?.to_owned();
                    let targets = vec![lakehouse::object_key(&name, "parquet")];
                    Some(Job { key, targets })
                })
                .collect()
        }
    };
    let (mut files, mut skipped, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    // One object at a time: memory holds one file's data, whatever the number of files.
    for job in jobs {
        let source = format!("s3://{raw}/{}", job.key);
        match convert(deps, &raw, &bronze, job).await {
            Ok(Outcome::Converted(c)) => {
                tracing::info!(%source, keys = ?c.keys, rows = c.rows, columns = c.columns, "converted");
                files.push(c);
            }
            Ok(Outcome::Empty) => {
                tracing::info!(%source, "empty, skipped");
                skipped.push(source);
            }
            Err(error) => {
                tracing::error!(%source, %error, "conversion failed");
                failures.push(Failure { source, error });
            }
        }
    }

    let summary = format!(
        "{} Successful | {} Failed | {} Empty",
        files.len(),
        failures.len(),
        skipped.len()
    );
    tracing::info!(%raw, %bronze, "{summary}");
    if !failures.is_empty() {
        let (subject, message) = failure_notification(&failures, files.len(), &bronze);
        shared::sns::publish(&deps.sns, &topic, &subject, &message).await?;
    }
    Ok(Summary {
        converted: files.len(),
        failed: failures.len(),
        empty: skipped.len(),
        files,
        skipped,
        failures,
        summary,
    })
}

/// One raw object to convert, and the bronze keys its Parquet is written to.
struct Job {
    key: String,
    targets: Vec<String>,
}

/// What an extract wrote, to convert: each name's day partition (what changed) into bronze's,
/// and its latest view into bronze's; one conversion for both when the day holds the whole
/// collection. Checked: the summary's bucket must be this deployment's raw bucket, and its keys
/// where the extract writes that name on that date.
fn jobs(summary: &ExtractSummary, raw: &str) -> Result<Vec<Job>> {
    if summary.bucket != raw {
        return Err(shared::Error::InvalidInput(format!(
            "the extract wrote to bucket '{}', not this deployment's raw bucket '{raw}'",
            shared::input::shorten(&summary.bucket)
        )));
    }
    summary
        .written
        .iter()
        .map(|w| {
            let latest = lakehouse::name_from_key(&w.key, "json") == Some(w.name.as_str());
            let history = lakehouse::history_key(&w.name, &summary.run_date, "json");
            if latest && w.history_key == history {
                let day = lakehouse::history_key(&w.name, &summary.run_date, "parquet");
                let view = lakehouse::object_key(&w.name, "parquet");
                Ok(if w.changed == w.items && w.deleted == 0 {
                    vec![Job {
                        key: history,
                        targets: vec![day, view],
                    }]
                } else {
                    vec![
                        Job {
                            key: history,
                            targets: vec![day],
                        },
                        Job {
                            key: w.key.clone(),
                            targets: vec![view],
                        },
                    ]
                })
            } else {
                Err(shared::Error::InvalidInput(format!(
                    "written.key '{}' is not where the extract writes '{}'",
                    shared::input::shorten(&w.key),
                    shared::input::shorten(&w.name)
                )))
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(|jobs| jobs.into_iter().flatten().collect())
}

/// One raw object to Parquet, streamed both ways so memory does not grow with the object: read
/// once, or, when its first row group does not show every column, twice more (the columns, then
/// the rows), each later read pinned to the first's ETag so that every pass sees the same
/// object (see [`convert`]); uploaded to each target as it is made, visible only once whole.
async fn convert(deps: &Deps, raw: &str, bronze: &str, job: Job) -> Result<Outcome, String> {
    let key = &job.key;
    let (body, etag) = open(deps, raw, key, None).await?;
    let sink = Buffer::default();
    let one_pass = Conversion::new(sink.clone(), convert::compression());
    let written = match write(deps, raw, bronze, &job, body, one_pass, &sink).await {
        Err(Stop::NewColumn(_)) => {
            // Both passes read the version read first: a newer one is refused, not mixed in.
            let (mut body, _) = open(deps, raw, key, etag.as_deref()).await?;
            let mut columns = Columns::default();
            let mut items = ArrayItems::default();
            while let Some(chunk) = next_chunk(&mut body, raw, key).await? {
                items
                    .feed(chunk.as_ref(), |item| columns.item(item))
                    .map_err(|e| e.to_string())?;
            }
            items.finish().map_err(|e| e.to_string())?;
            let (body, _) = open(deps, raw, key, etag.as_deref()).await?;
            let sink = Buffer::default();
            let conversion =
                Conversion::with_columns(&columns, sink.clone(), convert::compression())
                    .map_err(|e| e.to_string())?;
            write(deps, raw, bronze, &job, body, conversion, &sink).await
        }
        other => other,
    };
    Ok(match written.map_err(String::from)? {
        None => Outcome::Empty,
        Some((rows, columns, bytes)) => Outcome::Converted(Converted {
            source: format!("s3://{raw}/{key}"),
            keys: job.targets,
            rows,
            columns,
            bytes: bytes as usize,
        }),
    })
}

/// Why a pass over a raw object stopped.
enum Stop {
    /// A later item has a column the first row group lacked: convert in two passes.
    NewColumn(String),
    Failed(String),
}

impl From<String> for Stop {
    fn from(e: String) -> Self {
        Stop::Failed(e)
    }
}

impl From<convert::ConvertError> for Stop {
    fn from(e: convert::ConvertError) -> Self {
        match e {
            convert::ConvertError::NewColumn { .. } => Stop::NewColumn(e.to_string()),
            e => Stop::Failed(e.to_string()),
        }
    }
}

impl From<Stop> for String {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::NewColumn(e) | Stop::Failed(e) => e,
        }
    }
}

/// Feeds `body` to `conversion` and uploads the Parquet to every target as it is made: the
/// rows, columns and bytes written, or `None` for an empty array. On any failure the uploads are
/// aborted, so every target keeps the object it had.
async fn write(
    deps: &Deps,
    raw: &str,
    bronze: &str,
    job: &Job,
    mut body: ByteStream,
    mut conversion: Conversion<Buffer>,
    sink: &Buffer,
) -> Result<Option<(usize, usize, u64)>, Stop> {
    let key = &job.key;
    let mut uploads: Vec<Upload> = job
        .targets
        .iter()
        .map(|to| Upload::new(&deps.s3, bronze, to, "application/vnd.apache.parquet"))
        .collect();
    let converted: Result<_, Stop> = async {
        let mut items = ArrayItems::default();
        while let Some(chunk) = next_chunk(&mut body, raw, key).await? {
            items.feed(chunk.as_ref(), |item| conversion.item(item))?;
            upload(&mut uploads, sink.take()).await?;
        }
        items.finish().map_err(convert::ConvertError::from)?;
        let done = conversion.finish()?;
        upload(&mut uploads, sink.take()).await?;
        Ok(done)
    }
    .await;
    let Ok(Some((rows, columns))) = converted else {
        for upload in uploads {
            upload.abort().await;
        }
        return converted.map(|_| None);
    };
    let mut bytes = 0;
    for upload in uploads {
        bytes = upload.finish().await.map_err(|e| e.to_string())?;
    }
    Ok(Some((rows, columns, bytes)))
}

async fn open(
    deps: &Deps,
    raw: &str,
    key: &str,
    if_match: Option<&str>,
) -> Result<(ByteStream, Option<String>), String> {
    shared::s3::get_object_stream(&deps.s3, raw, key, if_match)
        .await
        .map_err(|e| e.to_string())
}

async fn next_chunk(
    body: &mut ByteStream,
    raw: &str,
    key: &str,
) -> Result<Option<impl AsRef<[u8]>>, String> {
    body.try_next()
        .await
        .map_err(|e| format!("reading s3://{raw}/{key}: {e}"))
}

async fn upload(uploads: &mut [Upload<'_>], bytes: Vec<u8>) -> Result<(), String> {
    if !bytes.is_empty() {
        for upload in uploads {
            upload.write(&bytes).await.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn failure_notification(failures: &[Failure], converted: usize, bronze: &str) -> (String, String) {
    let subject = format!(
        "WordPress bronze: {} of {} files failed",
        failures.len(),
        failures.len() + converted
    );
    let mut message = format!(
        "These raw WordPress objects could not be converted to Parquet in s3://{bronze}/{}/; \
         their bronze files were left as they were:\n\n",
        lakehouse::WORDPRESS_PREFIX
    );
    for f in failures {
        message.push_str(&format!("- {}\n  {}\n", f.source, f.error));
    }
    message.push_str(&format!(
        "\n{converted} files were converted. Look at the raw object named above (the error gives \
         the item and field), fix the source or the extract, then run the workflow again."
    ));
    (subject, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_notification_names_each_object_and_error() {
        let failures = [Failure {
            source: "s3://raw/wordpress_api/users/users.json".into(),
            error: "invalid type: map, expected a JSON array of WordPress items".into(),
        }];
        let (subject, message) = failure_notification(&failures, 3, "bronze");
        assert_eq!(subject, "WordPress bronze: 1 of 4 files failed");
        assert!(message.contains("- s3://raw/wordpress_api/users/users.json\n  invalid type"));
        assert!(message.contains("3 files were converted"));
    }
}
