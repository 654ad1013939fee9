use extract_wordpress::{Config, Deps, Input, handle, http_client};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use shared::address::Lookup;
use shared::input::Payload;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        ssm: aws_sdk_ssm::Client::new(&aws),
        s3: shared::aws::s3_client(&aws),
        sns: aws_sdk_sns::Client::new(&aws),
        http: http_client(&config, Lookup::System)?,
        config,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<Input>>| async move {
            handle(
                deps,
                event.payload.into_inner()?,
                shared::deadline(&event.context),
            )
            .await
        },
    ))
    .await
}
