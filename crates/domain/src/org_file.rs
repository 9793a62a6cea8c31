//! The organisations file (`name,kind[,area_code,company_number,npwp,
//! parent_id,…]`; every other named column is an attribute), read on the
//! shared reader layer into records for the store.

use crate::{AreaCode, CompanyNumber, Npwp, OrgKind};
use lumbung_tabular::{CsvFile, Rejected, RowError};
use std::collections::BTreeMap;

/// An organisation as a form, an API call or a file row gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgInput {
    pub name: String,
    pub kind: OrgKind,
    pub area_code: Option<AreaCode>,
    pub parent_id: Option<crate::OrgId>,
    pub company_number: Option<CompanyNumber>,
    pub npwp: Option<Npwp>,
    pub attributes: BTreeMap<String, String>,
}

/// One row of an organisations file.
#[derive(Debug, Clone)]
pub struct OrgRecord {
    pub line: u64,
    pub input: OrgInput,
}

/// The columns with a meaning; every other named column is an attribute.
const KNOWN: [&str; 6] = [
    "name",
    "kind",
    "area_code",
    "company_number",
    "npwp",
    "parent_id",
];

/// Parses an organisations file into records and the problems of the rows
/// that could not be parsed.
pub fn parse_orgs(file: &CsvFile) -> Result<(Vec<OrgRecord>, Vec<RowError>), Rejected> {
    let cols = file.require(&["name", "kind"])?;
    file.unique_headers()?;
    let (name_col, kind_col) = (cols[0], cols[1]);
    let area_col = file.column("area_code");
    let company_col = file.column("company_number");
    let npwp_col = file.column("npwp");
    let parent_col = file.column("parent_id");
    let attribute_cols: Vec<(usize, &str)> = file
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty() && !KNOWN.iter().any(|k| h.eq_ignore_ascii_case(k)))
        .map(|(i, h)| (i, h.as_str()))
        .collect();

    Ok(file.records_by_line(|row, check| {
        let name = row.get(name_col);
        if name.is_empty() {
            check.fail("name", crate::area_file::name_empty());
        }
        let kind = check.ok("kind", OrgKind::parse(row.get(kind_col)));
        let area_code = check.opt("area_code", row.opt(area_col), AreaCode::parse);
        let company_number =
            check.opt("company_number", row.opt(company_col), CompanyNumber::parse);
        let npwp = check.opt("npwp", row.opt(npwp_col), Npwp::parse);
        let parent_id = check.opt("parent_id", row.opt(parent_col), |raw| {
            raw.parse::<crate::OrgId>().map_err(|_| {
                crate::text!("parent_id_not_a_number", value = format!("{raw:?}");
                    id: "parent_id {value} harus id organisasi (bilangan bulat)",
                    en: "parent_id {value} must be an organisation id (a whole number)")
            })
        });
        let attributes: BTreeMap<String, String> = attribute_cols
            .iter()
            .filter_map(|(i, key)| {
                let value = row.get(*i);
                (!value.is_empty()).then(|| ((*key).to_owned(), value.to_owned()))
            })
            .collect();
        Some(OrgRecord {
            line: row.line,
            input: OrgInput {
                name: name.to_owned(),
                kind: kind?,
                area_code,
                parent_id,
                company_number,
                npwp,
                attributes,
            },
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumbung_tabular::Header;

    fn parse(text: &str) -> (Vec<OrgRecord>, Vec<RowError>) {
        parse_orgs(&CsvFile::read("o.csv", text.as_bytes(), Header::InFile)).unwrap()
    }

    #[test]
    fn other_columns_become_attributes() {
        let (records, errors) = parse(
            "Name,Kind,Area_Code,company_number,npwp,parent_id,website,,Sector\n\
             Guild Builders Ltd,supplier,E07000123,1234567,,,https://example.org,ignored,\n\
             Koperasi Tani,koperasi,,,01.234.567.8-901.000,3,,,pertanian\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let first = &records[0].input;
        assert_eq!(first.company_number.as_ref().unwrap().as_str(), "01234567");
        assert_eq!(
            first.attributes.len(),
            1,
            "empty cells and unnamed columns are skipped"
        );
        assert_eq!(first.attributes["website"], "https://example.org");
        let second = &records[1].input;
        assert_eq!(second.kind, OrgKind::Cooperative);
        assert_eq!(second.parent_id, Some(crate::OrgId::new(3)));
        assert_eq!(second.npwp.as_ref().unwrap().as_str(), "012345678901000");
        assert_eq!(second.attributes["Sector"], "pertanian");
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let (records, errors) = parse(
            "name,kind,company_number,npwp,parent_id\n\
             ,anchor,,,\n\
             Bank,bank,,,\n\
             A,supplier,123456789,,\n\
             B,supplier,,12,\n\
             C,ksm,,,first\n",
        );
        assert!(records.is_empty());
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "name"),
                (3, "kind"),
                (4, "company_number"),
                (5, "npwp"),
                (6, "parent_id")
            ]
        );
    }

    #[test]
    fn name_and_kind_are_required() {
        let err = parse_orgs(&CsvFile::read("o.csv", b"name,type\n", Header::InFile)).unwrap_err();
        assert!(err.to_string().contains("column kind"), "{err}");
    }
}
