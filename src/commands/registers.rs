//! `lumbung spend registers …`: registers that locate suppliers (the
//! Companies House company data product, an anchor's vendor master), and
//! the analyst's review of their matches.

use crate::shared::table;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use lumbung_domain::SupplierId;
use lumbung_spend::registers::RegisterKind;
use lumbung_store::{Actor, MatchKind, Relocated, Store};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RegistersCommand {
    /// Import register files, all or nothing, and locate every supplier again
    #[command(
        long_about = "Import register files, all or nothing, and locate every supplier \
        held again (later payment imports are located as they come).\n\n\
        companies-house: the Companies House Free Company Data Product as published \
        (BasicCompanyData-*.csv), streamed.\n\
        vendors: an anchor's vendor master with the columns supplier_id, name, postcode, \
        company_number, sic, sme; it wins over the public register. See docs/spend.md."
    )]
    Import {
        /// The files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Which register the files are
        #[arg(long, value_enum)]
        kind: Kind,
        /// The anchor whose vendor master it is (needed for --kind vendors)
        #[arg(long, value_name = "NAME")]
        anchor: Option<String>,
    },
    /// List the matches waiting for review: two or more active companies of a
    /// supplier's name, or only near names (with --decided: the decisions made)
    Review {
        #[arg(long)]
        decided: bool,
    },
    /// Confirm that a supplier is a register's company (kept across later imports)
    Confirm {
        /// The supplier's id (see `spend suppliers`)
        supplier: i64,
        /// The company number
        company: String,
    },
    /// Reject a register's company for a supplier (kept across later imports)
    Reject {
        /// The supplier's id (see `spend suppliers`)
        supplier: i64,
        /// The company number
        company: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    CompaniesHouse,
    Vendors,
}

pub fn run(store: &Store, command: RegistersCommand) -> Result<()> {
    match command {
        RegistersCommand::Import {
            files,
            kind,
            anchor,
        } => import(store, &files, kind, anchor.as_deref()),
        RegistersCommand::Review { decided } => review(store, decided),
        RegistersCommand::Confirm { supplier, company } => decide(store, supplier, &company, true),
        RegistersCommand::Reject { supplier, company } => decide(store, supplier, &company, false),
    }
}

fn import(store: &Store, files: &[PathBuf], kind: Kind, anchor: Option<&str>) -> Result<()> {
    let kind = match kind {
        Kind::CompaniesHouse => RegisterKind::CompaniesHouse,
        Kind::Vendors => RegisterKind::Vendors,
    };
    let anchor = match anchor {
        Some(name) => match store.anchor_id(name)? {
            Some(id) => Some(id),
            None => bail!("no anchor institution named {name:?} (see `lumbung orgs list`)"),
        },
        None => None,
    };
    let mut inputs = Vec::with_capacity(files.len());
    for path in files {
        let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
        // Large buffers: the full product is gigabytes read once.
        inputs.push((
            path.display().to_string(),
            std::io::BufReader::with_capacity(1 << 20, file),
        ));
    }
    let summary = store.import_register(kind, anchor, inputs, &Actor::cli())?;
    for (file, rows) in &summary.files {
        println!("{file}: {rows} rows");
    }
    if kind == RegisterKind::CompaniesHouse {
        println!(
            "{} companies read, {} of them active",
            summary.rows, summary.active
        );
    } else {
        println!("{} vendor lines read", summary.rows);
    }
    print_relocated(&summary.located);
    Ok(())
}

fn print_relocated(r: &Relocated) {
    println!(
        "suppliers checked: {}; located by the register: {}, by a vendor master: {}; \
         for review: {} ambiguous, {} with near names (`spend registers review`)",
        r.suppliers_checked, r.located_by_register, r.located_by_vendor, r.ambiguous, r.suggested
    );
}

fn review(store: &Store, decided: bool) -> Result<()> {
    let list = store.register_matches(decided)?;
    let rows = table::rows(list, |m| {
        vec![
            m.supplier.get().to_string(),
            m.supplier_name,
            match m.kind {
                MatchKind::Ambiguous => "ambiguous",
                MatchKind::Suggested => "near name",
                MatchKind::Confirmed => "confirmed",
                MatchKind::Rejected => "rejected",
            }
            .to_owned(),
            m.company_number,
            m.company_name.unwrap_or_default(),
            m.postcode.unwrap_or_default(),
            m.status.unwrap_or_default(),
            m.similarity.map(|s| format!("{s:.2}")).unwrap_or_default(),
        ]
    });
    print!(
        "{}",
        table::render(
            &[
                "SUPPLIER",
                "NAME",
                "MATCH",
                "COMPANY",
                "COMPANY NAME",
                "POSTCODE",
                "STATUS",
                "SIMILARITY"
            ],
            &rows
        )
    );
    Ok(())
}

fn decide(store: &Store, supplier: i64, company: &str, confirm: bool) -> Result<()> {
    let found =
        store.decide_register_match(SupplierId::new(supplier), company, confirm, &Actor::cli())?;
    let what = if confirm { "confirmed" } else { "rejected" };
    println!("supplier {supplier}: company {company} {what}");
    if found.located_by_register + found.located_by_vendor > 0 {
        println!("supplier {supplier} is now located by a register");
    } else {
        println!("supplier {supplier} is not located by a register");
    }
    Ok(())
}
