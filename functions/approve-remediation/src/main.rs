use approve_remediation::{Deps, handle};
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        sfn: aws_sdk_sfn::Client::new(&aws),
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<LambdaFunctionUrlRequest>| async move {
            Ok::<_, Error>(handle(deps, event.payload).await)
        },
    ))
    .await
}
