use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use route_finding::table::RemediatedControls;
use route_finding::{Deps, FindingsImported, handle};
use shared::input::Payload;
use shared::remediation::Accounts;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::init_tracing();
    let table_parameter =
        shared::config::required(&shared::config::process_env, "ROUTING_TABLE_PARAMETER")?;
    let remediated = RemediatedControls::parse(
        &shared::config::optional(&shared::config::process_env, "REMEDIATED_CONTROLS")
            .unwrap_or_default(),
    )?;
    let accounts = Accounts::from_vars(&shared::config::process_env)?;
    let aws = shared::aws::load_config().await;
    let deps = Deps {
        ssm: aws_sdk_ssm::Client::new(&aws),
        table_parameter,
        remediated,
        accounts,
    };
    let deps = &deps;
    run(service_fn(
        move |event: LambdaEvent<Payload<FindingsImported>>| async move {
            handle(deps, event.payload.into_inner()?).await
        },
    ))
    .await
}
