//! Syndication documents of the portal: Atom 1.0 feeds (RFC 4287) for every site and category, and the
//! sitemap.xml (sitemaps.org protocol 0.9) search engines read. Written with quick-xml, so every text and attribute
//! is escaped by one writer.

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// A small indenting XML writer over quick-xml, shared by the feed and CAP documents. Writing into memory cannot
/// fail, so no method returns an error; characters XML 1.0 forbids are replaced by U+FFFD.
pub(crate) struct XmlOut(Writer<Vec<u8>>);

impl XmlOut {
    /// Starts a document with the UTF-8 declaration.
    pub(crate) fn new() -> Self {
        let mut out = XmlOut(Writer::new_with_indent(Vec::new(), b' ', 2));
        out.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        out
    }

    fn event(&mut self, e: Event<'_>) {
        // Infallible for an in-memory sink.
        let _ = self.0.write_event(e);
    }

    /// Opens `name` with attributes (values escaped).
    pub(crate) fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let safe: Vec<(&str, String)> = attributes.iter().map(|(k, v)| (*k, xml_safe(v))).collect();
        self.event(Event::Start(BytesStart::new(name).with_attributes(safe.iter().map(|(k, v)| (*k, v.as_str())))));
    }

    /// Closes `name`.
    pub(crate) fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// Writes `<name attrs>text</name>`, text escaped.
    pub(crate) fn text(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        self.event(Event::Text(BytesText::new(&xml_safe(text))));
        self.close(name);
    }

    /// Writes `<name attrs/>`.
    pub(crate) fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let safe: Vec<(&str, String)> = attributes.iter().map(|(k, v)| (*k, xml_safe(v))).collect();
        self.event(Event::Empty(BytesStart::new(name).with_attributes(safe.iter().map(|(k, v)| (*k, v.as_str())))));
    }

    /// The finished document, ending with a newline.
    pub(crate) fn finish(self) -> String {
        let mut s = String::from_utf8(self.0.into_inner())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        s.push('\n');
        s
    }
}

/// Replaces characters XML 1.0 cannot carry (most C0 controls, U+FFFE/U+FFFF) with U+FFFD.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'.. => c,
            _ => '\u{FFFD}',
        })
        .collect()
}

/// RFC 3339 timestamp as Atom and sitemaps write it: `2026-11-27T03:00:00Z`.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// ---------------------------------------------------------------------------------------------------------------
// Atom
// ---------------------------------------------------------------------------------------------------------------

/// An Atom category: `term` is the stable code, `label` what readers see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomCategory {
    /// Stable code, e.g. "notice".
    pub term: String,
    /// Human label, e.g. "Thông báo".
    pub label: Option<String>,
}

/// One entry (bài viết) of an Atom feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomEntry {
    /// Permanent IRI, e.g. "tag:hue.gov.vn,2026:article/123" or the article URL.
    pub id: String,
    /// Title, plain text.
    pub title: String,
    /// Last significant change.
    pub updated: DateTime<Utc>,
    /// First publication.
    pub published: Option<DateTime<Utc>>,
    /// Public URL of the article (`rel="alternate"`).
    pub link: String,
    /// Short summary, plain text.
    pub summary: Option<String>,
    /// Sanitised article body, written as `type="html"` (escaped).
    pub content_html: Option<String>,
    /// Author's display name (the unit, e.g. "UBND phường Thuận Hóa"); the feed's author when `None`.
    pub author: Option<String>,
    /// Categories (article kind, field…).
    pub categories: Vec<AtomCategory>,
}

/// An Atom 1.0 feed (RFC 4287) of a site or a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomFeed {
    /// Permanent IRI of the feed.
    pub id: String,
    /// Title, e.g. "Phường Thuận Hóa — Tin tức".
    pub title: String,
    /// Optional subtitle.
    pub subtitle: Option<String>,
    /// Latest `updated` of the entries (or of the site when empty).
    pub updated: DateTime<Utc>,
    /// The feed's own URL (`rel="self"`).
    pub self_link: String,
    /// The HTML page the feed mirrors (`rel="alternate"`).
    pub site_link: String,
    /// Content language, written as `xml:lang` ("vi" or "en").
    pub language: String,
    /// Default author for entries without one (RFC 4287 §4.1.1 wants an author on the feed or every entry).
    pub author: String,
    /// Entries, newest first.
    pub entries: Vec<AtomEntry>,
}

/// Writes `feed` as an Atom 1.0 document (`application/atom+xml`).
pub fn write_atom(feed: &AtomFeed) -> String {
    let mut x = XmlOut::new();
    x.open("feed", &[("xmlns", "http://www.w3.org/2005/Atom"), ("xml:lang", &feed.language)]);
    x.text("id", &[], &feed.id);
    x.text("title", &[], &feed.title);
    if let Some(subtitle) = &feed.subtitle {
        x.text("subtitle", &[], subtitle);
    }
    x.text("updated", &[], &rfc3339(feed.updated));
    x.empty("link", &[("rel", "self"), ("type", "application/atom+xml"), ("href", &feed.self_link)]);
    x.empty("link", &[("rel", "alternate"), ("type", "text/html"), ("href", &feed.site_link)]);
    x.open("author", &[]);
    x.text("name", &[], &feed.author);
    x.close("author");
    for entry in &feed.entries {
        x.open("entry", &[]);
        x.text("id", &[], &entry.id);
        x.text("title", &[], &entry.title);
        x.text("updated", &[], &rfc3339(entry.updated));
        if let Some(published) = entry.published {
            x.text("published", &[], &rfc3339(published));
        }
        x.empty("link", &[("rel", "alternate"), ("type", "text/html"), ("href", &entry.link)]);
        if let Some(author) = &entry.author {
            x.open("author", &[]);
            x.text("name", &[], author);
            x.close("author");
        }
        for c in &entry.categories {
            match &c.label {
                Some(label) => x.empty("category", &[("term", &c.term), ("label", label)]),
                None => x.empty("category", &[("term", &c.term)]),
            }
        }
        if let Some(summary) = &entry.summary {
            x.text("summary", &[("type", "text")], summary);
        }
        if let Some(html) = &entry.content_html {
            x.text("content", &[("type", "html")], html);
        }
        x.close("entry");
    }
    x.close("feed");
    x.finish()
}

// ---------------------------------------------------------------------------------------------------------------
// Sitemap
// ---------------------------------------------------------------------------------------------------------------

/// Most URLs one sitemap file may list (sitemaps.org protocol); larger sites split into several files.
pub const SITEMAP_MAX_URLS: usize = 50_000;

/// One `<url>` of a sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapUrl {
    /// Absolute URL of the page.
    pub loc: String,
    /// Last modification.
    pub lastmod: Option<DateTime<Utc>>,
}

/// Too many URLs for one sitemap file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sitemap holds at most {SITEMAP_MAX_URLS} URLs, got {0}; split it with a sitemap index")]
pub struct SitemapTooLarge(pub usize);

/// Writes a sitemap.xml (`urlset`) listing `urls`; more than [`SITEMAP_MAX_URLS`] is an error.
pub fn write_sitemap(urls: &[SitemapUrl]) -> Result<String, SitemapTooLarge> {
    if urls.len() > SITEMAP_MAX_URLS {
        return Err(SitemapTooLarge(urls.len()));
    }
    let mut x = XmlOut::new();
    x.open("urlset", &[("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9")]);
    for url in urls {
        x.open("url", &[]);
        x.text("loc", &[], &url.loc);
        if let Some(lastmod) = url.lastmod {
            x.text("lastmod", &[], &rfc3339(lastmod));
        }
        x.close("url");
    }
    x.close("urlset");
    Ok(x.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, h, 0, 0).unwrap()
    }

    #[test]
    fn atom_feed_golden() {
        let feed = AtomFeed {
            id: "https://hue.gov.vn/phuong-thuan-hoa/feed.atom".into(),
            title: "Phường Thuận Hóa — Tin tức".into(),
            subtitle: None,
            updated: t(3),
            self_link: "https://hue.gov.vn/phuong-thuan-hoa/feed.atom".into(),
            site_link: "https://hue.gov.vn/phuong-thuan-hoa/".into(),
            language: "vi".into(),
            author: "UBND phường Thuận Hóa".into(),
            entries: vec![AtomEntry {
                id: "tag:hue.gov.vn,2026:article/42".into(),
                title: "Lịch tiếp dân & \"đối thoại\" <tháng 12>".into(),
                updated: t(3),
                published: Some(t(2)),
                link: "https://hue.gov.vn/phuong-thuan-hoa/tin-tuc/42?a=1&b=2".into(),
                summary: Some("Tóm tắt".into()),
                content_html: Some("<p>Nội dung <strong>chính</strong></p>".into()),
                author: None,
                categories: vec![AtomCategory { term: "notice".into(), label: Some("Thông báo".into()) }],
            }],
        };
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <id>https://hue.gov.vn/phuong-thuan-hoa/feed.atom</id>
  <title>Phường Thuận Hóa — Tin tức</title>
  <updated>2026-11-27T03:00:00Z</updated>
  <link rel="self" type="application/atom+xml" href="https://hue.gov.vn/phuong-thuan-hoa/feed.atom"/>
  <link rel="alternate" type="text/html" href="https://hue.gov.vn/phuong-thuan-hoa/"/>
  <author>
    <name>UBND phường Thuận Hóa</name>
  </author>
  <entry>
    <id>tag:hue.gov.vn,2026:article/42</id>
    <title>Lịch tiếp dân &amp; &quot;đối thoại&quot; &lt;tháng 12&gt;</title>
    <updated>2026-11-27T03:00:00Z</updated>
    <published>2026-11-27T02:00:00Z</published>
    <link rel="alternate" type="text/html" href="https://hue.gov.vn/phuong-thuan-hoa/tin-tuc/42?a=1&amp;b=2"/>
    <category term="notice" label="Thông báo"/>
    <summary type="text">Tóm tắt</summary>
    <content type="html">&lt;p&gt;Nội dung &lt;strong&gt;chính&lt;/strong&gt;&lt;/p&gt;</content>
  </entry>
</feed>
"#;
        assert_eq!(write_atom(&feed), expected);
    }

    #[test]
    fn atom_reads_back_with_the_same_text() {
        let mut feed = AtomFeed {
            id: "urn:x".into(),
            title: "a\u{1}b".into(),
            subtitle: Some("Cổng".into()),
            updated: t(1),
            self_link: "s".into(),
            site_link: "l".into(),
            language: "en".into(),
            author: "Huế".into(),
            entries: vec![],
        };
        let xml = write_atom(&feed);
        assert!(xml.contains("<title>a\u{FFFD}b</title>"), "forbidden control characters are replaced");
        assert!(xml.contains("<subtitle>Cổng</subtitle>"));
        feed.title = "<script>alert(1)</script>".into();
        let xml = write_atom(&feed);
        let titles: Vec<String> = xml
            .lines()
            .filter_map(|l| l.trim().strip_prefix("<title>")?.strip_suffix("</title>"))
            .map(|escaped| quick_xml::escape::unescape(escaped).unwrap().into_owned())
            .collect();
        assert_eq!(titles, ["<script>alert(1)</script>"]);
    }

    #[test]
    fn sitemap_golden_and_limit() {
        let urls = [
            SitemapUrl { loc: "https://hue.gov.vn/".into(), lastmod: Some(t(0)) },
            SitemapUrl { loc: "https://hue.gov.vn/tim-kiem?q=l%C4%83ng&kind=news".into(), lastmod: None },
        ];
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://hue.gov.vn/</loc>
    <lastmod>2026-11-27T00:00:00Z</lastmod>
  </url>
  <url>
    <loc>https://hue.gov.vn/tim-kiem?q=l%C4%83ng&amp;kind=news</loc>
  </url>
</urlset>
"#;
        assert_eq!(write_sitemap(&urls).unwrap(), expected);
        let many = vec![SitemapUrl { loc: "https://hue.gov.vn/".into(), lastmod: None }; SITEMAP_MAX_URLS + 1];
        assert_eq!(write_sitemap(&many), Err(SitemapTooLarge(SITEMAP_MAX_URLS + 1)));
    }
}
