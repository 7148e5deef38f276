//! Login throttling: too many failed attempts for one account, or from one address, within a
//! window block further attempts until the oldest failure leaves the window. Kept in memory per
//! server; a restart forgets it, which errs on the side of letting people in.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits and memory of failed logins.
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    window: Duration,
    per_account: usize,
    per_ip: usize,
}

impl Default for LoginThrottle {
    /// 5 failures per account or 20 per address within 15 minutes (OWASP's usual guidance).
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 5, 20)
    }
}

impl LoginThrottle {
    /// Custom limits (tests use small ones).
    pub fn new(window: Duration, per_account: usize, per_ip: usize) -> Self {
        Self { failures: Mutex::new(HashMap::new()), window, per_account, per_ip }
    }

    fn keys(account: &str, ip: Option<&str>) -> [(String, bool); 2] {
        [(format!("account:{}", account.to_lowercase()), true), (format!("ip:{}", ip.unwrap_or("unknown")), false)]
    }

    /// `Err(wait)` when the account or the address is blocked right now.
    pub fn check(&self, account: &str, ip: Option<&str>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for (key, is_account) in Self::keys(account, ip) {
            let limit = if is_account { self.per_account } else { self.per_ip };
            if let Some(times) = map.get_mut(&key) {
                while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    times.pop_front();
                }
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    let left = self.window.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Count a failed attempt against both the account and the address.
    pub fn record_failure(&self, account: &str, ip: Option<&str>) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in Self::keys(account, ip) {
            map.entry(key).or_default().push_back(now);
        }
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
    }

    /// A successful login clears the account's failures (not the address's).
    pub fn record_success(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("account:{}", account.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_an_account_after_its_limit_and_not_others() {
        let t = LoginThrottle::new(Duration::from_secs(60), 3, 100);
        for _ in 0..3 {
            assert!(t.check("a@x.vn", Some("1.1.1.1")).is_ok());
            t.record_failure("a@x.vn", Some("1.1.1.1"));
        }
        assert!(t.check("a@x.vn", Some("2.2.2.2")).is_err());
        assert!(t.check("b@x.vn", Some("1.1.1.1")).is_ok());
    }

    #[test]
    fn blocks_an_address_trying_many_accounts() {
        let t = LoginThrottle::new(Duration::from_secs(60), 100, 4);
        for i in 0..4 {
            t.record_failure(&format!("user{i}@x.vn"), Some("9.9.9.9"));
        }
        assert!(t.check("fresh@x.vn", Some("9.9.9.9")).is_err());
        assert!(t.check("fresh@x.vn", Some("8.8.8.8")).is_ok());
    }

    #[test]
    fn success_clears_the_account_counter() {
        let t = LoginThrottle::new(Duration::from_secs(60), 2, 100);
        t.record_failure("a@x.vn", None);
        t.record_success("a@x.vn");
        t.record_failure("a@x.vn", None);
        assert!(t.check("a@x.vn", None).is_ok());
    }
}
