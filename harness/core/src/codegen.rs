//! How the two sides of an A/B comparison compile the workspace's own
//! packages: with one codegen unit, so that a change in one function does
//! not recompile untouched functions differently.
//!
//! rustc splits a crate into codegen units by hashing its modules and
//! items, and LLVM inlines only within a unit (plus what ThinLTO pulls
//! across). Adding a module or a function re-deals items to units, so an
//! untouched function can gain or lose an inlined callee: different
//! machine code from the same source. Measured in the layout A/A series
//! (2-vCPU VM, idle): a new set-up helper in `stats`, never called while
//! measuring, made the untouched `hdrhistogram::Histogram::record_n_inner`
//! (instantiated in `stats`) run 5 instructions fewer per sample, so
//! `summary/streaming/n10000` read 2.7 % fewer instructions on every run.
//! With one codegen unit both builds ran within 10 instructions of each
//! other (0.0006 %). Dependencies from a registry compile identically on
//! both sides, so only the workspace's members need the override.

/// Codegen units of the workspace's packages on both sides of an A/B
/// comparison (`ab`, `pr-check`): one unit leaves nothing to re-deal.
pub const AB_CODEGEN_UNITS: u32 = 1;

/// Cargo arguments that compile `packages` (the workspace's members) with
/// `units` codegen units in the bench profile; none for `None` (the
/// profile's own setting). Every cargo command that builds one side must
/// take the same arguments, or it rebuilds the side's code differently.
pub fn cargo_config_args(packages: &[String], units: Option<u32>) -> Vec<String> {
    let Some(units) = units else {
        return Vec::new();
    };
    packages
        .iter()
        .flat_map(|package| {
            [
                "--config".to_owned(),
                format!("profile.bench.package.\"{package}\".codegen-units={units}"),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_gets_one_override_and_none_means_the_profiles_own() {
        let packages = vec!["stats".to_owned(), "memstore".to_owned()];
        assert_eq!(
            cargo_config_args(&packages, Some(1)),
            [
                "--config",
                "profile.bench.package.\"stats\".codegen-units=1",
                "--config",
                "profile.bench.package.\"memstore\".codegen-units=1",
            ]
        );
        assert!(cargo_config_args(&packages, None).is_empty());
    }
}
