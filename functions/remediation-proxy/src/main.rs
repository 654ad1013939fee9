use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use remediation_proxy::{Config, Deps, handle};
use shared::input::Payload;
use shared::remediation::ProxyRequest;

/// The Security Hub SDK's generated deserialiser of a finding (the finding format nests hundreds
/// of resource types) needs more stack than the main thread's 8 MiB in a debug build: the
/// handler runs on a thread of its own with room to spare. Only the pages used are memory.
const STACK_BYTES: usize = 64 * 1024 * 1024;

fn main() -> Result<(), Error> {
    std::thread::Builder::new()
        .name("handler".into())
        .stack_size(STACK_BYTES)
        .spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(serve())
        })?
        .join()
        .map_err(|_| Error::from("the handler thread panicked"))?
}

async fn serve() -> Result<(), Error> {
    shared::init_tracing();
    let config = Config::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        lambda: aws_sdk_lambda::Client::new(&aws),
        securityhub: aws_sdk_securityhub::Client::new(&aws),
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
