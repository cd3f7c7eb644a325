//! Progress of long work, for the person watching: an indicatif bar when stderr is a
//! terminal; otherwise a plain line when the work starts, every [`PLAIN_EVERY`] while it runs
//! and when it ends, so log files and CI output stay readable. Today: a node catching up with
//! L1 ([`follow_sync`]) and work that waits on L1 without steps to count ([`while_running`],
//! `lamina deploy`'s transactions).

use std::{
    future::Future,
    io::IsTerminal,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressStyle};
use lamina_node::rollup::SyncStatus;
use tokio::sync::watch;

/// How often a plain progress line is written.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// L1 blocks derivation may trail L1's head and still count as following it.
const CAUGHT_UP_LAG: u64 = 2;

/// One piece of long work's progress.
pub(crate) struct Progress {
    what: &'static str,
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
}

impl Progress {
    /// Progress of `what` (a bar at a terminal, plain lines otherwise).
    pub(crate) fn new(what: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(what);
            bar
        });
        Self { what, bar, last_line: None }
    }

    /// `pos` of `len` done; `msg` says where.
    pub(crate) fn update(&mut self, pos: u64, len: u64, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_length(len);
            bar.set_position(pos);
            bar.set_message(msg.to_owned());
            return;
        }
        if self.last_line.is_none_or(|t| t.elapsed() >= PLAIN_EVERY) {
            eprintln!("{}: {pos}/{len} {msg}", self.what);
            self.last_line = Some(Instant::now());
        }
    }

    /// The work is done: `msg` says how it ended.
    pub(crate) fn finish(&mut self, msg: &str) {
        match self.bar.take() {
            Some(bar) => bar.finish_with_message(msg.to_owned()),
            None => eprintln!("{}: {msg}", self.what),
        }
        self.last_line = None;
    }
}

/// Shows a node catching up with L1, from its `status`: progress while derivation trails
/// L1's head by more than a block or two, then one line when it follows it again. Returns when
/// the node stops publishing.
pub(crate) async fn follow_sync(mut status: watch::Receiver<SyncStatus>) {
    let mut catching_up: Option<(Progress, u64)> = None;
    loop {
        let s = status.borrow_and_update().clone();
        let (at, head) = (s.current_l1.number, s.head_l1.number);
        let behind = head.saturating_sub(at) > CAUGHT_UP_LAG;
        match (&mut catching_up, behind) {
            (None, true) => {
                let mut p = Progress::new("syncing");
                p.update(0, head.saturating_sub(at), &where_(&s));
                catching_up = Some((p, at));
            }
            (Some((p, from)), true) => {
                p.update(at.saturating_sub(*from), head.saturating_sub(*from), &where_(&s));
            }
            (Some((p, _)), false) => {
                p.finish(&format!("caught up with L1 at block {at}; {}", l2(&s)));
                catching_up = None;
            }
            (None, false) => {}
        }
        if status.changed().await.is_err() {
            return;
        }
    }
}

fn where_(s: &SyncStatus) -> String {
    format!("L1 block {} of {}; {}", s.current_l1.number, s.head_l1.number, l2(s))
}

fn l2(s: &SyncStatus) -> String {
    format!("L2 safe {}, unsafe {}", s.safe_l2.number, s.unsafe_l2.number)
}

/// Runs `work`, showing that it runs: a spinner with the time spent at a terminal, otherwise
/// a line every [`PLAIN_EVERY`] after the first.
pub(crate) async fn while_running<T>(what: &'static str, work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return with_lines(what, PLAIN_EVERY, work, |line| eprintln!("{line}")).await;
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(what);
    spinner.enable_steady_tick(Duration::from_millis(120));
    let out = work.await;
    spinner.finish_and_clear();
    out
}

/// Runs `work`, giving `line` a line every `every` until it is done.
async fn with_lines<T>(
    what: &str,
    every: Duration,
    work: impl Future<Output = T>,
    mut line: impl FnMut(String),
) -> T {
    let started = Instant::now();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tick.tick() => line(format!("{what}: still waiting ({} s)", started.elapsed().as_secs())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_without_steps_reports_that_it_still_runs() {
        let mut lines = Vec::new();
        let work = async {
            tokio::time::sleep(Duration::from_millis(230)).await;
            7
        };
        let out = with_lines("deploying", Duration::from_millis(50), work, |l| lines.push(l)).await;
        assert_eq!(out, 7);
        assert!(lines.len() >= 2, "a line every 50 ms over 230 ms: {lines:?}");
        assert!(lines.iter().all(|l| l.starts_with("deploying: still waiting (")), "{lines:?}");
    }
}
