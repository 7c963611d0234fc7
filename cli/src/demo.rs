//! `xcc demo`: the whole system in one command. A fresh testnet of every
//! chain with the explorer, then a listing bought, a swap and a dividend
//! payout, each a cross-tx that commits on every chain or none, then the
//! audit; it prints what happened and the explorer's pages, and keeps
//! everything running until Ctrl-C, when it stops every process.
//!
//! Each step is the `xcc` command a user would type (printed as it runs),
//! run by this same binary, so the demo is also a script to copy from.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use clap::Args;
use serde_json::Value;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The testnet's directory; rewritten if it holds an earlier testnet.
    #[arg(long, default_value_os_t = std::env::temp_dir().join("xcc-demo"))]
    dir: PathBuf,
    /// Validators per chain.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Stop once everything has run instead of waiting for Ctrl-C.
    #[arg(long)]
    no_wait: bool,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let demo = Demo {
        xcc: std::env::current_exe().context("finding the xcc binary")?,
        dir: args.dir,
    };
    demo.clear()?;
    let validators = args.validators.to_string();
    demo.run(&["testnet", "init", "--validators", &validators])?;
    let started = demo.run(&["testnet", "start"])?;
    let outcome = tokio::select! {
        outcome = tokio::task::spawn_blocking({
            let demo = demo.clone();
            move || demo.trade(&started)
        }) => outcome.context("the demo's steps")?,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    let outcome = match outcome {
        Ok(()) if args.no_wait => Ok(()),
        Ok(()) => {
            println!("\nEverything runs until Ctrl-C.");
            tokio::signal::ctrl_c()
                .await
                .context("waiting for Ctrl-C")?;
            Ok(())
        }
        Err(e) => Err(e),
    };
    println!();
    demo.run(&["testnet", "stop"])?;
    outcome
}

#[derive(Clone)]
struct Demo {
    xcc: PathBuf,
    dir: PathBuf,
}

impl Demo {
    /// Removes an earlier demo's testnet (stopping it first); refuses a
    /// directory that is not a testnet's.
    fn clear(&self) -> anyhow::Result<()> {
        if !self.dir.exists() {
            return Ok(());
        }
        if !self.dir.join("testnet.toml").exists() {
            bail!(
                "{} exists and holds no testnet; pick another --dir",
                self.dir.display()
            );
        }
        println!(
            "An earlier demo's testnet is in {}: stopping and removing it.",
            self.dir.display()
        );
        self.quiet(&["testnet", "stop"])?;
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("removing {}", self.dir.display()))
    }

    /// The listing, the swap, the payout and the audit, on a started testnet
    /// (`started` is what `testnet start` printed).
    fn trade(&self, started: &str) -> anyhow::Result<()> {
        let explorer = started
            .lines()
            .find_map(|line| line.strip_prefix("explorer: "))
            .context("testnet start printed no explorer")?
            .trim()
            .to_owned();

        let listed = self.json(&[
            "market",
            "list",
            "--from",
            "alice",
            "--symbol",
            "HARB",
            "--units",
            "20",
            "--price-per-unit",
            "100",
        ])?;
        let listing = event_attribute(&listed, "listing_created", "listing_id")?;
        let bought = self.first_line(&[
            "market",
            "buy",
            "--from",
            "bob",
            "--listing",
            &listing,
            "--units",
            "5",
            "--wait",
        ])?;

        let offer = self.dir.join("offer.json");
        let offer = offer.to_string_lossy();
        self.run(&[
            "swap", "offer", "--from", "alice", "--to", "bob", "--symbol", "HARB", "--units", "10",
            "--price", "1500", "--output", &offer,
        ])?;
        let swapped = self.first_line(&["swap", "accept", &offer, "--from", "bob", "--wait"])?;

        let declared = self.json(&[
            "dividend",
            "declare",
            "--from",
            "issuer",
            "--symbol",
            "HARB",
            "--amount-per-unit",
            "2.5",
            "--payer",
            "bank",
        ])?;
        let dividend = event_attribute(&declared, "dividend_declared", "dividend_id")?;
        let paid = self.first_line(&[
            "dividend",
            "pay",
            "--from",
            "bank",
            "--dividend",
            &dividend,
            "--wait",
        ])?;
        self.run(&["audit"])?;

        println!(
            "\nWhat happened, each step atomic across the chains:\n\
             - alice listed 20 HARB at 100 usd each (listing {listing}); bob bought 5 of them: \
             cross-tx {bought}\n\
             - alice sold 10 HARB to bob for 1,500 usd in one swap: cross-tx {swapped}\n\
             - the issuer declared 2.5 usd per unit of HARB, paid by the bank to every holder: \
             dividend {dividend}, cross-tx {paid}\n\
             - the audit found every chain consistent\n\
             \nThe explorer: {explorer}\n\
             - the property:  {explorer}/security/security-1/HARB\n\
             - the swap:      {explorer}/cross-tx/{swapped}\n\
             - the payout:    {explorer}/cross-tx/{paid}\n\
             \nThe testnet is in {dir}; drive it with `xcc --home {dir} ...`.",
            dir = self.dir.display(),
        );
        Ok(())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.xcc);
        command.arg("--home").arg(&self.dir).args(args);
        command
    }

    /// Runs `xcc ARGS`, showing it and its output; returns its stdout.
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        println!("\n$ xcc --home {} {}", self.dir.display(), args.join(" "));
        let output = self
            .command(args)
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running xcc {}", args.join(" ")))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        print!("{}", shorten(&stdout));
        if !output.status.success() {
            bail!("xcc {} failed ({})", args.join(" "), output.status);
        }
        Ok(stdout)
    }

    fn quiet(&self, args: &[&str]) -> anyhow::Result<()> {
        let status = self
            .command(args)
            .stdout(Stdio::null())
            .status()
            .with_context(|| format!("running xcc {}", args.join(" ")))?;
        if !status.success() {
            bail!("xcc {} failed ({status})", args.join(" "));
        }
        Ok(())
    }

    fn json(&self, args: &[&str]) -> anyhow::Result<Value> {
        let stdout = self.run(args)?;
        serde_json::from_str(&stdout)
            .with_context(|| format!("xcc {} printed no JSON", args.join(" ")))
    }

    /// The first line of the output: a cross-tx's id.
    fn first_line(&self, args: &[&str]) -> anyhow::Result<String> {
        let stdout = self.run(args)?;
        stdout
            .lines()
            .next()
            .map(|line| line.trim().to_owned())
            .with_context(|| format!("xcc {} printed nothing", args.join(" ")))
    }
}

/// At most 12 lines of a command's output: the rest is a long JSON record
/// that the explorer shows better.
fn shorten(stdout: &str) -> String {
    const SHOWN: usize = 12;
    let lines: Vec<&str> = stdout.lines().collect();
    if lines.len() <= SHOWN {
        return stdout.to_owned();
    }
    let mut shown = lines[..SHOWN].join("\n");
    shown.push_str(&format!("\n  ... {} more lines\n", lines.len() - SHOWN));
    shown
}

/// The attribute `key` of the first `kind` event of a committed tx's JSON.
fn event_attribute(committed: &Value, kind: &str, key: &str) -> anyhow::Result<String> {
    committed["events"]
        .as_array()
        .and_then(|events| events.iter().find(|event| event["type"] == kind))
        .and_then(|event| event["attributes"][key].as_str())
        .map(str::to_owned)
        .with_context(|| format!("the tx emitted no {kind} event with {key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_outputs_are_shortened_and_short_ones_kept() {
        let short = "a\nb\n";
        assert_eq!(shorten(short), short);
        let long: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let shown = shorten(&long);
        assert!(shown.starts_with("line 0\n"));
        assert!(shown.contains("line 11\n  ... 8 more lines"));
        assert!(!shown.contains("line 12"));
    }

    #[test]
    fn a_directory_that_holds_no_testnet_is_never_removed() {
        let dir = tempfile::tempdir().expect("a directory");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("a file");
        let demo = Demo {
            xcc: PathBuf::from("xcc"),
            dir: dir.path().to_owned(),
        };
        let refused = demo.clear().unwrap_err().to_string();
        assert!(refused.contains("holds no testnet"), "{refused}");
        assert!(dir.path().join("notes.txt").exists());
        // An absent directory needs nothing removed.
        let absent = Demo {
            dir: dir.path().join("absent"),
            ..demo
        };
        assert!(absent.clear().is_ok());
    }

    #[test]
    fn an_event_attribute_is_found_or_reported() {
        let committed = serde_json::json!({
            "events": [{"type": "listing_created", "attributes": {"listing_id": "3"}}]
        });
        assert_eq!(
            event_attribute(&committed, "listing_created", "listing_id").unwrap(),
            "3"
        );
        let missing = event_attribute(&committed, "dividend_declared", "dividend_id");
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("dividend_declared"));
    }
}
