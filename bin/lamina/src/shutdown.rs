//! The operator's stop: Ctrl-C (SIGINT) at a terminal, SIGTERM from a service manager
//! (systemd, docker, Kubernetes). Both lead to the same clean shutdown — tasks finish their
//! step, servers stop, stores close — so a restart never needs a store repaired.

/// Waits for SIGINT or SIGTERM; returns which arrived.
pub(crate) async fn signal() -> std::io::Result<&'static str> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.map(|()| "SIGINT"),
        _ = term.recv() => Ok("SIGTERM"),
    }
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
