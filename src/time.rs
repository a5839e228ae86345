//! Time as an input: [`UnixTime`], and RFC 3339 text without a date-time crate (parsed
//! in `rfc3339.rs`, the one part that needs the crate's error type, which names times).
//!
//! The library never reads a clock. Callers pass the verification time; the CLI reads the
//! system clock and passes it in. The conversion between civil dates and day numbers is
//! Howard Hinnant's `days_from_civil` algorithm, a dozen lines, so no date crate is needed.

use core::fmt;

mod rfc3339;

/// A point in time: whole seconds since the Unix epoch (1970-01-01T00:00:00Z), UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The time `secs` seconds after the Unix epoch.
    #[must_use]
    pub const fn since_unix_epoch(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// The current system time. Only available with `std`; the library itself never calls it.
    #[cfg(feature = "std")]
    #[must_use]
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self(secs)
    }

    /// Builds a time from a UTC civil date and time of day; `None` if the date does not
    /// exist or lies before 1970.
    #[must_use]
    pub fn from_civil(
        year: u64,
        month: u64,
        day: u64,
        hour: u64,
        minute: u64,
        second: u64,
    ) -> Option<Self> {
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        if day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Self(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    /// The UTC civil date and time: `(year, month, day, hour, minute, second)`.
    #[must_use]
    pub fn to_civil(self) -> (u64, u64, u64, u64, u64, u64) {
        let days = self.0 / 86_400;
        let rem = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
    }

    /// The later of `self - secs` and the epoch.
    #[must_use]
    pub const fn saturating_sub_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_sub(secs))
    }

    /// `self + secs`, saturating.
    #[must_use]
    pub const fn saturating_add_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs))
    }
}

/// RFC 3339 in UTC with a `Z` suffix, e.g. `2021-09-01T19:03:06Z`.
impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// Days in `month` (1–12) of `year`; 31 for an out-of-range month, which callers reject
/// before asking.
pub(crate) fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (year ≥ 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn known_instants() {
        let t = UnixTime::parse_rfc3339("2021-09-01T19:03:06Z").unwrap();
        assert_eq!(t.as_secs(), 1_630_522_986);
        assert_eq!(t.to_string(), "2021-09-01T19:03:06Z");
        assert_eq!(
            UnixTime::parse_rfc3339("1970-01-01T00:00:00Z")
                .unwrap()
                .as_secs(),
            0
        );
        assert_eq!(
            UnixTime::parse_rfc3339("2000-02-29T12:00:00.123+02:00")
                .unwrap()
                .to_string(),
            "2000-02-29T10:00:00Z"
        );
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (0..150_000u64).step_by(97) {
            let t = UnixTime::since_unix_epoch(days * 86_400 + 3_723);
            assert_eq!(UnixTime::parse_rfc3339(&t.to_string()).unwrap(), t);
        }
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "",
            "2021-09-01",
            "2021-09-01T19:03:06",
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-09-01T24:00:00Z",
            "2021-09-01T19:03:06+0200",
            "2021-09-01T19:03:06.Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00+01:00",
            "２０２１-09-01T19:03:06Z",
        ] {
            assert!(UnixTime::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
