//! Durations and byte counts as people write them (`40ms`, `2GiB`), read and printed.

/// Seconds from `40ms`, `1.5s`, `250us`/`250µs`, `800ns`, `2m`; a bare
/// number is seconds. `None` for anything else, or a value that is not
/// positive and finite.
pub fn parse_seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '+'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        _ => return None,
    };
    let seconds = value * scale;
    (seconds.is_finite() && seconds > 0.0).then_some(seconds)
}

/// Bytes from `2GiB`, `512MiB`, `64KiB`, `1.5GB`, `100MB`, `4096`/`4096B`
/// (binary prefixes are powers of 1024, decimal ones of 1000). `None` for
/// anything else, or a value that is not positive and finite.
pub fn parse_bytes(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kib" | "k" => 1024.0,
        "mib" | "m" => 1024.0 * 1024.0,
        "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
        "tib" | "t" => 1024.0_f64.powi(4),
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return None,
    };
    let bytes = value * scale;
    (bytes.is_finite() && bytes > 0.0).then_some(bytes)
}

/// `0.0123` → `12.3 ms`.
pub fn format_seconds(seconds: f64) -> String {
    // A fitted intercept can be negative; the unit follows the magnitude.
    if seconds < 0.0 {
        return format!("-{}", format_seconds(-seconds));
    }
    let (value, unit) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if seconds >= 1e-6 {
        (seconds * 1e6, "µs")
    } else {
        (seconds * 1e9, "ns")
    };
    format!("{} {unit}", three_digits(value))
}

/// Three significant digits for values from 1 to 999.
fn three_digits(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// `3221225472` → `3.00 GiB`.
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{} {}", three_digits(value), UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_as_written() {
        assert_eq!(parse_seconds("40ms"), Some(0.04));
        assert_eq!(parse_seconds("1.5s"), Some(1.5));
        assert_eq!(parse_seconds("2"), Some(2.0));
        assert_eq!(parse_seconds("250us"), Some(250e-6));
        assert_eq!(parse_seconds("250µs"), Some(250e-6));
        assert_eq!(parse_seconds("40 ms"), Some(0.04));
        assert_eq!(parse_seconds("0ms"), None);
        assert_eq!(parse_seconds("40 parsecs"), None);
        assert_eq!(parse_seconds(""), None);
        assert_eq!(parse_bytes("2GiB"), Some(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("512MiB"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_bytes("1.5GB"), Some(1.5e9));
        assert_eq!(parse_bytes("4096"), Some(4096.0));
        assert_eq!(parse_bytes("-1GiB"), None);
        assert_eq!(parse_bytes("2 gigs"), None);
    }

    #[test]
    fn printed_with_a_readable_unit() {
        assert_eq!(format_seconds(0.0123), "12.3 ms");
        assert_eq!(format_seconds(2.0), "2.00 s");
        assert_eq!(format_seconds(-0.020_033_604), "-20.0 ms");
        assert_eq!(format_seconds(0.000_250), "250 µs");
        assert_eq!(format_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.00 GiB");
        assert_eq!(format_bytes(512.0), "512 B");
    }
}
