//! What the store keeps in memory between requests: the report categories (17 rows read by every Open311 answer
//! and report page), and counters of report (and report list), dossier and portal changes that the web layer's caches
//! check.
//!
//! Every write through this [`crate::Store`] updates the cache in the same call, so this process never serves a
//! stale copy after its own write. Another process writing the same database (the CLI, a second `serve`) is seen
//! once [`CATEGORIES_TTL`] has passed; pages cached on the portal counter also expire by age in the web layer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::reports::ReportCategory;

/// How long the category list is trusted without a write from this process.
pub const CATEGORIES_TTL: Duration = Duration::from_secs(30);

/// The categories as last read, with the moment they were read.
struct CachedCategories {
    read_at: Instant,
    list: Arc<Vec<ReportCategory>>,
}

/// The store's in-memory read state; shared by every clone of a `Store`.
#[derive(Default)]
pub(crate) struct ReadCache {
    categories: RwLock<Option<CachedCategories>>,
    /// Bumped by every category write, so a read that raced a write does not store its older rows.
    category_changes: AtomicU64,
    /// Bumped by every portal write (articles, sites, warnings, questions, the search index).
    portal_changes: AtomicU64,
    /// Bumped by every change of an existing report row and by every category write (names show on reports).
    report_changes: AtomicU64,
    /// Bumped by every change of an existing dossier row (a workflow step, a payment that moves its status).
    dossier_changes: AtomicU64,
    /// Bumped by all of those and by every new report: what a list of reports depends on.
    report_list_changes: AtomicU64,
}

impl ReadCache {
    pub(crate) fn new() -> Arc<ReadCache> {
        Arc::new(ReadCache::default())
    }

    /// The cached category list, if read less than [`CATEGORIES_TTL`] ago.
    pub(crate) fn categories(&self) -> Option<Arc<Vec<ReportCategory>>> {
        let guard = self.categories.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_ref().filter(|c| c.read_at.elapsed() < CATEGORIES_TTL).map(|c| Arc::clone(&c.list))
    }

    /// The change count to pass to [`ReadCache::put_categories`] for a read starting now.
    pub(crate) fn category_version(&self) -> u64 {
        self.category_changes.load(Ordering::Acquire)
    }

    /// Keeps `list`, read when the change count was `version`, unless a write happened since.
    pub(crate) fn put_categories(&self, version: u64, list: Arc<Vec<ReportCategory>>) {
        let mut guard = self.categories.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.category_changes.load(Ordering::Acquire) == version {
            *guard = Some(CachedCategories { read_at: Instant::now(), list });
        }
    }

    /// Forgets the categories after a write.
    pub(crate) fn categories_changed(&self) {
        let mut guard = self.categories.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.category_changes.fetch_add(1, Ordering::AcqRel);
        *guard = None;
        drop(guard);
        self.reports_changed();
    }

    pub(crate) fn report_generation(&self) -> u64 {
        self.report_changes.load(Ordering::Acquire)
    }

    pub(crate) fn reports_changed(&self) {
        self.report_changes.fetch_add(1, Ordering::AcqRel);
        self.reports_added();
    }

    pub(crate) fn report_list_generation(&self) -> u64 {
        self.report_list_changes.load(Ordering::Acquire)
    }

    /// New reports were written: lists change, the existing reports' documents do not.
    pub(crate) fn reports_added(&self) {
        self.report_list_changes.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn dossier_generation(&self) -> u64 {
        self.dossier_changes.load(Ordering::Acquire)
    }

    pub(crate) fn dossiers_changed(&self) {
        self.dossier_changes.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn portal_generation(&self) -> u64 {
        self.portal_changes.load(Ordering::Acquire)
    }

    pub(crate) fn portal_changed(&self) {
        self.portal_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// After an import every cached read is void.
    pub(crate) fn everything_changed(&self) {
        self.categories_changed();
        self.portal_changed();
        self.dossiers_changed();
    }
}
