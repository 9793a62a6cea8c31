//! Rows kept as versions (grant tranches, activities, plans): a row
//! brought in again is held as it is when nothing changed, else it becomes
//! a new version after the latest; nothing is overwritten.

/// What a row brought in is against the versions held of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    /// None held: version 1.
    New,
    /// Different from the latest held: this version, after it.
    Next(i64),
    /// The same as the latest held: nothing to store.
    Same,
}

impl Versioned {
    /// The latest version held (its number and what it holds), if any,
    /// against what is `brought`.
    pub fn of<T: PartialEq>(latest: Option<(i64, T)>, brought: &T) -> Versioned {
        match latest {
            Some((_, held)) if held == *brought => Versioned::Same,
            Some((version, _)) => Versioned::Next(version + 1),
            None => Versioned::New,
        }
    }

    /// The version to store, `None` when there is nothing to store.
    pub fn version(self) -> Option<i64> {
        match self {
            Versioned::New => Some(1),
            Versioned::Next(version) => Some(version),
            Versioned::Same => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_new_a_next_version_or_the_same() {
        assert_eq!(Versioned::of(None, &"a"), Versioned::New);
        assert_eq!(Versioned::New.version(), Some(1));
        assert_eq!(Versioned::of(Some((3, "a")), &"b"), Versioned::Next(4));
        assert_eq!(Versioned::Next(4).version(), Some(4));
        assert_eq!(Versioned::of(Some((3, "a")), &"a"), Versioned::Same);
        assert_eq!(Versioned::Same.version(), None);
    }
}
