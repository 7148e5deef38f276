//! Rich text of portal articles: the HTML an editor may save, cleaned with [`ammonia`] (an html5ever-based
//! allow-list sanitiser) so that no script, style, event handler or `javascript:` URL ever reaches a reader.
//!
//! The allow-list is deliberately small: what a news article, notice or legal document needs, and what keeps pages
//! accessible (WCAG 2.1: headings from `h2`, `alt` on images, table headers).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};
use unicode_normalization::UnicodeNormalization;

/// Tags kept in an article body. `h1` is left out: the article title is the page's only `h1`.
pub const ALLOWED_TAGS: &[&str] = &[
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "img",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

/// Tags dropped together with everything inside them (the rest of the unknown tags are unwrapped: their text stays).
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "svg", "math", "iframe", "object", "embed", "noscript", "template", "title", "xmp", "noembed",
    "noframes", "textarea", "select",
];

/// URL schemes a link may use; images accept only `https` or a relative path.
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// What [`sanitise_article_html`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitisedHtml {
    /// The cleaned HTML, text in NFC, safe to store and render as is.
    pub html: String,
    /// True when markup was removed or changed (a tag, an attribute, a URL, a comment), so the editor can be told
    /// "some formatting was removed". Text is never removed except inside dropped elements (`script`, `style`…).
    pub removed: bool,
}

/// Cleans an article body for saving: keeps [`ALLOWED_TAGS`]; on `a` only `href` (http, https, mailto or relative)
/// and `title`, with `rel="noopener noreferrer"` always set; on `img` only `src` (https or a relative path — no
/// `http:`, `data:` or `//host`), `alt`, and numeric `width`/`height`; on `th`/`td` numeric `colspan`/`rowspan`
/// and `th` `scope`. Scripts, styles, `svg`, frames and comments are dropped with their content; every other tag is
/// unwrapped. Text is normalised to NFC like all stored text (`domain::text::nfc`).
pub fn sanitise_article_html(input: &str) -> SanitisedHtml {
    let input: String = input.nfc().collect();
    let html = article_policy().clean(&input).to_string();
    // To tell whether anything was removed, the same input goes through a policy that keeps every tag and attribute
    // html5ever produces; both outputs share html5ever's serialisation, so any difference is a removal.
    let reference = keep_everything_policy().clean(&input).to_string();
    SanitisedHtml { removed: html != reference, html }
}

/// The allow-list for article bodies.
fn article_policy() -> Builder<'static> {
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    attributes.insert("a", HashSet::from(["href", "title"]));
    attributes.insert("img", HashSet::from(["src", "alt", "width", "height"]));
    attributes.insert("th", HashSet::from(["colspan", "rowspan", "scope"]));
    attributes.insert("td", HashSet::from(["colspan", "rowspan"]));
    let mut builder = base_policy();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .tag_attributes(attributes)
        .url_schemes(LINK_SCHEMES.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    builder
}

/// Settings both policies share, so their serialisations agree: no defaults from ammonia are relied on.
fn base_policy() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .generic_attributes(HashSet::new())
        .generic_attribute_prefixes(HashSet::new())
        .tag_attribute_values(HashMap::new())
        .allowed_classes(HashMap::new())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .id_prefix(None)
        // Set (replacing any value typed) rather than `link_rel`, so the reference policy can do the same.
        .set_tag_attribute_value("a", "rel", "noopener noreferrer");
    builder
}

/// A policy that keeps as much as html5ever parses: every known HTML, SVG and MathML tag, every attribute whose
/// name starts with a printable ASCII character, every common URL scheme, comments and script/style content.
fn keep_everything_policy() -> Builder<'static> {
    const EVERY_TAG: &[&str] = &[
        "a",
        "abbr",
        "acronym",
        "address",
        "applet",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "basefont",
        "bdi",
        "bdo",
        "bgsound",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "image",
        "img",
        "input",
        "ins",
        "kbd",
        "keygen",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "marquee",
        "math",
        "menu",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "plaintext",
        "pre",
        "progress",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
        "xmp",
        "animate",
        "animatemotion",
        "animatetransform",
        "circle",
        "clippath",
        "defs",
        "desc",
        "ellipse",
        "feimage",
        "foreignobject",
        "g",
        "line",
        "lineargradient",
        "marker",
        "mask",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "path",
        "pattern",
        "polygon",
        "polyline",
        "radialgradient",
        "rect",
        "set",
        "stop",
        "symbol",
        "text",
        "textpath",
        "tspan",
        "use",
        "view",
        "annotation-xml",
        "mglyph",
        "malignmark",
    ];
    const EVERY_SCHEME: &[&str] = &[
        "http",
        "https",
        "mailto",
        "tel",
        "ftp",
        "ftps",
        "file",
        "data",
        "javascript",
        "vbscript",
        "livescript",
        "blob",
        "about",
        "sms",
        "geo",
        "irc",
        "ircs",
        "magnet",
        "news",
        "nntp",
        "sip",
        "sips",
        "ssh",
        "xmpp",
        "ws",
        "wss",
    ];
    // Printable ASCII, as attribute name prefixes: every attribute the parser can produce from ASCII input.
    let prefixes: HashSet<&'static str> =
        (0x21u8..0x7f).filter_map(|b| ASCII_PRINTABLE.get(usize::from(b - 0x21)..usize::from(b - 0x20))).collect();
    let mut builder = base_policy();
    builder
        .tags(EVERY_TAG.iter().copied().collect())
        .tag_attributes(HashMap::new())
        .generic_attribute_prefixes(prefixes)
        .url_schemes(EVERY_SCHEME.iter().copied().collect())
        .clean_content_tags(HashSet::new())
        .strip_comments(false);
    builder
}

/// The printable ASCII characters in order, sliced one by one into attribute prefixes.
const ASCII_PRINTABLE: &str =
    "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// Value checks ammonia's allow-list cannot express: image sources, and numeric sizes and spans.
fn filter_attribute<'u>(tag: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (tag, attribute) {
        ("img", "src") => image_source_allowed(value).then_some(Cow::Borrowed(value)),
        ("img", "width" | "height") | ("th" | "td", "colspan" | "rowspan") => {
            let v = value.trim();
            (!v.is_empty() && v.len() <= 4 && v.bytes().all(|b| b.is_ascii_digit())).then(|| Cow::Owned(v.to_owned()))
        }
        ("th", "scope") => {
            matches!(value.trim(), "row" | "col" | "rowgroup" | "colgroup").then_some(Cow::Borrowed(value))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// An image may come from `https:` or a path on the portal itself; not `http:` (mixed content), `data:` or
/// `//other-host` (a hidden scheme-relative request to another site).
fn image_source_allowed(src: &str) -> bool {
    let s = src.trim();
    if s.is_empty() || s.starts_with("//") || s.starts_with("\\\\") || s.starts_with("/\\") {
        return false;
    }
    match s.split_once(':') {
        // A colon before any '/', '?' or '#' starts a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => scheme.eq_ignore_ascii_case("https"),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> SanitisedHtml {
        sanitise_article_html(s)
    }

    #[test]
    fn allowed_markup_passes_unchanged() {
        let body = "<h2>Lịch nghỉ Tết</h2><p><strong>UBND</strong> thông báo <em>lịch nghỉ</em>.<br>Xem \
                    <a href=\"https://hue.gov.vn/van-ban\" title=\"Văn bản\" rel=\"noopener noreferrer\">văn bản</a>.</p>\
                    <ul><li>Một</li></ul><ol><li>Hai</li></ol><blockquote>Trích</blockquote>\
                    <img src=\"/media/ab12.jpg\" alt=\"Cầu Trường Tiền\" width=\"640\" height=\"480\">\
                    <table><caption>Lịch</caption><thead><tr><th scope=\"col\">Ngày</th></tr></thead>\
                    <tbody><tr><td colspan=\"2\">1</td></tr></tbody></table>";
        let out = clean(body);
        assert_eq!(out.html, body);
        assert!(!out.removed);
    }

    #[test]
    fn links_always_get_noopener_noreferrer() {
        let out = clean("<a href=\"mailto:ubnd@hue.gov.vn\">thư</a> <a href=\"/gioi-thieu\">trang</a>");
        assert_eq!(
            out.html,
            "<a href=\"mailto:ubnd@hue.gov.vn\" rel=\"noopener noreferrer\">thư</a> \
             <a href=\"/gioi-thieu\" rel=\"noopener noreferrer\">trang</a>"
        );
        assert!(!out.removed, "adding rel is not a removal");
    }

    #[test]
    fn scripts_styles_and_handlers_are_removed() {
        let cases = [
            ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
            ("<script src=\"https://evil.example/x.js\"></script><p>x</p>", "<p>x</p>"),
            ("<img src=x onerror=alert(1)>", "<img src=\"x\">"),
            ("<img src=\"/a.png\" onerror=\"alert(1)\" alt=\"a\">", "<img src=\"/a.png\" alt=\"a\">"),
            ("<a href=\"javascript:alert(1)\">x</a>", "<a rel=\"noopener noreferrer\">x</a>"),
            ("<a href=\" JaVaScRiPt:alert(1)\">x</a>", "<a rel=\"noopener noreferrer\">x</a>"),
            ("<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a rel=\"noopener noreferrer\">x</a>"),
            (
                "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
                "<a rel=\"noopener noreferrer\">x</a>",
            ),
            ("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "<a rel=\"noopener noreferrer\">x</a>"),
            ("<svg onload=alert(1)><circle r=1></circle></svg><p>ok</p>", "<p>ok</p>"),
            ("<p style=\"width: expression(alert(1))\">t</p>", "<p>t</p>"),
            ("<style>p{background:url(javascript:alert(1))}</style><p>t</p>", "<p>t</p>"),
            ("<p onclick=\"alert(1)\" onmouseover=alert(2)>t</p>", "<p>t</p>"),
            ("<iframe src=\"https://evil.example\"></iframe>t", "t"),
            ("<div><span>giữ chữ</span></div>", "giữ chữ"),
            ("<!-- <script>alert(1)</script> -->t", "t"),
            ("<body onload=alert(1)>t</body>", "t"),
            ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", ""),
            ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
            ("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"),
            ("<h1>Tiêu đề</h1>", "Tiêu đề"),
        ];
        for (input, expected) in cases {
            let out = clean(input);
            assert_eq!(out.html, expected, "{input}");
            let lower = out.html.to_lowercase();
            for bad in ["<script", "onerror", "onload", "javascript:", "expression(", "<style", "<svg", "onclick"] {
                assert!(!lower.contains(bad), "{input} → {}", out.html);
            }
        }
    }

    #[test]
    fn removals_are_reported_and_escaped_text_is_not() {
        assert!(clean("<p onclick=\"x()\">t</p>").removed);
        assert!(clean("<p>a<script>x</script></p>").removed);
        assert!(clean("<a href=\"javascript:x\">t</a>").removed);
        assert!(clean("<!-- ghi chú -->t").removed);
        assert!(clean("<div>t</div>").removed);
        assert!(!clean("&lt;script&gt; là thẻ HTML").removed);
        assert!(!clean("<p>Giá &lt; 5 &amp; &gt; 2</p>").removed);
        assert!(!clean("").removed);
    }

    #[test]
    fn image_sources_must_be_https_or_relative() {
        for (src, kept) in [
            ("https://hue.gov.vn/a.jpg", true),
            ("/media/a.jpg", true),
            ("media/a.jpg", true),
            ("a.jpg?v=1:2", true),
            ("http://hue.gov.vn/a.jpg", false),
            ("//evil.example/a.jpg", false),
            ("data:image/png;base64,AAAA", false),
            ("javascript:alert(1)", false),
            ("HTTPS://hue.gov.vn/a.jpg", true),
        ] {
            let out = clean(&format!("<img src=\"{src}\" alt=\"a\">"));
            assert_eq!(out.html.contains("src="), kept, "{src} → {}", out.html);
            assert_eq!(out.removed, !kept, "{src}");
        }
        assert_eq!(
            clean("<img src=\"/a.png\" width=\"100%\" height=\"50\">").html,
            "<img src=\"/a.png\" height=\"50\">"
        );
        assert_eq!(clean("<td colspan=\"2;x\">1</td>").html, "1", "a bare td outside a table is unwrapped");
    }

    proptest::proptest! {
        #[test]
        fn sanitising_twice_changes_nothing(input in "(<(p|a|img|script|svg|b|div)( (href|src|onerror|title)=\"(https://x|javascript:y|/z)\")?>|</(p|a|script|div)>|[a-zđ &<>\"]){0,30}") {
            let once = sanitise_article_html(&input);
            let twice = sanitise_article_html(&once.html);
            proptest::prop_assert_eq!(&twice.html, &once.html);
            proptest::prop_assert!(!twice.removed, "{} → {}", input, once.html);
            let lower = once.html.to_lowercase();
            // "javascript:" may survive as harmless text or a title; never as a URL, a handler or a script.
            for bad in ["<script", "href=\"javascript", "src=\"javascript", " onerror=", "<svg"] {
                proptest::prop_assert!(!lower.contains(bad), "{} → {}", input, once.html);
            }
        }
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        let out = clean("<p>Hu\u{1ebf} La\u{306}ng Tu\u{31b}\u{323}</p>");
        assert_eq!(out.html, "<p>Huế Lăng Tự</p>");
        assert!(!out.removed, "normalisation is not a removal");
    }
}
