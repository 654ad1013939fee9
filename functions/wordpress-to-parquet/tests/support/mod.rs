//! What the converter's test files share.

use serde_json::Value;
use wordpress_to_parquet::{Deps, Summary};

/// The handler on a raw payload, as Lambda delivers it.
pub async fn handle(deps: &Deps, event: Value) -> shared::Result<Summary> {
    wordpress_to_parquet::handle(deps, shared::input::parse(event)?).await
}
