//! The collect Lambda binary: configuration and the Kinesis client once per container, then
//! the runtime loop.

use collect::{Collect, Config};
use lambda_common::{telemetry, Env};
use lambda_http::{run, service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::start("collect", env!("CARGO_PKG_VERSION"));
    let config = Config::from_env(&Env::process())?;
    let sdk = sdk_config::load(&sdk_config::Settings::default()).await;
    let handler = Collect::from_sdk(config, &sdk);
    let handler = &handler;
    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(handler.handle(req).await)
    }))
    .await
}
