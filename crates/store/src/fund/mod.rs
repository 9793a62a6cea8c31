//! The revolving fund's storage: loans, repayments and the hash-chained
//! journal. Every money movement is posted as a balanced entry in the same
//! transaction as the row it records.
//!
//! `rows` is the leaf every other module reads (row types, stored-value
//! helpers); `ledger` posts and reads the journal; `books` reads loans
//! back; `ops` and `loans` are the use cases; `import` the spreadsheet
//! books; `ps2` the poor-household list members are picked from;
//! `packed` the repayments kept in blocks for the reports.

mod books;
pub(crate) mod import;
mod ledger;
/// The UPKs a scope covers (the board's journal head).
pub(crate) use books::upks_within;
/// Posting one entry to a UPK's journal inside another domain's
/// transaction (the programme's BLM capital).
pub(crate) use ledger::post as post_entry;
pub(crate) use ledger::{stored_entry, stored_hash};
mod loans;
mod ops;
/// Packing every repayment not in a block yet (a database from before
/// the blocks, once).
pub(crate) fn pack_repayments(tx: &crate::db::Transaction<'_>) -> crate::Result<()> {
    packed::pack_new(tx, usize::MAX)
}
mod packed;
mod ps2;
mod rows;

pub use import::{FundImportSummary, LoanRecord, RepaymentRecord};
pub use ledger::Movement;
pub use ps2::Ps2Candidate;
pub use rows::{
    ApplicationRow, BatchOutcome, KsmSummary, KsmView, LoanView, MemberRow, Receipt, Repaid,
    RepaymentInput, RepaymentRow, SavingsRow,
};

#[cfg(test)]
mod tests;
