//! Every operation of the three bundled botocore service models (personalize,
//! personalize-events, personalize-runtime) has a handler: each is sent to the server with an
//! empty input, past validation, and none may answer that it is not supported. The models are
//! read from their files here, not through the emulator's own model loader, so a newer model
//! dropped into `models/` that adds an operation fails this test until the operation is
//! handled.

use std::io::Read;

use personalize_local::ctx::Ctx;
use personalize_local::error::ErrorKind;
use personalize_local::{control, data, Config, Server};
use serde_json::{json, Value};

fn operations(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(file);
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let model: Value = serde_json::from_str(&text).unwrap();
    model["operations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_operation_of_the_three_models_has_a_handler() {
    let ctx = Ctx {
        server: Server::open(Config {
            instant: true,
            ..Config::default()
        })
        .unwrap(),
        region: "us-east-1".into(),
    };
    let mut handled = Vec::new();
    let mut missing = Vec::new();
    let mut total = 0;
    for (file, control_plane) in [
        ("personalize.json.gz", true),
        ("personalize-events.json.gz", false),
        ("personalize-runtime.json.gz", false),
    ] {
        for op in operations(file) {
            total += 1;
            let answer = if control_plane {
                control::dispatch(&ctx, &op, json!({})).await
            } else {
                data::dispatch(&ctx, &op, json!({})).await
            };
            match answer {
                Err(e) if e.kind == ErrorKind::Unsupported => missing.push(op),
                _ => handled.push(op),
            }
        }
    }
    assert!(missing.is_empty(), "no handler for {missing:?}");
    assert_eq!(total, 79, "the bundled models hold 79 operations");
    eprintln!("{} of {total} operations handled", handled.len());
}
