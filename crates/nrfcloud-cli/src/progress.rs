//! Progress for the workflows: an indicatif bar on a terminal (stderr), plain lines
//! otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One progress display.
pub struct Progress {
    bar: Option<ProgressBar>,
    what: String,
    total: Option<u64>,
    quiet: bool,
    last_line: Option<String>,
}

impl Progress {
    /// Progress of `what` over `total` steps (`None`: a spinner).
    pub fn new(what: &str, total: Option<u64>, quiet: bool) -> Progress {
        let bar = if !quiet && std::io::stderr().is_terminal() {
            let bar = match total {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} {msg}")
                            .expect("a valid template")
                            .progress_chars("=> "),
                    ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template("{prefix} {spinner} {msg} ({elapsed})")
                            .expect("a valid template"),
                    ),
            };
            bar.set_prefix(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(100));
            Some(bar)
        } else {
            None
        };
        Progress {
            bar,
            what: what.to_string(),
            total,
            quiet,
            last_line: None,
        }
    }

    /// The position (and a note).
    pub fn set(&mut self, position: u64, message: &str) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(position);
                bar.set_message(message.to_string());
            }
            None => {
                let total = self.total.map(|t| format!("/{t}")).unwrap_or_default();
                let line = format!("{}: {position}{total} {message}", self.what);
                self.line(line);
            }
        }
    }

    /// A note without a position.
    pub fn message(&mut self, message: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_string()),
            None => {
                let line = format!("{}: {message}", self.what);
                self.line(line);
            }
        }
    }

    fn line(&mut self, line: String) {
        // Plain lines only when something changed.
        if !self.quiet && self.last_line.as_ref() != Some(&line) {
            eprintln!("{}", line.trim_end());
            self.last_line = Some(line);
        }
    }

    /// Ends the display with a last note.
    pub fn finish(mut self, message: &str) {
        match self.bar.take() {
            Some(bar) => bar.finish_with_message(message.to_string()),
            None => {
                let line = format!("{}: {message}", self.what);
                self.line(line);
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}
