use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use shared::input::Payload;
use std::time::SystemTime;
use stop_glue_session::{Config, Deps, Event, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        glue: aws_sdk_glue::Client::new(&aws),
        sns: aws_sdk_sns::Client::new(&aws),
        config,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<Event>>| async move {
            handle(deps, event.payload.into_inner()?, SystemTime::now()).await
        },
    ))
    .await
}
