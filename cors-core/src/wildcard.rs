//! The wildcard `*` in a list setting: it stands alone, or beside the few entries a field
//! allows next to it.

use crate::error::{Field, Problem};

/// Reports every entry beside a `*` (except those `keep` accepts); whether `*` is there.
pub(crate) fn wildcard(
    field: Field,
    list: &[String],
    keep: impl Fn(&str) -> bool,
    fix: &'static str,
    problems: &mut Vec<Problem>,
) -> bool {
    if !list.iter().any(|v| v == "*") {
        return false;
    }
    for value in list.iter().filter(|v| *v != "*" && !keep(v)) {
        problems.push(Problem::WildcardBesideOthers {
            field,
            value: value.clone(),
            fix,
        });
    }
    true
}
