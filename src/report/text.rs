//! `path: cell 3, output 0, text/html: NB101 [removed] A `<script>` element …`

use std::io::{self, Write};

use super::{FileResult, Report};

/// One line per finding, then a one-line summary.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for file in &report.files {
        write_file(file, out)?;
    }
    let s = report.summary();
    let rules: Vec<String> = s
        .by_rule
        .iter()
        .map(|(code, n)| format!("{code}×{n}"))
        .collect();
    writeln!(
        out,
        "{} file(s): {} with findings, {} changed, {} skipped, {} failed; {} finding(s){}{}",
        s.files,
        s.files_with_findings,
        s.files_changed,
        s.files_skipped,
        s.files_failed,
        s.findings,
        if rules.is_empty() { "" } else { ": " },
        rules.join(", ")
    )
}

/// The lines of one file's findings (for callers that print files as they are done).
pub fn write_file(file: &FileResult, out: &mut dyn Write) -> io::Result<()> {
    let run = file
        .mlflow
        .as_ref()
        .map(|r| format!(" ({})", r.describe()))
        .unwrap_or_default();
    for f in &file.findings {
        let place = f.location.describe();
        let sep = if place.is_empty() { "" } else { ": " };
        writeln!(
            out,
            "{}{run}{sep}{place}: {} [{}] {}",
            file.path,
            f.rule.code,
            f.action.as_str(),
            f.message
        )?;
    }
    Ok(())
}
