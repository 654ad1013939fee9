use index_crawl::{Config, Deps, Request, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use shared::input::Payload;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        s3: shared::aws::s3_client(&aws),
        config,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<Request>>| async move {
            handle(deps, event.payload.into_inner()?).await
        },
    ))
    .await
}
