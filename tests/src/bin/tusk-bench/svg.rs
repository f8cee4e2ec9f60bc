//! A horizontal bar chart of the median ratios upstream/tusk, written as SVG text: one bar per
//! workload and pair, its min–max as a whisker, and a line at 1 (as fast as upstream).

use std::fmt::Write;

use crate::report::WorkloadResult;
use crate::stats::Spread;

const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 330.0;
const ROW: f64 = 24.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 30.0;

pub fn chart(results: &[WorkloadResult]) -> String {
    let bars: Vec<(String, Spread)> = results
        .iter()
        .flat_map(|w| {
            w.pairs
                .iter()
                .map(move |p| (format!("{}: {}", w.name, p.label), p.ratio))
        })
        .collect();
    let plot = WIDTH - LABEL_WIDTH - 50.0;
    // Never narrower than 1.25, so that the line at 1 sits inside the plot.
    let top = bars.iter().map(|(_, r)| r.max).fold(1.25, f64::max);
    let x = |ratio: f64| LABEL_WIDTH + plot * ratio / top;
    let height = TOP + ROW * bars.len() as f64 + BOTTOM;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <text x=\"10\" y=\"20\" font-weight=\"bold\">wall time upstream/tusk \
         (median, min–max; above 1: tusk is faster)</text>\n"
    );
    for (i, (label, ratio)) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let mid = y + ROW / 2.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n\
             <rect x=\"{LABEL_WIDTH}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             fill=\"{}\"/>\n\
             <line x1=\"{:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\" stroke=\"black\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\">{:.2}</text>\n",
            LABEL_WIDTH - 8.0,
            mid + 4.0,
            escape(label),
            y + 4.0,
            x(ratio.median) - LABEL_WIDTH,
            ROW - 8.0,
            if ratio.median >= 1.0 {
                "#4a8f4a"
            } else {
                "#b55050"
            },
            x(ratio.min),
            x(ratio.max),
            x(ratio.max) + 6.0,
            mid + 4.0,
            ratio.median,
        );
    }
    let bottom = TOP + ROW * bars.len() as f64;
    let _ = write!(
        svg,
        "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"black\" \
         stroke-dasharray=\"4 3\"/>\n\
         <text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"middle\">1</text>\n</svg>\n",
        x(1.0),
        TOP - 4.0,
        bottom,
        bottom + 16.0
    );
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::{chart, escape};
    use crate::report::tests::sample;

    #[test]
    fn one_bar_per_pair_scaled_to_the_largest_whisker() {
        let svg = chart(&[sample()]);
        assert!(
            svg.starts_with(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"118\""
            )
        );
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<rect ").count(), 2);
        assert!(svg.contains(">realistic: custom, gzip</text>"));
        assert!(svg.contains(">2.00</text>"));
        // The largest whisker, 2.5, spans the whole plot (380 wide after the labels); a median
        // of 2 is four fifths of it.
        assert!(svg.contains("<line x1=\"558.0\" y1=\"76.0\" x2=\"710.0\""));
        assert!(svg.contains("width=\"304.0\""));
        // The line at 1.
        assert!(svg.contains("<line x1=\"482.0\" y1=\"36.0\" x2=\"482.0\" y2=\"88.0\""));
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
    }
}
