//! `--verify-sigv4` (`Config::verify_sigv4`): the real SDK clients signing with the accepted
//! credentials work on all three planes; a wrong secret, an unknown access key id, a body
//! changed after signing, a request signed 20 minutes ago or ahead, no signature at all and
//! hostile `Authorization` headers are refused with HTTP 403 and the AWS error type, before any
//! operation runs. boto3 signs right and wrong against the same server.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use aws_sdk_personalize::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_personalize::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_personalize::error::ProvideErrorMetadata;
use aws_smithy_types::body::SdkBody;
use common::*;
use personalize_local::sigv4::Credentials;
use personalize_local::testing::TestServer;
use personalize_local::{Config, Server};

const ID: &str = "AKIDLOCALTEST";
const SECRET: &str = "local/Secret+Key0";

fn accepted() -> Credentials {
    let mut c = Credentials::new();
    c.insert(ID, SECRET).unwrap();
    c
}

fn verifying(root: &std::path::Path) -> TestServer {
    TestServer::start(Config {
        verify_sigv4: Some(accepted()),
        ..instant_config(root)
    })
}

/// The code and HTTP status of an SDK error.
fn code_and_status<E: ProvideErrorMetadata>(
    e: &aws_sdk_personalize::error::SdkError<E, aws_sdk_personalize::config::http::HttpResponse>,
) -> (String, u16) {
    (
        e.code().unwrap_or("<none>").to_owned(),
        e.raw_response().map_or(0, |r| r.status().as_u16()),
    )
}

/// Flips the last byte of the body after the SDK signed the request.
#[derive(Debug)]
struct Tamper;

impl Intercept for Tamper {
    fn name(&self) -> &'static str {
        "Tamper"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request_mut();
        let mut bytes = request.body().bytes().ok_or("streaming body")?.to_vec();
        let last = bytes.len() - 2; // the byte before the closing brace
        bytes[last] ^= 0x01;
        *request.body_mut() = SdkBody::from(bytes);
        Ok(())
    }
}

/// A clock `offset` seconds away from now (negative: in the past).
#[derive(Debug)]
struct Skewed(i64);

impl aws_smithy_async::time::TimeSource for Skewed {
    fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        let by = Duration::from_secs(self.0.unsigned_abs());
        if self.0 < 0 {
            now - by
        } else {
            now + by
        }
    }
}

/// Clients signing with the accepted pair, with `customize` applied to each config builder.
macro_rules! clients_with {
    ($endpoint:expr, |$b:ident| $customize:expr) => {{
        let config = sdk_config::local($endpoint, REGION)
            .into_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        let creds =
            aws_sdk_personalize::config::Credentials::new(ID, SECRET, None, None, "sigv4-tests");
        Clients {
            control: aws_sdk_personalize::Client::from_conf({
                let $b = aws_sdk_personalize::config::Builder::from(&config)
                    .credentials_provider(creds.clone());
                $customize.build()
            }),
            events: aws_sdk_personalizeevents::Client::from_conf({
                let $b = aws_sdk_personalizeevents::config::Builder::from(&config)
                    .credentials_provider(creds.clone());
                $customize.build()
            }),
            runtime: aws_sdk_personalizeruntime::Client::from_conf({
                let $b = aws_sdk_personalizeruntime::config::Builder::from(&config)
                    .credentials_provider(creds.clone());
                $customize.build()
            }),
        }
    }};
}

/// One call on each plane: (control, events, runtime) error code and status.
async fn each_plane(c: &Clients) -> [(String, u16); 3] {
    let control = c
        .control
        .create_dataset_group()
        .name("refused")
        .send()
        .await
        .unwrap_err();
    let events = c
        .events
        .put_events()
        .tracking_id("00000000-0000-0000-0000-000000000000")
        .session_id("s")
        .event_list(watch().item_id("i1").build().unwrap())
        .send()
        .await
        .unwrap_err();
    let runtime = c
        .runtime
        .get_recommendations()
        .campaign_arn("arn:aws:personalize:eu-west-1:123456789012:campaign/none")
        .user_id("u1")
        .send()
        .await
        .unwrap_err();
    [
        code_and_status(&control),
        code_and_status(&events),
        code_and_status(&runtime),
    ]
}

/// Nothing of a refused call reached the state: no dataset group exists.
async fn no_dataset_group(endpoint: &str) {
    let good = Clients::signing_as(endpoint, ID, SECRET);
    let groups = good.control.list_dataset_groups().send().await.unwrap();
    assert!(groups.dataset_groups().is_empty(), "{groups:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_with_the_accepted_credentials_works_on_all_three_planes() {
    let root = data_root();
    let server = verifying(root.path());
    let c = Clients::signing_as(server.endpoint(), ID, SECRET);
    // Control plane: the whole chain, a dozen operations of every shape.
    let chain = build_chain(&c, "signed").await;
    // Events.
    c.events
        .put_events()
        .tracking_id(&chain.tracking_id)
        .user_id("u1")
        .session_id("s")
        .event_list(watch().item_id("i3").build().unwrap())
        .send()
        .await
        .unwrap();
    // Runtime.
    assert!(!recommend(&c, &chain.campaign, "u1", 5).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_invalid_signature_on_every_plane() {
    let root = data_root();
    let server = verifying(root.path());
    let c = Clients::signing_as(server.endpoint(), ID, "not-the-secret");
    for (plane, got) in ["control", "events", "runtime"]
        .iter()
        .zip(each_plane(&c).await)
    {
        assert_eq!(got, ("InvalidSignatureException".into(), 403), "{plane}");
    }
    let e = c.control.list_recipes().send().await.unwrap_err();
    assert!(
        e.message().unwrap_or_default().starts_with(
            "The request signature we calculated does not match the signature you provided."
        ),
        "{e:?}"
    );
    no_dataset_group(server.endpoint()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_access_key_is_unrecognized_client_on_every_plane() {
    let root = data_root();
    let server = verifying(root.path());
    let c = Clients::signing_as(server.endpoint(), "AKIDNOTCONFIGURED", SECRET);
    for (plane, got) in ["control", "events", "runtime"]
        .iter()
        .zip(each_plane(&c).await)
    {
        assert_eq!(got, ("UnrecognizedClientException".into(), 403), "{plane}");
    }
    let e = c.control.list_recipes().send().await.unwrap_err();
    assert_eq!(
        e.message(),
        Some("The security token included in the request is invalid.")
    );
    no_dataset_group(server.endpoint()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_changed_after_signing_is_refused() {
    let root = data_root();
    let server = verifying(root.path());
    let c = clients_with!(server.endpoint(), |b| b.interceptor(Tamper));
    for (plane, got) in ["control", "events", "runtime"]
        .iter()
        .zip(each_plane(&c).await)
    {
        assert_eq!(got, ("InvalidSignatureException".into(), 403), "{plane}");
    }
    no_dataset_group(server.endpoint()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_signed_20_minutes_off_is_refused() {
    let root = data_root();
    let server = verifying(root.path());
    for (offset, start) in [
        (-20 * 60, "Signature expired: "),
        (20 * 60, "Signature not yet current: "),
    ] {
        let c = clients_with!(server.endpoint(), |b| b.time_source(Skewed(offset)));
        let e = c.control.list_recipes().send().await.unwrap_err();
        assert_eq!(
            code_and_status(&e),
            ("InvalidSignatureException".into(), 403)
        );
        let message = e.message().unwrap_or_default();
        assert!(message.starts_with(start), "{message}");
        // The refusal carries the server's `Date`, from which the SDK corrects its clock, as
        // it does against AWS: the client's next call is signed in the window.
        c.control.list_recipes().send().await.unwrap();
        // Fresh clients: refused on every plane.
        let c = clients_with!(server.endpoint(), |b| b.time_source(Skewed(offset)));
        for (plane, got) in ["control", "events", "runtime"]
            .iter()
            .zip(each_plane(&c).await)
        {
            assert_eq!(got, ("InvalidSignatureException".into(), 403), "{plane}");
        }
    }
    // 10 minutes off is within the 15-minute window.
    let c = clients_with!(server.endpoint(), |b| b.time_source(Skewed(-10 * 60)));
    c.control.list_recipes().send().await.unwrap();
    no_dataset_group(server.endpoint()).await;
}

/// A raw HTTP/1.1 exchange: (status, x-amzn-errortype, body as JSON).
fn raw(endpoint: &str, request_head: &[u8], body: &[u8]) -> (u16, String, serde_json::Value) {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = request_head.to_vec();
    request.extend_from_slice(
        format!(
            "Host: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    stream.write_all(&request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let errortype = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("x-amzn-errortype")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let json = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (status, errortype, json)
}

const CONTROL_HEAD: &[u8] =
    b"POST / HTTP/1.1\r\nX-Amz-Target: AmazonPersonalize.ListRecipes\r\nContent-Type: application/x-amz-json-1.1\r\n";

#[test]
fn a_request_without_a_signature_is_missing_authentication_token() {
    let root = data_root();
    let server = verifying(root.path());
    for head in [
        CONTROL_HEAD,
        b"POST /events HTTP/1.1\r\nContent-Type: application/json\r\n",
        b"POST /recommendations HTTP/1.1\r\nContent-Type: application/json\r\n",
        // Checked before routing: an unknown path is refused alike.
        b"GET /nothing-here HTTP/1.1\r\n",
    ] {
        let (status, errortype, body) = raw(server.endpoint(), head, b"{}");
        let what = String::from_utf8_lossy(head);
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(errortype, "MissingAuthenticationTokenException", "{what}");
        assert_eq!(body["__type"], "MissingAuthenticationTokenException");
        assert_eq!(body["message"], "Missing Authentication Token");
    }
}

#[test]
fn hostile_authorization_headers_answer_403_with_a_message() {
    let root = data_root();
    let server = verifying(root.path());
    let sig = "0".repeat(64);
    let now = personalize_local::sigv4::format_amz_date(
        i64::try_from(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap(),
    );
    let scope = format!("{ID}/{}/eu-west-1/personalize/aws4_request", &now[..8]);
    let auth = |signed: &str| {
        format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={signed}, Signature={sig}\r\nX-Amz-Date: {now}\r\n"
        )
        .into_bytes()
    };
    let huge_list = (0..3000)
        .map(|i| format!("x-h{i:04}"))
        .collect::<Vec<_>>()
        .join(";");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbled", b"Authorization: !!!\r\n".to_vec(), "Unsupported Authorization scheme \"!!!\""),
        ("empty", b"Authorization: \r\n".to_vec(), "Unsupported Authorization scheme"),
        (
            "other scheme",
            b"Authorization: Basic dXNlcjpwYXNz\r\n".to_vec(),
            "Unsupported Authorization scheme \"Basic\"",
        ),
        (
            "no signature",
            format!("Authorization: AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host\r\n")
                .into_bytes(),
            "requires 'Signature' parameter",
        ),
        (
            "short credential",
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential={ID}/x, SignedHeaders=host, Signature={sig}\r\n"
            )
            .into_bytes(),
            "is not ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request",
        ),
        ("huge SignedHeaders", auth(&format!("host;{huge_list}")), "SignedHeaders lists 3001 headers"),
        (
            "non-ASCII Authorization",
            b"Authorization: AWS4-HMAC-SHA256 Credential=\xc3\xa9\xff/20260101/eu-west-1/personalize/aws4_request, SignedHeaders=host, Signature=00\r\n".to_vec(),
            "not printable ASCII",
        ),
        (
            "non-ASCII date",
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host;x-amz-date, Signature={sig}\r\nX-Amz-Date: 2026\u{e9}0101T000000Z\r\n"
            )
            .into_bytes(),
            "X-Amz-Date is not an ISO 8601 basic date",
        ),
        (
            "no date",
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature={sig}\r\n"
            )
            .into_bytes(),
            "requires existence of a 'X-Amz-Date' header",
        ),
        (
            "two Authorization headers",
            [auth("host"), auth("host")].concat(),
            "more than one Authorization header",
        ),
        ("signed header absent", auth("host;x-absent;x-amz-date"), "Signed header 'x-absent' is not in the request"),
        ("unsorted SignedHeaders", auth("x-amz-date;host"), "sorted and unique"),
        ("host not signed", auth("x-amz-date"), "'Host' or ':authority' must be a 'SignedHeader'"),
        ("zero signature", auth("host;x-amz-date"), "The request signature we calculated does not match"),
    ];
    for (what, headers, want) in cases {
        let mut head = CONTROL_HEAD.to_vec();
        head.extend_from_slice(&headers);
        let (status, errortype, body) = raw(server.endpoint(), &head, b"{}");
        assert_eq!(status, 403, "{what}: {body}");
        assert!(
            ["IncompleteSignatureException", "InvalidSignatureException"]
                .contains(&errortype.as_str()),
            "{what}: {errortype}"
        );
        assert_eq!(body["__type"], errortype.as_str(), "{what}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(want), "{what}: {message}");
    }
}

#[test]
fn without_verify_sigv4_unsigned_requests_are_served() {
    let root = data_root();
    let server = start_instant(root.path());
    let (status, _, body) = raw(server.endpoint(), CONTROL_HEAD, b"{}");
    assert_eq!(status, 200, "{body}");
    assert!(body["recipes"].is_array(), "{body}");
}

#[test]
fn verify_sigv4_with_no_credential_is_refused_at_startup() {
    let e = Server::open(Config {
        verify_sigv4: Some(Credentials::new()),
        ..Config::default()
    })
    .unwrap_err();
    assert!(format!("{e}").contains("no credential"), "{e}");
}

#[test]
fn boto3_signs_right_and_wrong() {
    let root = data_root();
    let server = verifying(root.path());
    let summary = python_summary(
        "emulator/tests/sigv4/boto3_sigv4.py",
        &[
            ("PL_ENDPOINT", server.endpoint().as_ref()),
            ("PL_ACCESS_KEY_ID", ID.as_ref()),
            ("PL_SECRET", SECRET.as_ref()),
        ],
    );
    for plane in ["personalize", "personalize-events", "personalize-runtime"] {
        assert_eq!(
            summary["wrong_secret"][plane], "InvalidSignatureException",
            "{summary}"
        );
        assert_eq!(summary["wrong_status"][plane], 403, "{summary}");
    }
    // The right pair passes the signature check: the operation itself answers (an unknown
    // tracking id or campaign is the operation's own error).
    assert_eq!(summary["right"]["personalize"], "ok", "{summary}");
    for plane in ["personalize-events", "personalize-runtime"] {
        let code = summary["right"][plane].as_str().unwrap();
        assert!(
            !code.contains("Signature")
                && !code.contains("Authentication")
                && !code.contains("UnrecognizedClient"),
            "{plane}: {summary}"
        );
    }
}
