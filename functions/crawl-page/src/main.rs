use crawl_page::state::store::S3Store;
use crawl_page::{Config, Deps, Request, handle};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use shared::address::Lookup;
use shared::input::Payload;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        store: Box::new(S3Store::new(
            shared::aws::s3_client(&aws),
            config.bucket.clone(),
        )),
        config,
        lookup: Lookup::System,
        crawls: Default::default(),
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<Request>>| async move {
            let deadline = shared::deadline(&event.context);
            handle(deps, event.payload.into_inner()?, deadline).await
        },
    ))
    .await
}
