use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use remediate_finding::{Config, Deps, handle};
use shared::input::Payload;
use shared::remediation::RemediationRequest;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        sts: aws_sdk_sts::Client::new(&aws),
        aws,
        config,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<RemediationRequest>>| async move {
            handle(deps, event.payload.into_inner()?).await
        },
    ))
    .await
}
