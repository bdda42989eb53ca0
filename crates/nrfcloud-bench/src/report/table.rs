//! Rendering the report: the number formats, the markdown table of the rows, and the
//! machine and the date of the run.

use std::time::{SystemTime, UNIX_EPOCH};

use super::*;

/// A ratio: three decimals near 1 (where the gates sit, 1.01 and 1.02), two elsewhere.
pub(super) fn format_ratio(r: f64) -> String {
    if (0.9..1.1).contains(&r) {
        format!("{r:.3}")
    } else if r == 0.0 || r.abs() >= 0.1 {
        format!("{r:.2}")
    } else {
        format!("{r:.2e}")
    }
}

/// Seconds, in the unit that suits them.
pub(super) fn format_secs(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.2} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

pub(super) fn format_bytes(b: f64) -> String {
    if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    }
}

pub(super) fn render(rows: &[Row]) -> String {
    let header = [
        "kind",
        "benchmark",
        "ours",
        "baseline",
        "ratio",
        "target",
        "ok?",
    ];
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        header.iter().map(|_| " --- ").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        let _ = writeln!(out, "| {} |", row.cells().join(" | "));
    }
    out
}

pub(super) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim())
        .to_string();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or("unknown memory".to_string(), |kb| {
            format!("{:.0} GiB RAM", kb / (1024.0 * 1024.0))
        });
    format!(
        "{cores} cores ({model}), {memory}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Today's date (UTC) as YYYY-MM-DD.
pub(super) fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_near_one_keep_a_third_decimal() {
        assert_eq!(format_ratio(1.0148), "1.015");
        assert_eq!(format_ratio(0.97), "0.970");
        assert_eq!(format_ratio(1.14), "1.14");
        assert_eq!(format_ratio(7.19), "7.19");
        assert_eq!(format_ratio(5.76e-4), "5.76e-4");
    }

    #[test]
    fn today_is_a_date() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }
}
