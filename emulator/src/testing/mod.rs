//! The server for other crates' tests: [`TestServer`] runs it on `127.0.0.1:0` on its own
//! thread and tokio runtime, so sync and async tests alike can use it, and stops it on drop.
//! [`TestServer::server`] gives the test the server's state and fault injector, and
//! [`TestServer::training_events`] what training would read. With the `testing` feature,
//! [`chain`] builds the resources up to a campaign through the real SDK.

use std::collections::BTreeMap;
use std::thread::JoinHandle;

use crate::{AppState, Config};

#[cfg(feature = "testing")]
pub mod chain;

/// A running server.
#[derive(Debug)]
pub struct TestServer {
    endpoint: String,
    server: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with `config`.
    ///
    /// # Panics
    /// When the runtime, the listener or the state cannot be set up (a test cannot go on).
    pub fn start(config: Config) -> Self {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("personalize-local".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime for the test server");
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("bind: {e}")));
                            return;
                        }
                    };
                    let addr = listener.local_addr().map(|a| a.to_string());
                    let server = match crate::Server::open(config) {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("{e:#}")));
                            return;
                        }
                    };
                    crate::lifecycle::resume(&server);
                    crate::data::metric_reports::start(&server);
                    let _ =
                        ready_tx.send(addr.map(|a| (a, server.clone())).map_err(|e| e.to_string()));
                    let shutdown = async {
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = axum::serve(listener, crate::app(server))
                        .with_graceful_shutdown(shutdown)
                        .await
                    {
                        eprintln!("personalize-local test server: {e}");
                    }
                });
            })
            .expect("spawning the test server thread");
        let (addr, server) = ready_rx
            .recv()
            .expect("test server thread ended before it was ready")
            .unwrap_or_else(|e| panic!("test server failed to start: {e}"));
        Self {
            endpoint: format!("http://{addr}"),
            server,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server itself: its state, and its fault injector (`server().faults.set(...)` opens
    /// or closes an outage while it runs).
    pub fn server(&self) -> &AppState {
        &self.server
    }

    /// What training of `group_arn` would read now: each interaction as (session id, item id,
    /// timestamp) with how many times it is there, and how many events were left out of
    /// training as repeats of an `eventId` already seen.
    pub fn training_events(&self, group_arn: &str) -> (BTreeMap<TrainingKey, usize>, usize) {
        let inner = self.server.state.read();
        let mut trained: BTreeMap<TrainingKey, usize> = BTreeMap::new();
        for i in crate::data::training::gather(&*inner, group_arn, u64::MAX).interactions {
            let key = (i.session_id.unwrap_or_default(), i.item_id, i.timestamp);
            *trained.entry(key).or_default() += 1;
        }
        let repeats = inner.logs.get(group_arn).map_or(0, |l| {
            l.entries
                .iter()
                .filter(|(_, e)| matches!(e, crate::state::LogEntry::Repeat { .. }))
                .count()
        });
        (trained, repeats)
    }
}

/// An interaction as [`TestServer::training_events`] names it: (session id, item id,
/// timestamp in epoch seconds).
pub type TrainingKey = (String, String, i64);

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
