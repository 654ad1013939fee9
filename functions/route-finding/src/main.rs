use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use route_finding::{Deps, handle};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let table_parameter =
        shared::config::required(&shared::config::process_env, "ROUTING_TABLE_PARAMETER")?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        ssm: aws_sdk_ssm::Client::new(&aws),
        table_parameter,
    };
    let deps = &deps;
    run(service_fn(move |event: LambdaEvent<Value>| {
        handle(deps, event.payload)
    }))
    .await
}
