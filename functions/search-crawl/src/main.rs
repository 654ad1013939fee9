// The layout of main's future, which holds the loaded indexes' tantivy types, is deeper than
// the default limit lets rustc compute.
#![recursion_limit = "256"]

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use search_crawl::{Config, Deps, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps::new(shared::aws::s3_client(&aws), config);
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            handle(deps, event.payload).await
        },
    ))
    .await
}
