//! `install`, `uninstall`, `status`: the git filter in a repository or user/system config.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use nbsanitize::git::install::{self, InstallOptions, Scope};

use super::Exit;

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The repository's configuration (default).
    #[arg(long, group = "scope")]
    pub local: bool,
    /// The user's configuration (~/.gitconfig).
    #[arg(long, group = "scope")]
    pub global: bool,
    /// The system's configuration.
    #[arg(long, group = "scope")]
    pub system: bool,
    /// Attributes file to edit (e.g. `.gitattributes` to share the setting); default
    /// `.git/info/attributes`, or the global/system attributes file.
    #[arg(long, value_name = "FILE")]
    pub attributes: Option<PathBuf>,
    /// Also filter `*.html` and `*.svg` files (install only; uninstall removes them anyway).
    #[arg(long)]
    pub html_svg: bool,
}

impl InstallArgs {
    fn options(&self) -> anyhow::Result<InstallOptions> {
        let scope = if self.global {
            Scope::Global
        } else if self.system {
            Scope::System
        } else {
            Scope::Local
        };
        let exe = std::env::current_exe().context("finding the nbsanitize binary")?;
        let exe = exe.canonicalize().unwrap_or(exe);
        Ok(InstallOptions {
            scope,
            attributes: self.attributes.clone(),
            html_svg: self.html_svg,
            exe,
            cwd: std::env::current_dir().context("reading the current folder")?,
        })
    }
}

fn print_changes(verb: &str, changes: &install::Changes) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for key in &changes.keys {
        writeln!(out, "{verb} {key}")?;
    }
    for line in &changes.lines {
        writeln!(
            out,
            "{verb} `{line}` in {}",
            changes.attributes_file.display()
        )?;
    }
    if changes.keys.is_empty() && changes.lines.is_empty() {
        writeln!(out, "nothing to change")?;
    }
    Ok(())
}

pub fn install(args: InstallArgs) -> anyhow::Result<Exit> {
    let changes = install::install(&args.options()?)?;
    print_changes("set", &changes)?;
    Ok(Exit::Ok)
}

pub fn uninstall(args: InstallArgs) -> anyhow::Result<Exit> {
    let changes = install::uninstall(&args.options()?)?;
    print_changes("removed", &changes)?;
    Ok(Exit::Ok)
}

/// Exit 0 when installed and the configured binary cleans a notebook, 1 otherwise.
pub fn status(args: InstallArgs) -> anyhow::Result<Exit> {
    let options = args.options()?;
    let status = install::status(&options)?;
    let mut out = io::stdout().lock();
    let installed = status.is_installed();
    writeln!(
        out,
        "nbsanitize is {}installed {}",
        if installed { "" } else { "not " },
        options.scope.describe()
    )?;
    writeln!(out, "\nConfiguration:")?;
    for (key, value) in &status.keys {
        writeln!(out, "  {key} = {}", value.as_deref().unwrap_or("(unset)"))?;
    }
    writeln!(out, "\nAttributes ({}):", status.attributes_file.display())?;
    if status.attribute_lines.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for line in &status.attribute_lines {
        writeln!(out, "  {line}")?;
    }
    if let Some((filter, diff)) = &status.effective {
        writeln!(out, "  effective for *.ipynb: filter={filter} diff={diff}")?;
    }
    match &status.works {
        Ok(()) => writeln!(out, "\nFilter: runs")?,
        Err(why) => writeln!(out, "\nFilter: broken: {why}")?,
    }
    Ok(if installed && status.works.is_ok() {
        Exit::Ok
    } else {
        Exit::Findings
    })
}
