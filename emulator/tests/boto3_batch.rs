//! boto3 runs a batch inference job against the server with its input and output in moto S3:
//! the `.out` file is read back from S3 and checked line by line against GetRecommendations,
//! then a dataset export, a batch segment job and a data deletion job
//! (`walkthrough/batch_inference.py`), every response body against botocore's output shapes.

mod common;

use common::python_summary;
use personalize_local::testing::TestServer;
use personalize_local::Config;

#[test]
fn boto3_batch_jobs_read_and_write_moto_s3() {
    let moto = testkit::moto::Moto::start().unwrap();
    let server = TestServer::start(Config {
        instant: true,
        s3_endpoint: Some(moto.endpoint().to_owned()),
        ..Config::default()
    });
    let data_dir = testkit::paths::project_file("examples/movies/data");
    let summary = python_summary(
        "emulator/tests/walkthrough/batch_inference.py",
        &[
            ("PL_ENDPOINT", server.endpoint().as_ref()),
            ("S3_ENDPOINT", moto.endpoint().as_ref()),
            ("DATA_DIR", data_dir.as_os_str()),
        ],
    );
    assert_eq!(summary["lines"], 6, "{summary}");
    assert!(
        summary["checked_responses"].as_u64().unwrap() >= 30,
        "{summary}"
    );
    assert!(summary["num_deleted"].as_u64().unwrap() > 0, "{summary}");
    eprintln!("batch summary: {summary}");
}
