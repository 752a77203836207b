//! boto3 (a client nobody here wrote) runs the original walkthrough against the server, with
//! the walkthrough data imported from moto S3; every response body is checked against
//! botocore's output shapes by `walkthrough/walkthrough.py`.

use personalize_local::testing::TestServer;
use personalize_local::Config;

#[test]
fn boto3_runs_the_walkthrough_with_model_valid_responses() {
    let moto = testkit::moto::Moto::start().unwrap();
    let server = TestServer::start(Config {
        instant: true,
        s3_endpoint: Some(moto.endpoint().to_owned()),
        ..Config::default()
    });
    let venv = testkit::python::venv().unwrap();
    let output = venv
        .python_command()
        .arg(testkit::paths::project_file(
            "emulator/tests/walkthrough/walkthrough.py",
        ))
        .env("PL_ENDPOINT", server.endpoint())
        .env("S3_ENDPOINT", moto.endpoint())
        .env(
            "DATA_DIR",
            testkit::paths::project_file("examples/movies/data"),
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert!(
        summary["checked_responses"].as_u64().unwrap() >= 30,
        "{summary}"
    );
    let metrics = summary["metrics"].as_object().unwrap();
    assert!(metrics["precision_at_10"].as_f64().unwrap() >= 0.0);
    assert_ne!(summary["before"], summary["after"]);
    eprintln!("walkthrough summary: {summary}");
}
