//! Numbers in words for people: the one place that decides how many digits
//! a value, a time or a percentage gets, shared by the terminal table, the
//! Markdown summary, the HTML page and the charts.

/// Significant digits of measured values (times, metrics): the run-to-run
/// noise of a benchmark is rarely below 0.5 %, so a fourth digit is noise.
pub const VALUE_DIGITS: usize = 3;
/// Significant digits of relative changes and thresholds: "+21 %", "+0.52 %";
/// a confidence interval is seldom narrower than a tenth of its centre.
pub const CHANGE_DIGITS: usize = 2;

/// `value` with `digits` significant digits, never in scientific notation
/// for everyday magnitudes (1e-4 up to 1e9) and never rounding the integer
/// part of a large number away ("12345", not "12300").
pub fn significant(value: f64, digits: usize) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞" } else { "-∞" }.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..=9).contains(&magnitude) {
        return format!("{value:.prec$e}", prec = digits.saturating_sub(1));
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    // 9.996 at three digits rounds to "10.00": one digit too many.
    let rounded_up = decimals > 0
        && text
            .trim_start_matches('-')
            .split('.')
            .next()
            .is_some_and(|int| int.trim_start_matches('0').len() as i32 > magnitude.max(0) + 1);
    if rounded_up {
        format!("{value:.prec$}", prec = decimals - 1)
    } else {
        text
    }
}

/// Nanoseconds per unit of every time unit spelling runs use; `None` for
/// units that are not times.
pub fn time_unit_ns(unit: &str) -> Option<f64> {
    match unit {
        "ns" => Some(1.0),
        "us" | "µs" | "μs" => Some(1e3),
        "ms" => Some(1e6),
        "s" => Some(1e9),
        _ => None,
    }
}

/// Scale nanoseconds to the unit that keeps `largest_ns` readable: the
/// divisor and the unit's one spelling (`µs`, never `us`).
pub fn time_scale(largest_ns: f64) -> (f64, &'static str) {
    match largest_ns.abs() {
        a if a >= 1e9 => (1e9, "s"),
        a if a >= 1e6 => (1e6, "ms"),
        a if a >= 1e3 => (1e3, "µs"),
        _ => (1.0, "ns"),
    }
}

/// A duration in nanoseconds, e.g. `244 µs`.
pub fn time(ns: f64) -> String {
    let (divisor, unit) = time_scale(ns);
    format!("{} {unit}", significant(ns / divisor, VALUE_DIGITS))
}

/// A value with its unit: times in any spelling are scaled to a readable
/// unit, other units are shown as recorded.
pub fn value(value: f64, unit: &str) -> String {
    match time_unit_ns(unit) {
        Some(ns) => time(value * ns),
        None if unit.is_empty() => significant(value, VALUE_DIGITS),
        None => format!("{} {unit}", significant(value, VALUE_DIGITS)),
    }
}

/// A relative change (0.2 = +20 %) as a signed percentage, e.g. `+20 %`.
pub fn change(relative: f64) -> String {
    if relative.is_infinite() {
        return if relative > 0.0 { "+∞" } else { "-∞" }.to_owned();
    }
    let pct = relative * 100.0;
    let sign = if pct > 0.0 { "+" } else { "" };
    format!("{sign}{} %", trim_zeros(significant(pct, CHANGE_DIGITS)))
}

/// An axis tick label: a few significant digits without trailing zeros,
/// so that neighbouring ticks read alike ("8", "10", "12", not "8.0", "10").
pub fn tick(value: f64) -> String {
    trim_zeros(significant(value, VALUE_DIGITS))
}

/// "5.0" → "5", "0.50" → "0.5": a percentage's trailing zeros claim a
/// precision nobody measured.
fn trim_zeros(text: String) -> String {
    if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A threshold (0.05 = 5 %) as `±5 %`.
pub fn threshold(relative: f64) -> String {
    format!(
        "±{} %",
        trim_zeros(significant(relative.abs() * 100.0, CHANGE_DIGITS))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_are_kept_and_integers_are_not_rounded_away() {
        assert_eq!(significant(243.6416, 3), "244");
        assert_eq!(significant(24.36416, 3), "24.4");
        assert_eq!(significant(0.0123456, 3), "0.0123");
        assert_eq!(significant(9.996, 3), "10.0");
        assert_eq!(significant(12345.6, 3), "12346");
        assert_eq!(significant(-0.5, 2), "-0.50");
        assert_eq!(significant(3.2e12, 3), "3.20e12");
        assert_eq!(significant(0.0, 3), "0");
    }

    #[test]
    fn every_time_unit_spelling_becomes_one() {
        assert_eq!(value(243.6416, "us"), "244 µs");
        assert_eq!(value(243_641.6, "ns"), "244 µs");
        assert_eq!(value(0.5, "ms"), "500 µs");
        assert_eq!(value(1.5, "s"), "1.50 s");
        assert_eq!(value(0.93, "ratio"), "0.930 ratio");
        assert_eq!(change(0.2), "+20 %");
        assert_eq!(change(-0.00523), "-0.52 %");
        assert_eq!(change(0.0), "0 %");
        assert_eq!(threshold(0.05), "±5 %");
        assert_eq!(change(-0.005), "-0.5 %");
        assert_eq!(tick(8.0), "8");
        assert_eq!(tick(1.25), "1.25");
    }
}
