//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use nbsanitize::report::Format;
use nbsanitize::sanitize::stream::FastPath;
use nbsanitize::{Kind, Preset};

/// Make Jupyter notebooks and ML artifacts safe to open.
#[derive(Debug, Parser)]
#[command(name = "nbsanitize", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sanitize notebooks and artifacts: one file to stdout, or files and folders in place (-i).
    Sanitize(SanitizeArgs),
    /// Report findings without changing anything; exit 1 when there are any.
    Check(CheckArgs),
    /// Watch folders: sweep them, then sanitize files in place as they appear or change.
    Watch(super::watch::WatchArgs),
    /// Print the documentation of a rule (e.g. `nbsanitize rule NB101`), or list all rules.
    Rule(RuleArgs),
    /// Strip outputs, counts and volatile metadata like nbstripout (same flags, same bytes).
    Strip(super::strip::StripArgs),
    /// Git clean filter / textconv / long-running filter process (`--process`).
    Filter(super::filter::FilterArgs),
    /// Install the git filter and diff driver (`--local` default, `--global`, `--system`).
    Install(super::install::InstallArgs),
    /// Remove exactly what `install` wrote.
    Uninstall(super::install::InstallArgs),
    /// Show whether the git filter is installed and whether the configured binary runs.
    Status(super::install::InstallArgs),
}

/// Options shared by every command that reads inputs.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Files or folders; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat every input as this kind instead of detecting it from the content.
    #[arg(long, value_enum, value_name = "KIND")]
    pub format: Option<Kind>,
    /// Policy preset [default: the config file's `policy`, else `default`].
    #[arg(long, value_enum)]
    pub policy: Option<Preset>,
    /// Configuration file (`nbsanitize.toml`, or a `pyproject.toml` with `[tool.nbsanitize]`)
    /// [default: the nearest one from the working directory upwards].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Refuse inputs larger than this (bytes, or with a K/M/G/KiB/MiB/GiB suffix).
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_size: u64,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub walk: super::walk::WalkArgs,
    /// HTML through the streaming fast path: `auto` (from the policy's threshold: every
    /// input unless a library caller set one), `always`, or
    /// `never` (ammonia only). Default: $NBSANITIZE_FAST_PATH, else `auto`.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub fast_path: Option<FastPath>,
}

#[derive(Debug, Args)]
pub struct SanitizeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Rewrite files in place (atomically, keeping permissions) instead of writing to stdout.
    #[arg(short = 'i', long = "in-place")]
    pub in_place: bool,
    #[command(flatten)]
    pub safety: super::walk::SafetyArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub output_format: Format,
    /// Move model files with findings into this folder (created if missing), recording each in
    /// its `manifest.jsonl`.
    #[arg(long, value_name = "DIR")]
    pub quarantine: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (`NB101`) or name (`html-script-element`).
    #[arg(required_unless_present = "all")]
    pub code: Option<String>,
    /// List every rule with its summary.
    #[arg(long, conflicts_with = "code")]
    pub all: bool,
}

/// Parses `1024`, `10K`, `256MiB`, `2G`…
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}`")),
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}
