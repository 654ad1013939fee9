use crawl_page::address::Lookup;
use crawl_page::{Config, Deps, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        s3: shared::aws::s3_client(&aws),
        config,
        lookup: Lookup::System,
    };
    let deps = &deps;
    run(service_fn(move |event: LambdaEvent<Value>| {
        handle(deps, event.payload)
    }))
    .await
}
