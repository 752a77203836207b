//! The provider-wide stop signal.
//!
//! tf-provider answers Terraform's StopProvider by shutting its gRPC server down gracefully,
//! which lets in-flight calls run to their end and gives the resources no signal. On Ctrl-C in
//! a terminal, though, the whole process group (Terraform and its providers) receives SIGINT,
//! and a Rust process dies on it by default: a create in progress would then be lost from state,
//! orphaning a billed resource. So `main` routes SIGINT (and SIGTERM) here, and every wait
//! returns "interrupted" at once, with the ARN already recorded, so Terraform saves the resource
//! as tainted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use tokio::sync::Notify;

static STOPPED: AtomicBool = AtomicBool::new(false);

fn notify() -> &'static Notify {
    static NOTIFY: OnceLock<Notify> = OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// Asks every wait in progress (and any later one) to stop.
pub fn request() {
    STOPPED.store(true, Ordering::SeqCst);
    notify().notify_waiters();
}

/// Whether a stop was requested.
pub fn is_requested() -> bool {
    STOPPED.load(Ordering::SeqCst)
}

/// Completes once a stop is requested.
pub async fn requested() {
    loop {
        let notified = notify().notified();
        if is_requested() {
            return;
        }
        notified.await;
    }
}
