//! Self-mapping: the criteria, the summary per RT and RW with its charts,
//! the mapping page and API, and the KoboToolbox upload.

use super::households::{household_form_json, rt_choices, HouseholdForm};
use super::{
    area_name, audit_read, kelurahan_in_scope, mapping_data, mapping_to_write, may_read, may_write,
    percent, rt_label, KelurahanView,
};
use crate::auth::Ctx;
use crate::auth::Viewer;
use crate::charts;
use crate::edge::{acting, invalid, redirect};
use crate::error::AppError;
use crate::listing::{natural, sort_keys, Cell, Csv, Listing, Paged, Part};
use crate::render::render;
use crate::AppState;
use axum::extract::{Multipart, Path, Query};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use lumbung_community::mapping::{
    summarise, AreaTally, Classification, Criteria, CsvFile, Household, KoboError, Label,
    MappingSummary, Test,
};
use lumbung_domain::{text, AreaCode, Resource, Share};
use lumbung_store::{Kelurahan, KoboImport, KoboImportError, MappingData};
use minijinja::context;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// An indicator's test, for a template to phrase in the page's language.
#[derive(Debug, Serialize, JsonSchema)]
struct TestView {
    kind: &'static str,
    holds_when: Option<bool>,
    symbol: Option<&'static str>,
    threshold: Option<String>,
    per_member: bool,
    unit: Option<String>,
}

impl From<&Test> for TestView {
    fn from(t: &Test) -> TestView {
        match t {
            Test::YesNo { holds_when } => TestView {
                kind: "yes_no",
                holds_when: Some(*holds_when),
                symbol: None,
                threshold: None,
                per_member: false,
                unit: None,
            },
            Test::Number {
                op,
                threshold,
                per_member,
                unit,
            } => TestView {
                kind: "number",
                holds_when: None,
                symbol: Some(op.symbol()),
                threshold: Some(threshold.to_string()),
                per_member: *per_member,
                unit: unit.clone(),
            },
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
struct IndicatorView {
    key: String,
    label: Label,
    test: TestView,
}

/// The criteria in force, phrased for reading.
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct CriteriaView {
    name: String,
    poor_when_at_least: usize,
    count: usize,
    indicators: Vec<IndicatorView>,
}

impl From<&Criteria> for CriteriaView {
    fn from(c: &Criteria) -> CriteriaView {
        CriteriaView {
            name: c.name().to_owned(),
            poor_when_at_least: c.poor_when_at_least(),
            count: c.indicators().len(),
            indicators: c
                .indicators()
                .iter()
                .map(|i| IndicatorView {
                    key: i.key.clone(),
                    label: i.label.clone(),
                    test: (&i.test).into(),
                })
                .collect(),
        }
    }
}

/// The counts of one area (the kelurahan, an RW, an RT).
#[derive(Debug, Serialize, JsonSchema)]
struct TallyView {
    area: AreaCode,
    name: String,
    households: u64,
    poor: u64,
    not_poor: u64,
    incomplete: u64,
    #[schemars(with = "Option<String>")]
    share_poor: Option<Share>,
    percent_poor: Option<u64>,
    members: u64,
    women: u64,
    criteria: Vec<CriterionView>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct CriterionView {
    key: String,
    label: Label,
    households: u64,
    percent: Option<u64>,
}

impl TallyView {
    fn new(t: &AreaTally, names: &BTreeMap<String, String>) -> TallyView {
        TallyView {
            area: t.area.clone(),
            name: names
                .get(t.area.as_str())
                .cloned()
                .unwrap_or_else(|| t.area.to_string()),
            households: t.households,
            poor: t.poor,
            not_poor: t.not_poor,
            incomplete: t.incomplete,
            share_poor: t.share_poor,
            percent_poor: percent(t.poor, t.households),
            members: t.members,
            women: t.women,
            criteria: t
                .criteria
                .iter()
                .map(|c| CriterionView {
                    key: c.key.clone(),
                    label: c.label.clone(),
                    households: c.households,
                    percent: percent(c.households, t.households),
                })
                .collect(),
        }
    }
}

/// Counts only: what public pages and the public API show (`public`:
/// small cells withheld).
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct SummaryView {
    kelurahan: TallyView,
    rws: Vec<TallyView>,
    rts: Vec<TallyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public: Option<bool>,
}

impl SummaryView {
    pub(super) fn new(s: &MappingSummary, names: &BTreeMap<String, String>) -> SummaryView {
        SummaryView {
            kelurahan: TallyView::new(&s.kelurahan, names),
            rws: s.rws.iter().map(|t| TallyView::new(t, names)).collect(),
            rts: s.rts.iter().map(|t| TallyView::new(t, names)).collect(),
            public: None,
        }
    }

    pub(super) fn public(mut self) -> SummaryView {
        self.public = Some(true);
        self
    }
}

/// A household in the mapping's list: counts, no answers.
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct HouseholdRow {
    id: String,
    rw: Option<String>,
    rt: String,
    head_name: String,
    address: String,
    members: usize,
    women: usize,
    holds: usize,
    missing: usize,
    classification: Classification,
    /// The Kobo import it came from; `null` when typed in.
    import: Option<lumbung_domain::id::KoboImportId>,
}

impl HouseholdRow {
    pub(super) fn new(h: &Household, data: &MappingData) -> HouseholdRow {
        let score = data.criteria.score(h);
        HouseholdRow {
            id: h.id.clone(),
            rw: data.areas.rw_of(&h.rt).map(|rw| area_name(data, rw)),
            rt: area_name(data, &h.rt),
            head_name: h.head_name.clone(),
            address: h.address.clone(),
            members: h.members.len(),
            women: h.women(),
            holds: score.holds.len(),
            missing: score.missing.len(),
            classification: score.classification,
            import: data.imported.get(&h.id).copied(),
        }
    }
}

sort_keys! {
    /// The orders of a kelurahan's households; without one, the mapping's.
    pub enum HouseholdSort {
        /// By RW, then RT.
        Rt = "rt",
        Head = "head",
        Members = "members",
        /// By the indicators that hold.
        Score = "score",
        /// Poor, not poor, incomplete.
        Status = "status",
    }
}

fn rank(c: Classification) -> u8 {
    match c {
        Classification::Poor => 0,
        Classification::NotPoor => 1,
        Classification::Incomplete => 2,
    }
}

/// The kelurahan's households (scored by its criteria, in memory) in the
/// order asked: the page asked for, or all of them.
fn household_list(
    data: &MappingData,
    listing: &Listing<HouseholdSort>,
    part: Part,
) -> Paged<Vec<HouseholdRow>> {
    let mut rows: Vec<HouseholdRow> = data
        .households
        .iter()
        .map(|h| HouseholdRow::new(h, data))
        .collect();
    listing.sort_rows(&mut rows, |key, a, b| match key {
        HouseholdSort::Rt => natural(a.rw.as_deref().unwrap_or(""), b.rw.as_deref().unwrap_or(""))
            .then_with(|| natural(&a.rt, &b.rt)),
        HouseholdSort::Head => natural(&a.head_name, &b.head_name),
        HouseholdSort::Members => a.members.cmp(&b.members),
        HouseholdSort::Score => a.holds.cmp(&b.holds),
        HouseholdSort::Status => rank(a.classification).cmp(&rank(b.classification)),
    });
    listing.window.cut(rows, part)
}

/// The list of households of a mapping page (its notices left out of the
/// list's links).
fn households_listing(uri: &Uri) -> Listing<HouseholdSort> {
    let notices = ["import", "again", "added", "removed"];
    Listing::from_uri(uri).without(&notices).at("households")
}

/// A kelurahan's households as its mapping page sorts them, every page, as
/// CSV; the reading is audited as the page's is.
pub async fn households_csv(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (kel, data) = read_mapping(&state, &viewer, &code).await?;
    let listing = households_listing(&uri);
    let lang = viewer.lang;
    let csv = state
        .run(move |_| households_csv_of(household_list(&data, &listing, Part::Whole), lang))
        .await?;
    Ok(csv.download(&format!("lumbung-households-{}.csv", kel.code)))
}

/// The households of a list as the CSV of the mapping page.
fn households_csv_of(list: Paged<Vec<HouseholdRow>>, lang: crate::i18n::Lang) -> Csv {
    let columns = [
        "cm_rw",
        "cm_rt",
        "cm_head_name",
        "cm_address",
        "cm_members",
        "cm_women",
        "cm_indicators_held",
        "cm_unanswered_count",
        "cm_classification",
        "cm_source",
        "cm_household_number",
    ];
    let mut csv = Csv::new(lang, &columns);
    let t = |key: &str| lang.t(key);
    for h in list.rows {
        let class = match h.classification {
            Classification::Poor => "cm_class_poor",
            Classification::NotPoor => "cm_class_not_poor",
            Classification::Incomplete => "cm_class_incomplete",
        };
        let source = match h.import {
            Some(id) => format!("{} #{id}", t("cm_source_import")),
            None => t("cm_source_typed").to_owned(),
        };
        csv.row([
            Cell::text(h.rw.unwrap_or_default()),
            Cell::text(h.rt),
            Cell::text(h.head_name),
            Cell::text(h.address),
            Cell::number(h.members),
            Cell::number(h.women),
            Cell::number(h.holds),
            Cell::number(h.missing),
            Cell::text(t(class)),
            Cell::text(source),
            Cell::text(h.id),
        ]);
    }
    csv
}

/// A kelurahan's self-mapping: the criteria, the summary, the households
/// and the imports.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Mapping {
    kelurahan: KelurahanView,
    criteria: Criteria,
    criteria_adopted: bool,
    summary: SummaryView,
    households: Vec<HouseholdRow>,
    imports: Vec<KoboImport>,
}

/// The criteria as adopted.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CriteriaAdopted {
    criteria: Criteria,
}

pub(super) fn summary_charts(
    s: &MappingSummary,
    data: &MappingData,
    lang: crate::i18n::Lang,
) -> Value {
    let per_rt: Vec<(String, Vec<i64>)> = s
        .rts
        .iter()
        .map(|t| {
            (
                rt_label(data, &t.area),
                vec![t.poor as i64, t.not_poor as i64, t.incomplete as i64],
            )
        })
        .collect();
    let legend = [
        lang.t("cm_poor"),
        lang.t("cm_not_poor"),
        lang.t("cm_incomplete"),
    ];
    let per_criterion: Vec<(String, i64, String)> = s
        .kelurahan
        .criteria
        .iter()
        .map(|c| {
            let label = if lang == crate::i18n::Lang::En {
                &c.label.en
            } else {
                &c.label.id
            };
            (
                label.clone(),
                c.households as i64,
                format!(
                    "{} ({}%)",
                    c.households,
                    percent(c.households, s.kelurahan.households).unwrap_or(0)
                ),
            )
        })
        .collect();
    json!({
        "per_rt": charts::stacked(lang.t("cm_chart_per_rt"), &per_rt, &legend),
        "per_criterion": charts::bars(lang.t("cm_chart_per_criterion"), &per_criterion),
    })
}

pub(super) fn mapping_summary(data: &MappingData) -> Result<MappingSummary, AppError> {
    summarise(&data.criteria, &data.areas, &data.households)
        .map_err(|e| AppError::conflict(e.text()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MappingQuery {
    /// The import just made, to report on.
    import: Option<i64>,
    again: Option<String>,
    /// The household just typed in, or just removed (ids).
    added: Option<String>,
    removed: Option<String>,
}

/// The kelurahan's mapping, when the viewer's scope covers it; the reading
/// of its households is audited.
async fn read_mapping(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<(Kelurahan, MappingData), AppError> {
    let kel = kelurahan_in_scope(state, viewer, code).await?;
    let data = mapping_data(state, &kel).await?;
    let n = data.households.len();
    audit_read(
        state,
        viewer,
        "mapping",
        &kel.code,
        json!({"households": n}),
    )
    .await?;
    Ok((kel, data))
}

pub async fn mapping_page(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
    Query(q): Query<MappingQuery>,
) -> Result<Html<String>, AppError> {
    let (kel, data) = read_mapping(&state, &viewer, &code).await?;
    let form = household_form_json(&data, &HouseholdForm::default(), &BTreeMap::new());
    let forms = Forms {
        household: form,
        criteria: None,
    };
    mapping_view(&state, &viewer, &uri, &kel, data, &q, forms).await
}

/// The mapping page again after a refused form, with `forms` showing what
/// was typed and why it was refused: 422, at the page's own address.
pub(super) async fn mapping_again(
    state: &AppState,
    viewer: &Viewer,
    kel: &Kelurahan,
    data: MappingData,
    forms: Forms,
) -> Result<Response, AppError> {
    let here: Uri = format!("/community/kelurahan/{}/mapping", kel.code)
        .parse()
        .map_err(|_| AppError::Internal("mapping page address".into()))?;
    let q = MappingQuery::default();
    let html = mapping_view(state, viewer, &here, kel, data, &q, forms).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

/// The page's forms as they are shown again: their values and errors.
pub(super) struct Forms {
    /// The form that adds a household.
    pub household: Value,
    /// The criteria editor; `None` fills it with the criteria in force.
    pub criteria: Option<Value>,
}

/// The mapping page: criteria, upload, summary, households and the forms
/// that edit the criteria and add a household.
pub(super) async fn mapping_view(
    state: &AppState,
    viewer: &Viewer,
    uri: &Uri,
    kel: &Kelurahan,
    data: MappingData,
    q: &MappingQuery,
    forms: Forms,
) -> Result<Html<String>, AppError> {
    let Forms {
        household: form,
        criteria,
    } = forms;
    let criteria_form =
        criteria.unwrap_or_else(|| super::criteria::criteria_form_json(&data.criteria));
    let c = kel.code.clone();
    let imports = state.blocking(move |s| s.kobo_imports(&c)).await?;
    // Every household scored, counted and sorted off the async threads (a
    // kelurahan may hold a million).
    let (listing, added) = (households_listing(uri), q.added.clone());
    let (data, summary, households, listing, added) = state
        .run(move |_| {
            let summary = mapping_summary(&data);
            let households = household_list(&data, &listing, Part::Page);
            let added = added
                .as_deref()
                .and_then(|id| data.households.iter().find(|h| h.id == id))
                .map(|h| HouseholdRow::new(h, &data));
            (data, summary, households, listing, added)
        })
        .await?;
    let summary = summary?;
    let charts = summary_charts(&summary, &data, viewer.lang);
    let csv = format!("/community/kelurahan/{}/households.csv", kel.code);
    let just = q
        .import
        .and_then(|id| imports.iter().find(|i| i.id.get() == id))
        .map(|i| json!({"import": i, "again": q.again.is_some()}));
    let can_write = may_write(viewer, Resource::Mapping, kel);
    render(
        viewer,
        uri,
        "community_mapping.html",
        context! {
            kelurahan => KelurahanView::from(kel),
            criteria => CriteriaView::from(&data.criteria),
            criteria_edit => serde_json::to_string_pretty(&data.criteria).expect("criteria serialise"),
            criteria_form => criteria_form,
            adopted => data.criteria_adopted,
            summary => SummaryView::new(&summary, &data.area_names),
            charts => charts,
            list => listing.view(&households, Some(&csv)),
            households => households.rows,
            imports => imports,
            just => just,
            added => added,
            removed => q.removed.clone(),
            can_write => can_write,
            can_ps2 => may_read(viewer, Resource::PoorList, kel),
            rts => rt_choices(&data),
            form => form,
        },
    )
}

pub async fn api_mapping(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
) -> Result<Json<Mapping>, AppError> {
    let (kel, data) = read_mapping(&state, &viewer, &code).await?;
    let c = kel.code.clone();
    let imports = state.blocking(move |s| s.kobo_imports(&c)).await?;
    let (data, summary, households) = state
        .run(move |_| {
            let summary = mapping_summary(&data);
            let households: Vec<HouseholdRow> = (data.households.iter())
                .map(|h| HouseholdRow::new(h, &data))
                .collect();
            (data, summary, households)
        })
        .await?;
    let summary = summary?;
    Ok(Json(Mapping {
        kelurahan: (&kel).into(),
        summary: SummaryView::new(&summary, &data.area_names),
        households,
        criteria: data.criteria,
        criteria_adopted: data.criteria_adopted,
        imports,
    }))
}

pub(super) async fn adopt_criteria(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    criteria: Criteria,
) -> Result<(), AppError> {
    let kel = mapping_to_write(state, viewer, code).await?;
    let code = kel.code.clone();
    acting(state, viewer, move |s, actor| {
        s.set_mapping_criteria(&code, &criteria, actor)
    })
    .await
}

pub async fn api_criteria_save(
    Ctx { state, viewer, .. }: Ctx,
    Path(code): Path<String>,
    Json(criteria): Json<Criteria>,
) -> Result<Json<CriteriaAdopted>, AppError> {
    adopt_criteria(&state, &viewer, &code, criteria.clone()).await?;
    Ok(Json(CriteriaAdopted { criteria }))
}

/// Receives both files of a Kobo export (multipart: `households`,
/// `roster`; the CSRF token in the query string). All or nothing: a
/// refused export shows every problem, with file, line and column.
pub async fn import_upload(
    Ctx { state, viewer, uri }: Ctx,
    Path(code): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let kel = mapping_to_write(&state, &viewer, &code).await?;
    let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(AppError::unreadable_upload)?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "households" || name == "roster" {
            let file_name = field
                .file_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{name}.csv"));
            let bytes = field.bytes().await.map_err(AppError::unreadable_upload)?;
            files.insert(name, (file_name, bytes.to_vec()));
        }
    }
    for part in ["households", "roster"] {
        if files.get(part).is_none_or(|f| f.1.is_empty()) {
            return Err(invalid(
                part,
                text!("kobo_choose_both";
                    id: "pilih kedua berkas ekspornya", en: "choose both files of the export"),
            ));
        }
    }
    let (h_name, h_bytes) = files.remove("households").expect("checked");
    let (r_name, r_bytes) = files.remove("roster").expect("checked");
    let actor = viewer.actor()?;
    let c = kel.code.clone();
    let turn = state.long_work.admit().await?;
    let result = state
        .run(move |store| {
            let _turn = turn;
            store.import_kobo(
                &c,
                CsvFile::new(&h_name, &h_bytes),
                CsvFile::new(&r_name, &r_bytes),
                None,
                &actor,
                &mut |_, _| {},
            )
        })
        .await?;
    match result {
        Ok(import) => {
            let again = if import.already_imported {
                "&again=1"
            } else {
                ""
            };
            Ok(redirect(&format!(
                "/community/kelurahan/{}/mapping?import={}{again}",
                kel.code, import.id
            )))
        }
        Err(KoboImportError::Store(e)) => Err(e.into()),
        Err(KoboImportError::Kobo(e)) => {
            let (files, mapping): (Vec<Value>, Vec<String>) = match &e {
                KoboError::Rejected(files) => {
                    (files.iter().map(|f| json!(f)).collect(), Vec::new())
                }
                KoboError::Mapping(errors) => (
                    Vec::new(),
                    errors
                        .iter()
                        .map(|e| e.text().get(viewer.lang.into()).to_owned())
                        .collect(),
                ),
            };
            // The page's own address without the query (its CSRF token).
            let here: Uri = uri.path().parse().unwrap_or(uri);
            let html = render(
                &viewer,
                &here,
                "community_rejected.html",
                context! { kelurahan => KelurahanView::from(&kel), files => files, mapping => mapping },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}
