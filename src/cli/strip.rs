//! `strip`: nbstripout's command line, for the common cases.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use nbsanitize::fsio;
use nbsanitize::git::strip::{self, StripOptions};

use super::Exit;

/// Flags as nbstripout spells them. Files are rewritten in place (as nbstripout does) unless
/// `-t` prints them; with no file, standard input is stripped to standard output.
#[derive(Debug, Args)]
pub struct StripArgs {
    /// Notebooks to strip in place; none reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print the stripped notebooks to standard output instead of rewriting them.
    #[arg(short = 't', long)]
    pub textconv: bool,
    /// Print which notebooks would be stripped; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Exit 1 when a notebook would change (implies --dry-run).
    #[arg(long)]
    pub verify: bool,
    /// Keep outputs (cells can also opt in with the `keep_output` tag or metadata).
    #[arg(long)]
    pub keep_output: bool,
    /// Keep execution counts.
    #[arg(long)]
    pub keep_count: bool,
    /// Keep cell ids (default: renumber them "0", "1", …).
    #[arg(long)]
    pub keep_id: bool,
    /// Space-separated extra keys to remove, e.g. "metadata.kernelspec cell.metadata.collapsed".
    #[arg(long, value_name = "KEYS", default_value = "")]
    pub extra_keys: String,
    /// Space-separated keys to keep although removed by default, e.g. "cell.metadata.scrolled".
    #[arg(long, value_name = "KEYS", default_value = "")]
    pub keep_metadata_keys: String,
    /// Remove cells whose source is empty or only whitespace.
    #[arg(long)]
    pub drop_empty_cells: bool,
    /// Space-separated cell tags; cells carrying any of them are removed.
    #[arg(long, value_name = "TAGS", default_value = "")]
    pub drop_tagged_cells: String,
    /// Strip the outputs of `init_cell: true` cells too.
    #[arg(long)]
    pub strip_init_cells: bool,
    /// Output types kept even when outputs are stripped, e.g. `stream:stderr error`.
    #[arg(long, value_name = "TYPE", num_args = 1..)]
    pub keep_output_type: Vec<String>,
    /// Output types removed even with --keep-output.
    #[arg(long, value_name = "TYPE", num_args = 1..)]
    pub drop_output_type: Vec<String>,
    /// Keep outputs whose text is at most SIZE characters (K, M, G: powers of 1000).
    #[arg(long, value_name = "SIZE", default_value = "0", value_parser = strip::parse_size)]
    pub max_size: u64,
    /// Strip files without the .ipynb extension too (they are skipped otherwise).
    #[arg(short = 'f', long)]
    pub force: bool,
}

impl StripArgs {
    /// Command-line flags on top of the `[git]` table of the configuration.
    fn options(&self, base: StripOptions) -> StripOptions {
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let mut options = base;
        if self.keep_output {
            options.keep_output = Some(true);
        }
        options.keep_count |= self.keep_count;
        options.keep_id |= self.keep_id;
        options.extra_keys.extend(words(&self.extra_keys));
        options
            .keep_metadata_keys
            .extend(words(&self.keep_metadata_keys));
        options.drop_empty_cells |= self.drop_empty_cells;
        options
            .drop_tagged_cells
            .extend(words(&self.drop_tagged_cells));
        options.strip_init_cells = self.strip_init_cells;
        options.keep_output_types = self.keep_output_type.clone();
        options.drop_output_types = self.drop_output_type.clone();
        options.max_size = self.max_size;
        options
    }
}

pub fn run(args: StripArgs) -> anyhow::Result<Exit> {
    let settings = match super::filter::load_settings() {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let options = args.options(settings.strip);
    let dry_run = args.dry_run || args.verify;
    let (_, _, invalid) = options.keys();
    for key in invalid {
        let _ = writeln!(
            io::stderr(),
            "nbsanitize: ignoring invalid extra key `{key}`"
        );
    }
    let mut stdout = io::stdout().lock();
    let mut any_change = false;
    let mut errors = false;
    if args.files.is_empty() {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        let (changed, bytes) = strip::strip_text(text.trim_start_matches('\u{feff}'), &options)
            .map_err(|e| anyhow::anyhow!("-: {e}"))?;
        any_change = changed;
        if dry_run {
            if changed {
                writeln!(stdout, "Dry run: would have stripped input from stdin")?;
            }
        } else {
            stdout.write_all(&bytes)?;
        }
    }
    for path in &args.files {
        let is_notebook = path.extension().is_some_and(|e| e == "ipynb");
        if !(args.force || is_notebook) {
            continue;
        }
        let result = fsio::read_limited(path, fsio::DEFAULT_MAX_SIZE).and_then(|bytes| {
            let text = nbsanitize::artifact::as_text(&bytes)?;
            strip::strip_text(text.trim_start_matches('\u{feff}'), &options)
        });
        let (changed, bytes) = match result {
            Ok(r) => r,
            Err(err) => {
                let _ = writeln!(io::stderr(), "nbsanitize: {}: {err}", path.display());
                errors = true;
                continue;
            }
        };
        any_change |= changed;
        if dry_run {
            if changed {
                writeln!(stdout, "Dry run: would have stripped {}", path.display())?;
            }
        } else if args.textconv {
            stdout.write_all(&bytes)?;
        } else if changed {
            fsio::write_atomic(path, &bytes)
                .with_context(|| format!("{}: writing the stripped notebook", path.display()))?;
        }
    }
    Ok(if errors {
        Exit::Error
    } else if args.verify && any_change {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
