//! The ingest Lambda binary: configuration and clients once per container, then the runtime
//! loop over Kinesis events.

use aws_lambda_events::event::kinesis::KinesisEvent;
use ingest::{Config, Ingest};
use lambda_common::{telemetry, Env};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::start("ingest", env!("CARGO_PKG_VERSION"));
    let config = Config::from_env(&Env::process())?;
    let sdk = sdk_config::load(&sdk_config::Settings::default()).await;
    let handler = Ingest::from_sdk(config, &sdk);
    let handler = &handler;
    run(service_fn(
        move |event: LambdaEvent<KinesisEvent>| async move {
            // The context's deadline is epoch milliseconds; the handler works on the monotonic
            // clock.
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let left =
                std::time::Duration::from_millis(event.context.deadline.saturating_sub(now_ms));
            let deadline = tokio::time::Instant::now() + left;
            Ok::<_, Error>(handler.handle(event.payload, deadline).await)
        },
    ))
    .await
}
