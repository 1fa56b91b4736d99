//! The real binary in a real terminal (tmux): it opens on the bundled log, shows the
//! Customers tab with recommendations, searches for a customer, quits with `q` and leaves
//! the terminal usable.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

struct Session(String);

impl Session {
    fn tmux(&self, args: &[&str]) -> String {
        // A server of its own, so other tmux users on the machine are not disturbed.
        let output = Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.0])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Waits until the screen contains every one of `needles`.
    fn wait_for(&self, needles: &[&str], timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {needles:?}; screen:\n{screen}"
            );
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

#[test]
fn opens_searches_and_quits_leaving_the_terminal_usable() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required in CI (.ci/run installs it)"
        );
        eprintln!("tmux is not installed; skipping the terminal test");
        return;
    }
    let session = Session(format!("aisle-test-{}", std::process::id()));
    session.tmux(&[
        "new-session",
        "-d",
        "-s",
        &session.0,
        "-x",
        "120",
        "-y",
        "40",
        "sh",
    ]);
    let binary = env!("CARGO_BIN_EXE_aisle");
    let manifest = env!("CARGO_MANIFEST_DIR");
    let command = format!(
        "cd '{manifest}' && '{binary}'; echo \"exit status $?\"; stty -a | grep -o -- '-*icanon' "
    );
    session.keys(&[&command, "Enter"]);

    session.wait_for(&["1 Quality", "5 Customers"], Duration::from_secs(30));
    session.keys(&["5"]);
    let screen = session.wait_for(
        &["4,362 of 4,362 customers", "KNN (", "K-Means (", "Both ("],
        Duration::from_secs(120),
    );
    assert!(
        screen.contains("12346"),
        "the list starts with the first customer:\n{screen}"
    );

    session.keys(&["/", "12347"]);
    let screen = session.wait_for(
        &["1 of 4,362 customers", "Customer 12347"],
        Duration::from_secs(10),
    );
    assert!(screen.contains("Iceland"), "{screen}");
    session.keys(&["Enter", "q"]);

    let screen = session.wait_for(&["exit status 0"], Duration::from_secs(10));
    sleep(Duration::from_millis(300));
    let screen = session.screen() + &screen;
    assert!(
        screen.contains("icanon") && !screen.contains("-icanon"),
        "terminal left in raw mode:\n{screen}"
    );
}
