//! The review as Markdown (a CI job summary) and as one HTML page (inline
//! SVG charts and CSS, well-formed XHTML so any XML parser reads it).

use std::fmt::Write as _;

use super::read::{Review, Series};

/// The Markdown summary.
pub(super) fn markdown(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## heapbound review\n");
    let _ = writeln!(
        out,
        "{} seed(s) from {}; projection over {} candles.\n",
        review.seeds.len(),
        review.files.join(", "),
        review.horizon
    );
    let _ = writeln!(
        out,
        "| seed | series | last | slope /candle | projected | growing |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|:---:|");
    for seed in &review.seeds {
        for series in std::iter::once(&seed.heap)
            .chain(&seed.components)
            .chain(&seed.lens)
        {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.4} ± {:.4} | {:+.0} | {} |",
                seed.seed,
                series.label,
                series.last,
                series.slope,
                series.band,
                series.projected,
                if series.growing() { "yes" } else { "no" }
            );
        }
    }
    let _ = writeln!(out, "\n### Alerts\n");
    if review.alerts.is_empty() {
        let _ = writeln!(out, "None.");
    }
    for alert in &review.alerts {
        let _ = writeln!(out, "- {}", alert.message);
        if let Some(command) = replay_command(alert) {
            let _ = writeln!(out, "  - replay: `{command}`");
        }
    }
    out
}

fn replay_command(alert: &super::read::LoggedAlert) -> Option<String> {
    let dump = alert.dump.as_deref()?;
    Some(match &alert.command {
        Some(command) => format!("heapbound replay {dump} --exec {command:?}"),
        None => format!("heapbound replay {dump}"),
    })
}

/// The HTML page.
pub(super) fn html(review: &Review) -> String {
    let mut out = String::new();
    out.push_str(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>heapbound review</title>\n<style>\nbody{font-family:system-ui,sans-serif;margin:2em;color:#222}\ntable{border-collapse:collapse;margin:1em 0}\ntd,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}\nth:nth-child(2),td:nth-child(2){text-align:left}\n.grow{color:#b00;font-weight:bold}\n.charts{display:flex;flex-wrap:wrap;gap:1em}\nfigure{margin:0}\nfigcaption{font-size:.85em}\n</style>\n</head>\n<body>\n<h1>heapbound review</h1>\n",
    );
    let _ = writeln!(
        out,
        "<p>{} seed(s) from {}; projection over {} candles.</p>",
        review.seeds.len(),
        escape(&review.files.join(", ")),
        review.horizon
    );
    out.push_str("<h2>Alerts</h2>\n");
    if review.alerts.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for alert in &review.alerts {
            let _ = write!(out, "<li>{}", escape(&alert.message));
            if let Some(command) = replay_command(alert) {
                let _ = write!(out, "<br/>replay: <code>{}</code>", escape(&command));
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    for seed in &review.seeds {
        let _ = writeln!(out, "<h2>Seed {}</h2>", seed.seed);
        out.push_str("<table>\n<tr><th>seed</th><th>series</th><th>last</th><th>slope per candle</th><th>projected</th></tr>\n");
        for series in std::iter::once(&seed.heap)
            .chain(&seed.components)
            .chain(&seed.lens)
        {
            let class = if series.growing() {
                " class=\"grow\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{:.4} ± {:.4}</td><td>{:+.0}</td></tr>",
                seed.seed,
                escape(&series.label),
                series.last,
                series.slope,
                series.band,
                series.projected
            );
        }
        out.push_str("</table>\n<div class=\"charts\">\n");
        for series in std::iter::once(&seed.heap)
            .chain(std::iter::once(&seed.rss))
            .chain(&seed.components)
            .chain(&seed.lens)
        {
            chart(&mut out, series);
        }
        out.push_str("</div>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// One small chart: the series as a polyline with its fitted line.
fn chart(out: &mut String, series: &Series) {
    const W: f64 = 320.0;
    const H: f64 = 140.0;
    let (Some(first), Some(last)) = (series.points.first(), series.points.last()) else {
        return;
    };
    let (x0, x1) = (first.0 as f64, (last.0 as f64).max(first.0 as f64 + 1.0));
    // The y axis spans the series' own range, so small growth shows.
    let min_y = series.points.iter().map(|p| p.1).min().unwrap_or(0) as f64;
    let max_y = series.points.iter().map(|p| p.1).max().unwrap_or(0) as f64;
    let span = (max_y - min_y).max(1.0);
    let px = |x: f64| (x - x0) / (x1 - x0) * (W - 10.0) + 5.0;
    let py = |y: f64| (H - 5.0 - (y - min_y) / span * (H - 10.0)).clamp(0.0, H);
    let points: Vec<String> = series
        .points
        .iter()
        .map(|&(x, y)| format!("{:.1},{:.1}", px(x as f64), py(y as f64)))
        .collect();
    let mean_x = series.points.iter().map(|p| p.0 as f64).sum::<f64>() / series.points.len() as f64;
    let mean_y = series.points.iter().map(|p| p.1 as f64).sum::<f64>() / series.points.len() as f64;
    let line = |x: f64| mean_y + series.slope * (x - mean_x);
    let _ = writeln!(
        out,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\"><rect width=\"{W}\" height=\"{H}\" fill=\"#fafafa\" stroke=\"#ddd\"/><polyline fill=\"none\" stroke=\"#2a6\" stroke-width=\"1.5\" points=\"{}\"/><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#b00\" stroke-dasharray=\"4 3\"/></svg><figcaption>{} ({:.0} to {:.0})</figcaption></figure>",
        points.join(" "),
        px(x0),
        py(line(x0)),
        px(x1),
        py(line(x1)),
        escape(&series.label),
        min_y,
        max_y
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
