//! Watching the `conformance-<fw>` server while it is soaked, and the policy file it
//! reads. Starting and stopping it is [`cors_conformance::process`]'s, as for the
//! conformance suite.

use std::path::{Path, PathBuf};

pub(crate) use cors_conformance::process::Server;

/// What the soak needs to know about the server while it runs.
pub(crate) trait Watch: Sync {
    /// How the process ended, if it has.
    fn exited(&self) -> Option<String>;
    /// Its resident memory in KiB, where the platform tells.
    fn rss_kib(&self) -> Option<u64>;
    /// What it last wrote to stderr, to explain a crash.
    fn last_words(&self) -> String;
}

impl Watch for Server {
    fn exited(&self) -> Option<String> {
        Server::exited(self).map(|status| status.to_string())
    }

    fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid())
    }

    fn last_words(&self) -> String {
        self.stderr_tail()
    }
}

/// `VmRSS` of process `pid` from `/proc/<pid>/status`, in KiB.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let kib = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kib)
}

/// The soak's policy, written to a file of its own for the server to read, and
/// removed again when dropped.
pub(crate) struct PolicyFile {
    path: PathBuf,
}

impl PolicyFile {
    pub(crate) fn write(contents: &str, adapter: &str) -> Result<PolicyFile, String> {
        let path = std::env::temp_dir().join(format!(
            "cors-soak-{}-{adapter}-{}.json",
            std::process::id(),
            unique()
        ));
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write the policy to {}: {e}", path.display()))?;
        Ok(PolicyFile { path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PolicyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A number no other call in this process returns, for file names.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    7364 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(7364));
        assert_eq!(parse_vm_rss("VmRSS: 12 MB\n"), None);
        assert_eq!(parse_vm_rss("Name: x\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_resident_memory() {
        assert!(rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
    }
}
