//! What the extract's test files share.

use extract_wordpress::Deps;
use serde_json::Value;
use shared::lakehouse::ExtractSummary;
use std::time::{Duration, Instant};

/// The handler on a raw payload, as Lambda delivers it, with five minutes to run.
pub async fn handle(deps: &Deps, event: Value) -> shared::Result<ExtractSummary> {
    let deadline = Instant::now() + Duration::from_secs(300);
    extract_wordpress::handle(deps, shared::input::parse(event)?, deadline).await
}
