//! Words that several store modules say, in both languages.

use lumbung_domain::{text, Text};

/// An area code that names no area.
pub(crate) fn no_area(code: impl std::fmt::Display) -> Text {
    text!("no_area", area = code;
        id: "area {area} tidak ada",
        en: "area {area} does not exist")
}

/// A stored area code, kind or path that does not read back.
pub(crate) fn stored_area(e: impl std::fmt::Display) -> Text {
    text!("stored_area_unreadable", e = e;
        id: "kode wilayah tersimpan tidak bisa dibaca: {e}", en: "{e}")
}
