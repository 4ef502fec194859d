//! The fetch cache: fresh responses by URL, bounded by body bytes and entries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::FetchPolicy;

#[derive(Debug, Clone)]
struct Cached {
    body: Arc<Vec<u8>>,
    until: Instant,
    /// When it was last served (a counter), for least-recently-used eviction.
    used: u64,
}

/// Fresh responses by URL, bounded by total body bytes and by entries. Eviction scans for the
/// least recently used entry: with at most `FetchPolicy::max_cache_entries` entries (1,024 by
/// default) a scan costs microseconds next to the fetch that caused it.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    entries: HashMap<String, Cached>,
    bytes: usize,
    clock: u64,
}

impl Cache {
    /// What the cache holds: (responses, body bytes).
    pub(crate) fn usage(&self) -> (usize, usize) {
        (self.entries.len(), self.bytes)
    }

    pub(crate) fn get(&mut self, url: &str, offline: bool) -> Option<Arc<Vec<u8>>> {
        self.clock += 1;
        let now = Instant::now();
        let entry = self.entries.get_mut(url)?;
        // Offline, a stale entry is still the best there is.
        if entry.until > now || offline {
            entry.used = self.clock;
            return Some(entry.body.clone());
        }
        self.remove(url);
        None
    }

    pub(crate) fn insert(
        &mut self,
        url: &str,
        body: Arc<Vec<u8>>,
        until: Instant,
        policy: &FetchPolicy,
    ) {
        if body.len() > policy.max_cache_bytes || policy.max_cache_entries == 0 {
            return;
        }
        self.remove(url);
        let now = Instant::now();
        let expired: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, c)| c.until <= now)
            .map(|(u, _)| u.clone())
            .collect();
        for u in expired {
            self.remove(&u);
        }
        while self.entries.len() >= policy.max_cache_entries
            || self.bytes + body.len() > policy.max_cache_bytes
        {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(u, _)| u.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
        self.clock += 1;
        self.bytes += body.len();
        self.entries.insert(
            url.to_owned(),
            Cached {
                body,
                until,
                used: self.clock,
            },
        );
    }

    fn remove(&mut self, url: &str) {
        if let Some(c) = self.entries.remove(url) {
            self.bytes -= c.body.len();
        }
    }
}
