//! `lumbung election …`: the BKM election without candidates. `recount`
//! counts a ballot box from CSV files, with no database (docs/election.md).

use crate::shared::{self, table};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use lumbung_community::election::{
    read_ballots, read_groups, read_residents, recount, NamesPerBallot, Quorum, Recount,
    RecountConfig, RecountError,
};
use lumbung_domain::text;
use std::fmt::Write as _;
use std::io::Write as _;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ElectionCommand {
    /// Recount a ballot box from CSV: validity, turnout against the quorum, votes, elected and ties
    #[command(
        long_about = "Recount a ballot box of the BKM election without candidates.\n\n\
        BALLOTS.csv: ballot_id,name1,name2,… (blank cells ignored). A leading apostrophe is \
        taken off every cell (published files escape spreadsheet formulas so). Written names are trimmed, \
        spaces collapsed and lowercased, then grouped by --groups (written,person) and checked \
        against --residents (person). A ballot is valid with --min-names to --max-names names, no \
        person twice, everyone a resident. The result stands when ballots ÷ --eligible reaches \
        --quorum. Ties for the last seat are listed, never broken. Reads no database. See \
        docs/election.md."
    )]
    Recount(RecountArgs),
}

/// A command line whose values contradict each other: said as clap says
/// its own usage errors (exit status 2) by the caller, which owns the
/// command line.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// `lumbung election …`.
pub fn run(command: ElectionCommand) -> Result<()> {
    match command {
        ElectionCommand::Recount(args) => recount_command(&args),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct RecountArgs {
    /// The ballots: header ballot_id,name1,name2,… (any number of name columns; blank cells ignored)
    #[arg(value_name = "BALLOTS.csv")]
    pub ballots: PathBuf,
    /// How many voters could have voted (turnout = ballots ÷ N)
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub eligible: u64,
    /// Seats to fill (e.g. the RT's delegates)
    #[arg(long, value_name = "K", value_parser = at_least_one)]
    pub seats: u64,
    /// Written variants of names and the person each means: header written,person
    #[arg(long, value_name = "GROUPS.csv")]
    pub groups: Option<PathBuf>,
    /// The RT's residents, header person: a ballot naming anyone else is invalid
    #[arg(long, value_name = "RESIDENTS.csv")]
    pub residents: Option<PathBuf>,
    /// Fewest names a valid ballot holds
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = at_least_one)]
    pub min_names: u64,
    /// Most names a valid ballot holds
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = at_least_one)]
    pub max_names: u64,
    /// Share of eligible voters that must vote for the result to stand (a decimal 0..1)
    #[arg(long, value_name = "F", default_value = "0.30", value_parser = quorum)]
    pub quorum: Quorum,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn at_least_one(raw: &str) -> Result<u64, String> {
    match raw.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{raw:?} is not a whole number of at least 1")),
    }
}

fn quorum(raw: &str) -> Result<Quorum, String> {
    Quorum::parse(raw).map_err(|e| e.to_string())
}

/// `lumbung election recount`: prints the whole result or nothing.
pub fn recount_command(args: &RecountArgs) -> Result<()> {
    let names = match NamesPerBallot::new(to_usize(args.min_names), to_usize(args.max_names)) {
        Ok(n) => n,
        Err(e) => {
            return Err(Usage(format!(
                "--min-names {} --max-names {}: {e}",
                args.min_names, args.max_names
            ))
            .into())
        }
    };
    let config = RecountConfig {
        eligible: NonZeroU64::new(args.eligible).with_context(|| {
            shared::Said(text!("eligible_at_least_one";
                id: "--eligible paling sedikit 1", en: "--eligible must be at least 1"))
        })?,
        seats: NonZeroUsize::new(to_usize(args.seats)).with_context(|| {
            shared::Said(text!("seats_at_least_one";
                id: "--seats paling sedikit 1", en: "--seats must be at least 1"))
        })?,
        names,
        quorum: args.quorum,
    };
    let grouping = match &args.groups {
        Some(path) => {
            let (name, bytes) = read(path)?;
            read_groups(&name, &bytes).map_err(refused)?
        }
        None => Default::default(),
    };
    let residents = match &args.residents {
        Some(path) => {
            let (name, bytes) = read(path)?;
            Some(read_residents(&name, &bytes).map_err(refused)?)
        }
        None => None,
    };
    let (name, bytes) = read(&args.ballots)?;
    let ballots = read_ballots(&name, &bytes).map_err(refused)?;
    drop(bytes);
    let result = match recount(&ballots, &config, &grouping, residents.as_ref()) {
        Ok(r) => r,
        Err(e @ RecountError::MoreBallotsThanEligible { .. }) => {
            anyhow::bail!("{name}: {e} (--eligible {})", args.eligible)
        }
    };
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&result)?;
            s.push('\n');
            s
        }
        Format::Table => render_table(&name, &result),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A recount file refused, said in the short form.
fn refused(e: lumbung_tabular::Rejected) -> anyhow::Error {
    anyhow::anyhow!("{}", e.brief())
}

fn read(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| shared::cannot_read(&name))?;
    Ok((name, bytes))
}

/// The recount for people: turnout and quorum, votes ranked, elected and
/// ties, invalid ballots with their reasons.
pub fn render_table(file: &str, r: &Recount) -> String {
    let mut s = String::new();
    let names = r.names_per_ballot;
    let _ = writeln!(s, "Recount of {file}");
    let _ = writeln!(
        s,
        "Ballots: {} ({} valid, {} invalid) of {} eligible voters",
        r.ballots, r.valid, r.invalid, r.eligible
    );
    let _ = writeln!(
        s,
        "Turnout: {} — quorum {}: {}",
        r.turnout,
        r.quorum,
        if r.quorum_met {
            "met"
        } else {
            "NOT met, the result does not stand (collect the votes door to door)"
        }
    );
    let _ = writeln!(
        s,
        "Seats: {}; names per ballot: {}; residents checked: {}; grouping entries: {}",
        r.seats,
        if names.min() == names.max() {
            names.min().to_string()
        } else {
            format!("{} to {}", names.min(), names.max())
        },
        if r.residents_checked { "yes" } else { "no" },
        r.groups.len()
    );
    s.push('\n');
    let mut rows = Vec::with_capacity(r.votes.len());
    let mut rank = 0;
    for (i, (person, votes)) in r.votes.iter().enumerate() {
        if i == 0 || r.votes[i - 1].1 != *votes {
            rank = i + 1;
        }
        let result = if r.elected.contains(person) {
            "elected"
        } else if r.ties.contains(person) {
            "tied"
        } else {
            ""
        };
        rows.push(vec![
            rank.to_string(),
            person.to_string(),
            votes.to_string(),
            result.to_owned(),
        ]);
    }
    if rows.is_empty() {
        s.push_str("No votes on valid ballots.\n");
    } else {
        s.push_str(&table::render(
            &["RANK", "PERSON", "VOTES", "RESULT"],
            &rows,
        ));
    }
    s.push('\n');
    let list = |names: &[lumbung_community::election::PersonName]| {
        if names.is_empty() {
            "none".to_owned()
        } else {
            names
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let _ = writeln!(s, "Elected: {}", list(&r.elected));
    if r.ties.is_empty() {
        let _ = writeln!(s, "Ties: none");
    } else {
        let _ = writeln!(
            s,
            "Tied for the last {} seat{}: {} — the committee breaks the tie by the \
             configured rule (a re-vote among the tied, or a lot drawn and recorded)",
            r.open_seats,
            if r.open_seats == 1 { "" } else { "s" },
            list(&r.ties)
        );
    }
    if !r.invalid_ballots.is_empty() {
        s.push('\n');
        let rows = table::rows(&r.invalid_ballots, |b| {
            vec![
                b.ballot_id.clone(),
                b.reason.code().to_owned(),
                b.detail.clone(),
            ]
        });
        s.push_str(&table::render(
            &["INVALID BALLOT", "REASON", "DETAIL"],
            &rows,
        ));
    }
    s
}
