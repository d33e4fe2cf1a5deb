//! `filter`: git's clean filter, textconv, and long-running filter process.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use nbsanitize::git::process::{self, Command};
use nbsanitize::git::{self, GitSettings, Mode};
use nbsanitize::{Policy, Preset, fsio};

use super::Exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Keep safe outputs, remove what can run script.
    Sanitize,
    /// Remove outputs like nbstripout, then sanitize what is left.
    Strip,
}

/// Reads one file (standard input, or FILE for `diff.<driver>.textconv`) and writes what git
/// should store. Nothing is written unless the whole file could be processed; on failure the
/// exit status is 2 and git (with `filter.nbsanitize.required`) keeps the original.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Read this file instead of standard input (git's textconv passes one).
    #[arg(value_name = "FILE", conflicts_with = "process")]
    pub file: Option<PathBuf>,
    /// The file's path in the repository (git's `%f`), to tell notebooks, HTML and SVG apart.
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// What to do to notebooks; default from the `[git]` table of nbsanitize.toml or
    /// `[tool.nbsanitize.git]` in pyproject.toml, else `sanitize`.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Speak git's long-running filter protocol (`filter.<driver>.process`) on stdin/stdout.
    #[arg(long)]
    pub process: bool,
    /// Policy preset. Default: the configuration file's `policy`, else `default`.
    #[arg(long, value_enum)]
    pub policy: Option<Preset>,
    /// Refuse inputs larger than this (bytes, or with a K/M/G/KiB/MiB/GiB suffix).
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = super::args::parse_size)]
    pub max_size: u64,
}

/// The `[git]` settings for the current folder; a bad configuration file is reported here
/// and exits 78.
pub(super) fn load_settings() -> Result<GitSettings, Exit> {
    let found = std::env::current_dir()
        .map_err(nbsanitize::Error::from)
        .and_then(|cwd| GitSettings::discover(&cwd));
    found.map_err(|err| {
        let _ = writeln!(io::stderr(), "nbsanitize: {err}");
        match err {
            nbsanitize::Error::Config(_) => Exit::Config,
            _ => Exit::Error,
        }
    })
}

pub fn run(args: FilterArgs) -> anyhow::Result<Exit> {
    let mut settings = match load_settings() {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    if let Some(mode) = args.mode {
        settings.mode = match mode {
            ModeArg::Sanitize => Mode::Sanitize,
            ModeArg::Strip => Mode::Strip,
        };
    }
    // The same policy as `check` and `sanitize`: preset and allowlist additions from the
    // configuration file.
    let policy = match super::run::resolve_policy(args.policy, None, None) {
        Ok(policy) => policy,
        Err(message) => {
            let _ = writeln!(io::stderr(), "nbsanitize: {message}");
            return Ok(Exit::Config);
        }
    };
    if args.process {
        return serve(&settings, &policy, args.max_size);
    }
    let name = args.path.as_deref().or(args.file.as_deref());
    let shown = name.map_or_else(|| "-".to_owned(), |p| p.display().to_string());
    let input = match &args.file {
        Some(file) => fsio::read_limited(file, args.max_size),
        None => fsio::read_all_limited(io::stdin().lock(), args.max_size),
    };
    let output = input.and_then(|bytes| git::clean(&bytes, name, &settings, &policy));
    match output {
        Ok(bytes) => {
            let mut stdout = io::stdout().lock();
            stdout.write_all(&bytes).context("writing to stdout")?;
            stdout.flush().context("writing to stdout")?;
            Ok(Exit::Ok)
        }
        Err(err) => {
            let _ = writeln!(io::stderr(), "nbsanitize: {shown}: {err}");
            Ok(Exit::Error)
        }
    }
}

fn serve(settings: &GitSettings, policy: &Policy, max_size: u64) -> anyhow::Result<Exit> {
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    process::serve(stdin, stdout, |command, pathname, content| match command {
        Command::Smudge => Ok(content),
        Command::Clean => {
            let result = if content.len() as u64 > max_size {
                Err(nbsanitize::Error::TooLarge {
                    size: content.len() as u64,
                    limit: max_size,
                })
            } else {
                git::clean(&content, Some(Path::new(pathname)), settings, policy)
            };
            result.map_err(|err| {
                let message = format!("nbsanitize: {pathname}: {err}");
                let _ = writeln!(io::stderr(), "{message}");
                message
            })
        }
    })
    .context("git filter protocol")?;
    Ok(Exit::Ok)
}
