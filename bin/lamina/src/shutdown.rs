//! The operator's stop: Ctrl-C (SIGINT) at a terminal, SIGTERM from a service manager
//! (systemd, docker, Kubernetes). Both lead to the same clean shutdown — tasks finish their
//! step, servers stop, stores close — so a restart never needs a store repaired.

use tokio::signal::unix::{Signal, SignalKind};

/// SIGINT and SIGTERM, caught from the moment of [`Signals::install`]: a service installs
/// them before it starts anything, so a stop that arrives while it is still starting is not
/// the default action (an exit that leaves stores open) but a clean stop once it is up.
pub(crate) struct Signals {
    int: Signal,
    term: Signal,
}

impl Signals {
    /// Catches both signals from now on.
    pub(crate) fn install() -> std::io::Result<Self> {
        Ok(Self {
            int: tokio::signal::unix::signal(SignalKind::interrupt())?,
            term: tokio::signal::unix::signal(SignalKind::terminate())?,
        })
    }

    /// Waits for either (one that came before this call counts); returns which.
    pub(crate) async fn wait(mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}

/// Waits for SIGINT or SIGTERM; returns which arrived.
pub(crate) async fn signal() -> std::io::Result<&'static str> {
    Ok(Signals::install()?.wait().await)
}

/// How long the runtime waits, after a service has stopped, for blocking work still running
/// (a KZG proof, a beacon answer): none of it writes a store, so exiting is safe.
const BLOCKING_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs a long-lived service on a multi-threaded runtime and shuts the runtime down within
/// [`BLOCKING_GRACE`] once it returns (dropping a runtime would wait for every blocking task).
pub(crate) fn serve<T>(
    service: impl std::future::Future<Output = eyre::Result<T>>,
) -> eyre::Result<T> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let out = rt.block_on(service);
    rt.shutdown_timeout(BLOCKING_GRACE);
    out
}
