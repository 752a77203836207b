//! boto3 (a client nobody here wrote) runs the original walkthrough against the server, with
//! the walkthrough data imported from moto S3, on a custom dataset group with a campaign
//! (`walkthrough/walkthrough.py`) and on a VIDEO_ON_DEMAND domain dataset group with
//! recommenders (`walkthrough/domain.py`), and a Next-Best-Action flow on actions imported from
//! moto S3 (`walkthrough/actions.py`); every response body is checked against botocore's output
//! shapes.

mod common;

use common::python_summary;
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
    let data_dir = testkit::paths::project_file("examples/movies/data");
    let summary = python_summary(
        "emulator/tests/walkthrough/walkthrough.py",
        &[
            ("PL_ENDPOINT", server.endpoint().as_ref()),
            ("S3_ENDPOINT", moto.endpoint().as_ref()),
            ("DATA_DIR", data_dir.as_os_str()),
        ],
    );
    assert!(
        summary["checked_responses"].as_u64().unwrap() >= 30,
        "{summary}"
    );
    let metrics = summary["metrics"].as_object().unwrap();
    assert!(metrics["precision_at_10"].as_f64().unwrap() >= 0.0);
    assert_ne!(summary["before"], summary["after"]);
    eprintln!("walkthrough summary: {summary}");
}

#[test]
fn boto3_runs_the_walkthrough_through_recommenders_of_a_domain_group() {
    let moto = testkit::moto::Moto::start().unwrap();
    let server = TestServer::start(Config {
        instant: true,
        s3_endpoint: Some(moto.endpoint().to_owned()),
        ..Config::default()
    });
    let data_dir = testkit::paths::project_file("examples/movies/data");
    let summary = python_summary(
        "emulator/tests/walkthrough/domain.py",
        &[
            ("PL_ENDPOINT", server.endpoint().as_ref()),
            ("S3_ENDPOINT", moto.endpoint().as_ref()),
            ("DATA_DIR", data_dir.as_os_str()),
        ],
    );
    assert!(
        summary["checked_responses"].as_u64().unwrap() >= 25,
        "{summary}"
    );
    assert_ne!(summary["before"], summary["after"]);
    eprintln!("domain walkthrough summary: {summary}");
}

#[test]
fn boto3_runs_next_best_action_from_moto_s3() {
    let moto = testkit::moto::Moto::start().unwrap();
    let server = TestServer::start(Config {
        instant: true,
        s3_endpoint: Some(moto.endpoint().to_owned()),
        ..Config::default()
    });
    let summary = python_summary(
        "emulator/tests/walkthrough/actions.py",
        &[
            ("PL_ENDPOINT", server.endpoint().as_ref()),
            ("S3_ENDPOINT", moto.endpoint().as_ref()),
        ],
    );
    assert!(
        summary["checked_responses"].as_u64().unwrap() >= 20,
        "{summary}"
    );
    assert_ne!(summary["before"], summary["after"]);
}
