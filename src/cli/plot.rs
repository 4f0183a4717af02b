//! The soak plot: live heap and RSS over candles, with the fitted slope.

use plotters::prelude::*;

use crate::leak::SlopeFit;

/// The plot could not be drawn (plotters' error, as text).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the plot: {0}")]
pub struct PlotError(String);

impl PlotError {
    fn new(error: impl std::fmt::Display) -> PlotError {
        PlotError(error.to_string())
    }
}

/// One seed's series: (candle, live heap bytes, RSS bytes).
pub struct Series {
    /// Seed.
    pub seed: u64,
    /// Points in candle order.
    pub points: Vec<(u64, u64, u64)>,
}

/// Renders the SVG document: heap per seed with its fitted line on top,
/// process RSS below. Long because plotters builds a chart as one chain of
/// calls per panel; split, each part would only pass the backend along.
pub fn render(series: &[Series]) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 760)).into_drawing_area();
        root.fill(&WHITE).map_err(PlotError::new)?;
        let (upper, lower) = root.split_vertically(400);
        let max_x = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .max()
            .unwrap_or(1)
            .max(1);
        let max_heap = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .max()
            .unwrap_or(1);
        let max_rss = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.2))
            .max()
            .unwrap_or(1);

        let mut heap = ChartBuilder::on(&upper)
            .caption(
                "bot live heap (bytes) over candles, dashed: fitted slope",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(90)
            .build_cartesian_2d(0u64..max_x, 0u64..(max_heap + max_heap / 10 + 1))
            .map_err(PlotError::new)?;
        heap.configure_mesh()
            .x_desc("candles")
            .y_desc("live bytes")
            .draw()
            .map_err(PlotError::new)?;
        for (index, s) in series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            heap.draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.0, p.1)),
                color.stroke_width(2),
            ))
            .map_err(PlotError::new)?
            .label(format!("seed {}", s.seed))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
            let mut fit = SlopeFit::default();
            for &(candle, bytes, _) in &s.points {
                fit.add(candle, bytes);
            }
            let (slope, intercept) = fit.line();
            let at = |x: u64| (intercept + slope * x as f64).max(0.0) as u64;
            let first = s.points.first().map_or(0, |p| p.0);
            let last = s.points.last().map_or(0, |p| p.0);
            let dashes = (0..=40u64).map(|i| first + (last - first) * i / 40);
            heap.draw_series(DashedLineSeries::new(
                dashes.map(|x| (x, at(x))),
                6,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(PlotError::new)?;
        }
        if series.len() <= 16 {
            heap.configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(PlotError::new)?;
        }

        let mut rss = ChartBuilder::on(&lower)
            .caption("process RSS (bytes)", ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(90)
            .build_cartesian_2d(0u64..max_x, 0u64..(max_rss + max_rss / 10 + 1))
            .map_err(PlotError::new)?;
        rss.configure_mesh()
            .x_desc("candles")
            .y_desc("RSS bytes")
            .draw()
            .map_err(PlotError::new)?;
        for (index, s) in series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            rss.draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.0, p.2)),
                color.stroke_width(2),
            ))
            .map_err(PlotError::new)?;
        }
        root.present().map_err(PlotError::new)?;
    }
    Ok(svg)
}
