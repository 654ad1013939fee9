use check_and_stop_rds::{Config, Deps, Event, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use shared::input::Payload;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        rds: aws_sdk_rds::Client::new(&aws),
        sfn: aws_sdk_sfn::Client::new(&aws),
        sns: aws_sdk_sns::Client::new(&aws),
        config,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<Event>>| async move {
            let now = std::time::SystemTime::now().into();
            handle(deps, event.payload.into_inner()?, now).await
        },
    ))
    .await
}
