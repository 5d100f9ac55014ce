//! `[[rename]]`: a benchmark's history carried across a change of its id.
//! Applied when reading, so the stored rows keep the id they were measured
//! under and a rename can be added, or taken back, at any time.

use std::collections::BTreeMap;

use benchgate_core::config::Rename;

use crate::error::{HistoryError, Result};

/// Old ids to the id they are known by now, chains followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    current: BTreeMap<String, String>,
}

impl Renames {
    /// Resolve `renames` (old → new, possibly renamed again later). A cycle
    /// is refused: it leaves no current name.
    pub fn new(renames: &[Rename]) -> Result<Self> {
        let direct: BTreeMap<&str, &str> = renames
            .iter()
            .map(|r| (r.from.as_str(), r.to.as_str()))
            .collect();
        let mut current = BTreeMap::new();
        for &from in direct.keys() {
            let mut name = from;
            let mut steps = 0;
            while let Some(next) = direct.get(name) {
                name = next;
                steps += 1;
                if steps > direct.len() {
                    return Err(HistoryError::Refused(format!(
                        "[[rename]] entries starting at {from:?} rename in a circle; remove one of them"
                    )));
                }
            }
            current.insert(from.to_owned(), name.to_owned());
        }
        Ok(Self { current })
    }

    /// The name `key` is known by now.
    pub fn current_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.current.get(key).map_or(key, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename(from: &str, to: &str) -> Rename {
        Rename {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn chains_are_followed_and_circles_refused() {
        let renames = Renames::new(&[rename("s/a", "s/b"), rename("s/b", "s/c")]).unwrap();
        assert_eq!(renames.current_name("s/a"), "s/c");
        assert_eq!(renames.current_name("s/b"), "s/c");
        assert_eq!(renames.current_name("s/x"), "s/x");
        assert!(Renames::new(&[rename("s/a", "s/b"), rename("s/b", "s/a")]).is_err());
    }
}
