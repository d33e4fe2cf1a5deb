//! `nbsanitize rule CODE`: the rule's documentation, as written in its doc comment.

use std::io::Write;

use anyhow::bail;

use super::Exit;
use super::args::RuleArgs;

pub fn run(args: RuleArgs) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    if args.all {
        for rule in nbsanitize::rules::all() {
            writeln!(out, "{} {:<28} {}", rule.code, rule.name, rule.summary())?;
        }
        return Ok(Exit::Ok);
    }
    let code = args.code.unwrap_or_default();
    let Some(rule) = nbsanitize::rules::find(&code) else {
        bail!("{code}: no such rule (see `nbsanitize rule --all`)");
    };
    writeln!(out, "# {} ({})\n", rule.code, rule.name)?;
    write!(out, "{}", rule.doc())?;
    Ok(Exit::Ok)
}
