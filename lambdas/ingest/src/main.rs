//! The ingest Lambda binary: configuration and clients once per container, then the runtime
//! loop over Kinesis events.

use aws_lambda_events::event::kinesis::KinesisEvent;
use ingest::{Config, Ingest};
use lambda_common::{telemetry, Env};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = Config::from_env(&Env::process())?;
    let sdk = pr_sdk::load(&pr_sdk::Settings::default()).await;
    let handler = Ingest::from_sdk(config, &sdk);
    let handler = &handler;
    run(service_fn(
        move |event: LambdaEvent<KinesisEvent>| async move {
            Ok::<_, Error>(handler.handle(event.payload).await)
        },
    ))
    .await
}
