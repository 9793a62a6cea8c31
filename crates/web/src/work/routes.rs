//! The home page's routes: what this Lumbung holds and the user's work.

use crate::spec::{json, r, Answer, Need, Route};

use Need::{Public, SignedIn};

const WORK: &[Answer] = &[json::<super::YourWork>(200)];

#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    r!(GET "/", Public, super::home, "Home: what this Lumbung holds and, signed in, your work"),
    r!(GET "/api/v1/work", SignedIn, super::api_work, "What waits for the signed-in user in their scope: loans to collect from, applications, kelurahan steps, imports and suppliers to review").answers(WORK),
];
