//! One personalize-local per test binary (instant clock, data under a temporary root), and
//! the SDK client tests use to check the emulator behind Terraform's back.

use std::path::PathBuf;
use std::sync::OnceLock;

use personalize_local::testing::TestServer;

/// The shared emulator and its data root.
#[derive(Debug)]
pub struct Emulator {
    /// The server (stops when the test binary ends).
    pub server: TestServer,
    /// Import and batch jobs read `s3://BUCKET/KEY` from `ROOT/BUCKET/KEY`:
    /// `s3://data/interactions.csv`, `s3://data/bad.csv`, `s3://data/batch/users.json`
    /// (`userId` lines) and `s3://data/batch/items.json` (`itemId` lines). Exports and batch
    /// jobs write there too.
    pub data_root: PathBuf,
    _dir: tempfile::TempDir,
}

/// The emulator of this test binary (instant clock), started on first use.
pub fn shared() -> &'static Emulator {
    static E: OnceLock<Emulator> = OnceLock::new();
    E.get_or_init(|| start(true))
}

/// A new emulator with the walkthrough's data; `instant` or the emulator's default clock.
pub fn start(instant: bool) -> Emulator {
    start_config(personalize_local::Config {
        instant,
        ..Default::default()
    })
}

/// A new emulator with the walkthrough's data whose lifecycle stages each take `delay`.
pub fn start_with_delay(delay: std::time::Duration) -> Emulator {
    start_config(personalize_local::Config {
        instant: false,
        stage_delay: delay,
        ..Default::default()
    })
}

fn start_config(config: personalize_local::Config) -> Emulator {
    {
        let dir = tempfile::tempdir().expect("data root");
        let data_root = dir.path().to_path_buf();
        std::fs::create_dir_all(data_root.join("data")).expect("bucket dir");
        std::fs::write(data_root.join("data/interactions.csv"), interactions_csv()).expect("csv");
        std::fs::write(
            data_root.join("data/bad.csv"),
            "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,not-a-number\n",
        )
        .expect("bad csv");
        // Batch inference and batch segment job inputs (JSON Lines).
        std::fs::create_dir_all(data_root.join("data/batch")).expect("batch dir");
        std::fs::write(
            data_root.join("data/batch/users.json"),
            "{\"userId\": \"u1\"}\n{\"userId\": \"u2\"}\n",
        )
        .expect("users.json");
        std::fs::write(
            data_root.join("data/batch/items.json"),
            "{\"itemId\": \"i3\"}\n{\"itemId\": \"i25\"}\n",
        )
        .expect("items.json");
        let server = TestServer::start(personalize_local::Config {
            data_root: Some(data_root.clone()),
            ..config
        });
        Emulator {
            server,
            data_root,
            _dir: dir,
        }
    }
}

impl Emulator {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        self.server.endpoint()
    }

    /// A Personalize control-plane client for checks behind Terraform's back.
    pub fn client(&self) -> aws_sdk_personalize::Client {
        aws_sdk_personalize::Client::new(&sdk_config::local(self.endpoint(), "us-east-1"))
    }
}

/// Interactions of two taste clusters: 30 users, 40 items, 12 events each.
pub fn interactions_csv() -> String {
    let mut out = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..30u32 {
        for k in 0..12u32 {
            let item = if u % 2 == 0 {
                (u + k * 3) % 20
            } else {
                20 + (u + k * 3) % 20
            };
            out.push_str(&format!(
                "u{u},i{item},{},watch\n",
                1_700_000_000 + u * 100 + k
            ));
        }
    }
    out
}

/// The Interactions schema of the walkthrough.
pub use personalize_local::testing::chain::INTERACTIONS_SCHEMA;
