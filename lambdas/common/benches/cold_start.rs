//! `cargo bench -p lambda-common --bench cold_start`: size of each Lambda zip and its cold
//! start, from process start to the first invocation handled, through a Lambda Runtime API
//! served here (the protocol `provided.al2023` speaks: `GET .../invocation/next`, then
//! `POST .../invocation/{id}/response`).
//!
//! Needs the zips: run `cargo xtask dist-lambdas --arch x86_64` first (the host's
//! architecture; the bootstrap runs here as it runs on Lambda). The first invocation is one
//! the handler answers without calling AWS (a request it refuses, an empty batch), so the
//! figure is the runtime's own start: process, configuration, SDK clients, first event.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

/// One function: its environment and first event.
struct Function {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    event: String,
}

fn functions() -> Vec<Function> {
    let apigw = |method: &str, path: &str, query: &str, body: &str| {
        serde_json::json!({
            "resource": path, "path": path, "httpMethod": method,
            "headers": {"content-type": "application/json"},
            "queryStringParameters": if query.is_empty() { serde_json::Value::Null } else { serde_json::json!({"numResults": query}) },
            "requestContext": {"stage": "prod", "httpMethod": method, "resourcePath": path,
                "accountId": "123456789012", "apiId": "a1", "requestId": "r1", "identity": {}},
            "body": body, "isBase64Encoded": false
        })
        .to_string()
    };
    vec![
        Function {
            name: "collect",
            env: &[("STREAM_NAME", "events")],
            event: apigw("POST", "/events", "", "{}"),
        },
        Function {
            name: "ingest",
            env: &[
                ("TRACKING_ID", "t"),
                (
                    "DLQ_URL",
                    "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
                ),
            ],
            event: r#"{"Records":[]}"#.to_owned(),
        },
        Function {
            name: "recommend",
            env: &[(
                "CAMPAIGN_ARN",
                "arn:aws:personalize:us-east-1:123456789012:campaign/movies",
            )],
            event: apigw("GET", "/recommendations", "5", ""),
        },
    ]
}

/// Reads one HTTP/1.1 request: (request line, body).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim_end().to_owned(), body))
}

/// Serves the Runtime API on `listener`: the first `next` gets `event`, later ones wait
/// forever (as Lambda freezes an idle environment); the first response is reported on `done`.
fn serve(listener: TcpListener, event: String, done: mpsc::Sender<(Instant, String)>) {
    std::thread::spawn(move || {
        let mut served = false;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let event = event.clone();
            let done = done.clone();
            let first = !served;
            served = true;
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut given = !first;
                while let Some((line, body)) = read_request(&mut reader) {
                    if line.starts_with("GET /2018-06-01/runtime/invocation/next") {
                        if given {
                            std::thread::sleep(Duration::from_secs(3600));
                            return;
                        }
                        given = true;
                        let deadline = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_millis()
                            + 30_000;
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-1\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n",
                            event.len()
                        );
                        writer.write_all(head.as_bytes()).unwrap();
                        writer.write_all(event.as_bytes()).unwrap();
                    } else {
                        let now = Instant::now();
                        writer
                            .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
                            .unwrap();
                        let _ =
                            done.send((now, format!("{line} {}", String::from_utf8_lossy(&body))));
                    }
                }
            });
        }
    });
}

fn cold_start(bootstrap: &Path, f: &Function) -> (Duration, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    serve(listener, f.event.clone(), tx);
    let mut command = Command::new(bootstrap);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", f.name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .envs(f.env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let (at, response) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("no invocation response within 30 s");
    let _ = child.kill();
    let _ = child.wait();
    (at - started, response)
}

fn main() {
    let dist = testkit::paths::target_dir().join("dist/lambda");
    let venv = testkit::python::venv().unwrap();
    let work = tempfile::tempdir().unwrap();
    println!("function   zip arm64  zip x86_64  cold start x86_64 (median of {RUNS}, min..max)");
    for f in functions() {
        let size = |arch: &str| {
            std::fs::metadata(dist.join(format!("{}-{arch}.zip", f.name)))
                .map(|m| format!("{:.2} MB", m.len() as f64 / 1e6))
                .unwrap_or_else(|_| "missing".into())
        };
        let zip = dist.join(format!("{}-x86_64.zip", f.name));
        assert!(
            zip.is_file(),
            "{} missing: run `cargo xtask dist-lambdas --arch x86_64`",
            zip.display()
        );
        let out = work.path().join(f.name);
        let status = venv
            .python_command()
            .args([
                "-c",
                "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
            ])
            .arg(&zip)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let bootstrap = out.join("bootstrap");
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut times = Vec::new();
        let mut last = String::new();
        for _ in 0..RUNS {
            let (t, response) = cold_start(&bootstrap, &f);
            times.push(t);
            last = response;
        }
        assert!(
            last.contains("/response"),
            "{}: the first invocation failed: {last}",
            f.name
        );
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{:<10} {:>9}  {:>10}  {:>7.1} ms ({:.1}..{:.1})",
            f.name,
            size("arm64"),
            size("x86_64"),
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
    }
}
