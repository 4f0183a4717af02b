//! `heapbound triage <dir>`: replay every crash file in a folder, group
//! them by violation, and print one reproduction command per group.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use crate::bot::Bot;
use crate::defects::LeakSpec;

use super::files::read_file;
use super::input::decode;
use super::replay::inject_flag;
use super::{Outcome, UsageError};

/// `heapbound triage`.
#[derive(Args, Clone, Debug)]
pub struct TriageArgs {
    /// Folder of inputs (e.g. fuzz/artifacts/actions).
    pub dir: PathBuf,
    /// Target of raw inputs; default: the folder name.
    #[arg(long)]
    pub target: Option<String>,
    /// Plant this leak in the bot (as the fuzz target's HEAPBOUND_INJECT did).
    #[arg(long, value_parser = LeakSpec::parse, value_name = "PATTERN[@COMPONENT]")]
    pub inject: Option<LeakSpec>,
}

/// Runs `triage`.
pub fn run<B: Bot>(args: &TriageArgs) -> Result<Outcome, UsageError> {
    let files = crate::targets::corpus_files(&args.dir)
        .map_err(|error| UsageError::input(error.to_string()))?;
    let target = args
        .target
        .clone()
        .or_else(|| Some(args.dir.file_name()?.to_str()?.to_string()));
    // (invariant, component) -> (files, example violation summary)
    let mut groups: BTreeMap<(String, String), Vec<PathBuf>> = BTreeMap::new();
    let mut examples: BTreeMap<(String, String), String> = BTreeMap::new();
    let (mut passed, mut undecodable) = (0, 0);
    for file in &files {
        let bytes = read_file(file)?;
        let input = match decode::<B>(file, &bytes, target.as_deref()) {
            Ok(input) => input,
            Err(error) => {
                undecodable += 1;
                eprintln!("skipped {}: {}", file.display(), error.message());
                continue;
            }
        };
        match input.check(args.inject.as_ref(), &mut |_| {}) {
            Ok(()) => passed += 1,
            Err(failure) => {
                let violation = failure.first();
                let key = (
                    violation.invariant.name().to_string(),
                    violation.component.clone().unwrap_or_default(),
                );
                examples
                    .entry(key.clone())
                    .or_insert_with(|| violation.summary());
                groups.entry(key).or_default().push(file.clone());
            }
        }
    }
    println!(
        "{} files: {} pass, {} fail in {} groups, {} undecodable",
        files.len(),
        passed,
        groups.values().map(Vec::len).sum::<usize>(),
        groups.len(),
        undecodable
    );
    for (key, members) in &groups {
        // The smallest input of a group is the quickest to read and replay.
        let smallest = members
            .iter()
            .min_by_key(|path| std::fs::metadata(path).map_or(u64::MAX, |m| m.len()))
            .unwrap_or(&members[0]);
        let target_flag = target
            .as_ref()
            .map(|t| format!(" --target {t}"))
            .unwrap_or_default();
        println!("\n{} x {} in {}", members.len(), key.0, key.1);
        println!("  e.g. {}", examples.get(key).map_or("", String::as_str));
        println!(
            "  reproduce: {} replay {}{target_flag}{}",
            super::program(),
            smallest.display(),
            inject_flag(args.inject.as_ref())
        );
    }
    Ok(if groups.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
