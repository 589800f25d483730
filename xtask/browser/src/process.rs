//! What the tests start and must not leave behind: process groups, scratch
//! directories, and deadlines on everything that waits.

use std::fmt::Display;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often polling loops look again.
pub const POLL: Duration = Duration::from_millis(10);

/// Awaits `future` for at most `limit`; a timeout or an error becomes a message that
/// names `what` was being waited for.
pub async fn within<T, E: Display>(
    limit: Duration,
    what: &str,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{what}: {error}")),
        Err(_) => Err(format!(
            "{what}: no answer within {} s",
            limit.as_secs_f32()
        )),
    }
}

/// Polls `ready` until it returns `Some` or `limit` passes.
pub fn poll_until<T>(limit: Duration, mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = ready() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(POLL);
    }
}

/// A name no other run on this machine uses at the same time.
pub fn unique_name(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{label}-{}-{nanos:x}", std::process::id())
}

/// A directory under the system's temporary directory, removed with everything in it
/// when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `cors-browser-<label>-<pid>-<time>`.
    pub fn new(label: &str) -> io::Result<TempDir> {
        let path = std::env::temp_dir().join(unique_name(&format!("cors-browser-{label}")));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process leading a process group of its own, killed with the whole group
/// when dropped, even while a test unwinds from a panic.
///
/// A WebDriver server starts its browser, and the browser its own processes
/// (Chromium's zygote and renderers, Firefox's content processes, WebKit's network and
/// web processes): all of them inherit the group, so killing the group leaves nothing
/// behind, whereas killing the driver alone would orphan the browser. (Chromium's
/// crash handler leads a group of its own, and exits when the browser does; Firefox's
/// crash reporter, which would too, is turned off.)
#[derive(Debug)]
pub struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    /// Spawns `command` as the leader of a new process group.
    pub fn spawn(command: &mut Command) -> io::Result<ProcessGroup> {
        let child = command.process_group(0).spawn()?;
        Ok(ProcessGroup { child })
    }

    /// The exit status, if the leader has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends SIGKILL to every process of the group and reaps the leader.
    pub fn kill(&mut self) {
        self.signal("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM to the group, so that its processes can clean up after
    /// themselves (Xvfb removes its socket and lock file), and kills whatever is left
    /// after `grace`.
    pub fn terminate(&mut self, grace: Duration) {
        self.signal("-TERM");
        poll_until(grace, || self.exited());
        self.kill();
    }

    /// Sends `signal` to every process of the group.
    fn signal(&self, signal: &str) {
        // The group id is the leader's pid. `kill` the command, since the standard
        // library signals single processes only and this crate has no unsafe code.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args([signal, "--", &group])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn killing_the_group_ends_grandchildren() {
        let dir = TempDir::new("test").unwrap();
        let pid_file = dir.path().join("pid");
        // The shell starts a grandchild and reports its pid, as chromedriver starts
        // Chromium.
        let script = format!("sleep 60 & echo $! > {}; wait", pid_file.display());
        let mut group = ProcessGroup::spawn(Command::new("sh").args(["-c", &script])).unwrap();
        let pid = poll_until(Duration::from_secs(5), || {
            std::fs::read_to_string(&pid_file)
                .ok()
                .filter(|s| s.ends_with('\n'))
        })
        .expect("the grandchild started");
        let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
        assert!(proc_dir.exists());
        drop(std::mem::replace(
            &mut group,
            ProcessGroup::spawn(&mut Command::new("true")).unwrap(),
        ));
        // Killed, and reaped by whoever inherited it; either way no longer running.
        let gone = poll_until(Duration::from_secs(5), || {
            let state = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
            (state.is_empty() || state.contains(") Z ")).then_some(())
        });
        assert!(gone.is_some(), "the grandchild outlived its group");
    }

    #[test]
    fn terminating_lets_the_group_clean_up_first() {
        let dir = TempDir::new("test").unwrap();
        let marker = dir.path().join("cleaned");
        // The shell cleans up on SIGTERM, as Xvfb removes its socket.
        let script = format!(
            "trap 'touch {}; exit 0' TERM; sleep 60 & wait",
            marker.display()
        );
        let mut group = ProcessGroup::spawn(Command::new("sh").args(["-c", &script])).unwrap();
        thread::sleep(Duration::from_millis(200));
        group.terminate(Duration::from_secs(5));
        assert!(group.exited().is_some());
        assert!(
            marker.exists(),
            "the group was killed before it could clean up"
        );
    }

    #[test]
    fn temp_dir_goes_with_its_owner() {
        let dir = TempDir::new("test").unwrap();
        let path = dir.path().to_owned();
        std::fs::write(path.join("f"), "x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn within_names_what_timed_out() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<(), String>(())
        };
        let error = runtime
            .block_on(within(Duration::from_millis(10), "the slow thing", slow))
            .unwrap_err();
        assert_eq!(error, "the slow thing: no answer within 0.01 s");
    }
}
