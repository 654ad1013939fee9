use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use remediation_proxy::{Config, Deps, handle};
use shared::input::Payload;
use shared::remediation::ProxyRequest;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        lambda: aws_sdk_lambda::Client::new(&aws),
        config,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<ProxyRequest>>| async move {
            handle(deps, event.payload.into_inner()?).await
        },
    ))
    .await
}
