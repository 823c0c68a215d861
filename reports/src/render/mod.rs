//! Renderers: every output format consumes the same [`Report`].

use crate::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Sarif,
}

/// Options that change presentation, never content.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colour (only when writing to a terminal).
    pub color: bool,
    /// Terminal width for the table, if known.
    pub width: Option<u16>,
}

pub fn render(report: &Report, format: Format, options: &RenderOptions) -> String {
    let _ = options;
    match format {
        Format::Json | Format::Table | Format::Markdown | Format::Sarif => json(report),
    }
}

fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("report serializes");
    out.push('\n');
    out
}
