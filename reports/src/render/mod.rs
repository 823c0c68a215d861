//! Renderers: every output format consumes the same [`Report`].
//!
//! Each format lives in its own module; the helpers here are the pieces they
//! share (where a credential was found, how a worst case reads in one line,
//! how to make report text safe for a terminal). Rendering never fails on
//! report content: every value is text the renderers escape or sanitise.

mod changes;
mod html;
mod json;
mod markdown;
mod sarif;
mod table;
mod text;

use crate::Report;

pub use sarif::SARIF_SCHEMA_URI;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Sarif,
    /// One self-contained page: inline CSS, script and SVG, nothing fetched.
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Markdown,
        Format::Sarif,
        Format::Html,
    ];

    /// The name used by `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Html => "html",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `--format` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: expected one of table, json, markdown, sarif, html")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| {
                f.as_str().eq_ignore_ascii_case(s)
                    || (s.eq_ignore_ascii_case("md") && *f == Format::Markdown)
            })
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// Options that change presentation, never content.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colour (only when writing to a terminal).
    pub color: bool,
    /// Terminal width for the table, if known. `None` means 100 columns, so
    /// that piped output stays readable in a narrow log viewer.
    pub width: Option<u16>,
    /// Version of the binary, written into SARIF's `tool.driver.version`.
    /// `None` leaves it out (the library cannot know the binary's version,
    /// and leaving it out keeps test snapshots stable across releases).
    pub tool_version: Option<String>,
}

/// Writes the report to `out`. JSON is streamed: the report of a large
/// AWS account runs to hundreds of megabytes, which need not be held twice.
pub fn render_to(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, out),
        Format::Table => table::write(report, options, out),
        _ => out.write_all(render(report, format, options).as_bytes()),
    }
}

pub fn render(report: &Report, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Table => table::render(report, options),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Sarif => sarif::render(report, options),
        Format::Html => html::render(report),
    }
}
