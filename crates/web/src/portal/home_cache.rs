//! Rendered home pages of the unit sites for visitors who are not logged in: the page a ward's residents open
//! most, identical for all of them but for the CSRF token in `<body hx-headers>`. It is rendered once per site and
//! language and kept as the text before and after that token, so a hit costs a map lookup and one copy.
//!
//! Correctness first: an entry is used only while the store's portal counter (`Store::portal_generation`, moved
//! by every article, site, warning or search-index write of this process) still has the value read before the
//! page was rendered, so a publish or a withdrawal shows on the next request. What changes with the clock alone —
//! a scheduled article reaching its time, a warning starting or expiring, another process's write — shows within
//! [`HOME_PAGE_TTL`].

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::i18n::Lang;

/// How long a rendered home page is served without being rendered again, at most.
pub const HOME_PAGE_TTL: Duration = Duration::from_secs(5);

/// Where the page carries the visitor's CSRF token (`base.html`). Article text cannot forge it: a quote in
/// content is escaped, so this literal only comes from the layout.
const CSRF_SLOT: &str = "<body hx-headers='{\"X-CSRF-Token\": \"";

struct Entry {
    generation: u64,
    rendered_at: Instant,
    /// The page up to and including [`CSRF_SLOT`].
    head: String,
    /// The page after the token.
    tail: String,
}

/// Home pages by site slug, then language (Vietnamese, English).
#[derive(Default)]
pub struct HomePageCache {
    entries: RwLock<HashMap<String, [Option<Entry>; 2]>>,
}

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    }
}

impl HomePageCache {
    /// The page of `slug` in `lang` with `csrf_token` in place, if one rendered at `generation` is fresh.
    pub fn get(&self, slug: &str, lang: Lang, generation: u64, csrf_token: &str) -> Option<String> {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = entries.get(slug)?[slot(lang)].as_ref()?;
        if entry.generation != generation || entry.rendered_at.elapsed() >= HOME_PAGE_TTL {
            return None;
        }
        let mut page = String::with_capacity(entry.head.len() + csrf_token.len() + entry.tail.len());
        page.push_str(&entry.head);
        page.push_str(csrf_token);
        page.push_str(&entry.tail);
        Some(page)
    }

    /// Keeps `page`, rendered with an empty CSRF token from data read at `generation`, and returns it with
    /// `csrf_token` in place. A page without the token's slot is returned as it is and not kept.
    pub fn put(&self, slug: &str, lang: Lang, generation: u64, page: String, csrf_token: &str) -> String {
        let Some(at) = page.find(CSRF_SLOT).map(|i| i + CSRF_SLOT.len()) else {
            return page;
        };
        let (head, tail) = (page[..at].to_owned(), page[at..].to_owned());
        let out = format!("{head}{csrf_token}{tail}");
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.entry(slug.to_owned()).or_default()[slot(lang)] =
            Some(Entry { generation, rendered_at: Instant::now(), head, tail });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(token: &str) -> String {
        format!("<html><body hx-headers='{{\"X-CSRF-Token\": \"{token}\"}}'><main>tin</main></body></html>")
    }

    #[test]
    fn each_visitor_gets_their_own_token() {
        let cache = HomePageCache::default();
        assert_eq!(cache.put("phuong-kim-long", Lang::Vi, 3, page(""), "aa"), page("aa"));
        assert_eq!(cache.get("phuong-kim-long", Lang::Vi, 3, "bb"), Some(page("bb")));
        assert_eq!(cache.get("phuong-kim-long", Lang::En, 3, "bb"), None, "languages are kept apart");
        assert_eq!(cache.get("phuong-an-cuu", Lang::Vi, 3, "bb"), None);
    }

    #[test]
    fn a_portal_write_voids_the_page() {
        let cache = HomePageCache::default();
        cache.put("phuong-kim-long", Lang::Vi, 3, page(""), "aa");
        assert_eq!(cache.get("phuong-kim-long", Lang::Vi, 4, "aa"), None);
    }

    #[test]
    fn a_page_without_the_slot_is_not_kept() {
        let cache = HomePageCache::default();
        assert_eq!(cache.put("x", Lang::Vi, 1, "<p>lỗi</p>".into(), "aa"), "<p>lỗi</p>");
        assert_eq!(cache.get("x", Lang::Vi, 1, "aa"), None);
    }
}
