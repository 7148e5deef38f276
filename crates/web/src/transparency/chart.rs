//! Small bar charts drawn on the server as inline SVG: no chart library to download on a phone, and the same
//! figures are always in a table beside the chart for screen readers.

use std::fmt::Write as _;

/// One bar: its label (e.g. `2026-03`) and value; `None` draws an empty slot marked N/A.
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: Option<f64>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG bar chart of `bars` scaled to `max` (100 for rates), with `title` as its accessible name. The
/// figures are formatted by the caller's `unit` suffix (`%` or a word).
pub fn bar_chart(title: &str, bars: &[Bar<'_>], max: f64, unit: &str) -> String {
    const HEIGHT: f64 = 120.0;
    const BAR: f64 = 28.0;
    const GAP: f64 = 8.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let width = (bars.len().max(1) as f64) * (BAR + GAP) + GAP;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {width} {h}" width="100%" preserveAspectRatio="xMinYMin meet"><title>{t}</title>"#,
        t = escape(title),
        h = HEIGHT + 36.0,
    );
    let _ = write!(svg, r##"<line x1="0" y1="{HEIGHT}" x2="{width}" y2="{HEIGHT}" stroke="#555" stroke-width="1"/>"##);
    for (i, bar) in bars.iter().enumerate() {
        let x = GAP + i as f64 * (BAR + GAP);
        let label = escape(bar.label);
        match bar.value {
            Some(v) => {
                let h = (v.clamp(0.0, max) / max * (HEIGHT - 14.0)).max(1.0);
                let _ = write!(
                    svg,
                    r##"<rect x="{x}" y="{y}" width="{BAR}" height="{h}" fill="#1d4f91"><title>{label}: {v}{unit}</title></rect><text x="{tx}" y="{vy}" font-size="9" text-anchor="middle" fill="#1a1a1a">{v}</text>"##,
                    y = HEIGHT - h,
                    tx = x + BAR / 2.0,
                    vy = HEIGHT - h - 3.0,
                    unit = escape(unit),
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r##"<text x="{tx}" y="{vy}" font-size="9" text-anchor="middle" fill="#555">N/A</text>"##,
                    tx = x + BAR / 2.0,
                    vy = HEIGHT - 3.0,
                );
            }
        }
        let _ = write!(
            svg,
            r##"<text x="{tx}" y="{ly}" font-size="9" text-anchor="middle" fill="#1a1a1a">{label}</text>"##,
            tx = x + BAR / 2.0,
            ly = HEIGHT + 14.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_and_missing_values_marked() {
        let svg = bar_chart(
            "2.1 <on time>",
            &[Bar { label: "2026-01", value: Some(50.0) }, Bar { label: "2026-02", value: None }],
            100.0,
            " %",
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"2.1 &lt;on time&gt;\""), "title escaped: {svg}");
        assert!(svg.contains("height=\"53\""), "half of the 106 px drawing height: {svg}");
        assert!(svg.contains(">N/A<"));
        assert_eq!(svg.matches("<rect").count(), 1);
    }
}
