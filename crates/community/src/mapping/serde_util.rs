//! Reading back domain values that only serialise (their parsers are the
//! checks): `#[serde(deserialize_with = "…")]` helpers.

use lumbung_domain::{AreaCode, Username};
use serde::{de, Deserialize, Deserializer};

pub(crate) fn area_code<'de, D: Deserializer<'de>>(d: D) -> Result<AreaCode, D::Error> {
    let raw = String::deserialize(d)?;
    AreaCode::parse(&raw).map_err(de::Error::custom)
}

pub(crate) fn username<'de, D: Deserializer<'de>>(d: D) -> Result<Username, D::Error> {
    let raw = String::deserialize(d)?;
    Username::parse(&raw).map_err(de::Error::custom)
}
