//! Money from forms and the API is bounded: the attack of the finding (two
//! savings deposits of i64::MAX, which wrapped the cash book and broke the
//! KSM's savings for good) is refused in the user's language, naming the
//! field; the books stay whole and a withdrawal still works.

use crate::fund::{application, group, lend, member_ids};
use crate::support::{borrowed, posted, signed_in, text_of, Visitor};
use reqwest::StatusCode;
use serde_json::{json, Value};

const MAX: &str = "9223372036854775807";

/// Saves into or takes out of the KSM's savings, as its form does.
async fn savings(
    upk: &Visitor,
    ksm: i64,
    amount: &str,
    direction: &str,
    key: &str,
) -> reqwest::Response {
    let fields = [("amount", amount), ("direction", direction), ("key", key)];
    upk.post_form(&format!("/fund/ksm/{ksm}/savings"), &fields)
        .await
}

#[tokio::test]
async fn deposits_of_i64_max_are_refused_and_the_books_stay_whole() {
    let (app, [upk, bkm]) = signed_in(["upk", "bkm"]).await;
    let ksm = group(&app, &upk).await;
    let statements = format!("/api/v1/fund/upk/{}/statements", app.upk);
    let before: Value = upk.json(&statements).await;
    // Twice, in both languages: refused, the field and the bound named.
    for (lang, title, field) in [
        ("id", "Jumlah terlalu besar", "Jumlah"),
        ("en", "Amount too large", "Amount"),
    ] {
        upk.get(&format!("/lang/{lang}")).await;
        for key in ["max-1", "max-2"] {
            let res = savings(&upk, ksm, MAX, "deposit", key).await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = text_of(res).await;
            assert!(html.contains(title), "{html}");
            assert!(
                html.contains(&format!("<strong>{field}</strong>")),
                "{html}"
            );
            assert!(html.contains("100000000000"), "the bound: {html}");
        }
    }
    // A withdrawal of i64::MIN cannot be turned round either.
    let res = savings(&upk, ksm, "-9223372036854775808", "withdrawal", "min").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let after: Value = upk.json(&statements).await;
    assert_eq!(after, before, "nothing was posted");
    // The savings still work: a withdrawal, then a deposit at the bound.
    let res = savings(&upk, ksm, "25.000", "withdrawal", "out").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = savings(&upk, ksm, "100.000.000.000", "deposit", "bound").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let s: Value = upk.json(&statements).await;
    assert_eq!(
        s["balance_sheet"]["savings_held"],
        75_000 - 25_000 + 100_000_000_000i64
    );
    assert_eq!(
        s["balance_sheet"]["total_assets"],
        s["balance_sheet"]["total_liabilities_and_equity"]
    );

    // The API: a repayment of i64::MAX is refused with a code and the field.
    let (_, page) = upk.get_html(&format!("/fund/ksm/{ksm}")).await;
    let fields = application(&member_ids(&page));
    let fields = borrowed(&fields);
    let loan = lend(&upk, &bkm, ksm, &fields, &[("decision", "approve")]).await;
    let repay = format!("/api/v1/fund/loans/{loan}/repayments");
    for key in ["api-max-1", "api-max-2"] {
        let e = upk
            .post_json_answer(
                &repay,
                json!({"amount": i64::MAX, "key": key}),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(e["error"]["code"], "too_large", "{e}");
        assert_eq!(e["error"]["field"], "amount");
        assert_eq!(e["error"]["detail"], "at most 100000000000");
    }
    let r: Value = upk
        .post_json(&repay, json!({"amount": 107_500, "key": "api-ok"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["posted"], true, "{r}");
    let s: Value = upk.json(&statements).await;
    assert_eq!(
        s["balance_sheet"]["total_assets"],
        s["balance_sheet"]["total_liabilities_and_equity"]
    );
    assert!(app
        .store
        .fund_journal_chains()
        .map(|j| lumbung_fund::journal::verify_journal(&j).is_ok())
        .unwrap());
}

#[tokio::test]
async fn a_upk_sets_its_own_bound_on_one_movement() {
    let (app, [upk]) = signed_in(["upk"]).await;
    let ksm = group(&app, &upk).await;
    let settings = format!("/fund/upk/{}/settings", app.upk);
    let (_, html) = upk.get_html(&settings).await;
    assert!(
        html.contains("name=\"max_movement\" value=\"100000000000\""),
        "{html}"
    );
    let mut fields: Vec<(String, String)> = html
        .match_indices("<input id=\"")
        .map(|(i, _)| {
            let rest = &html[i + 11..];
            let name = rest.split('"').next().unwrap().to_owned();
            let value = rest
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (name, value.replace("&#x2f;", "/"))
        })
        .collect();
    for f in &mut fields {
        if f.0 == "max_movement" {
            f.1 = "5000000".into();
        }
    }
    let fields = borrowed(&fields);
    posted(&upk, &settings, &fields).await;
    let (_, html) = upk.get_html(&settings).await;
    assert!(
        html.contains("name=\"max_movement\" value=\"5000000\""),
        "{fields:?} {html}"
    );
    let res = savings(&upk, ksm, "5000001", "deposit", "over").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(res).await.contains("5000000"));
    let res = savings(&upk, ksm, "5000000", "deposit", "at").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}
