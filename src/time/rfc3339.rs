//! RFC 3339 text into [`UnixTime`].

use crate::error::Error;
use crate::time::UnixTime;

impl UnixTime {
    /// Parses an RFC 3339 timestamp such as `2021-09-01T19:03:06Z` or
    /// `2021-09-01T21:03:06.5+02:00` (fractional seconds are truncated).
    pub fn parse_rfc3339(text: &str) -> Result<Self, Error> {
        const WHAT: &str = "RFC 3339 timestamp";
        let b = text.as_bytes();
        let num = |range: core::ops::Range<usize>| -> Result<u64, Error> {
            let digits = b.get(range).ok_or(Error::Malformed(WHAT))?;
            digits.iter().try_fold(0u64, |acc, &d| {
                if d.is_ascii_digit() {
                    Ok(acc * 10 + u64::from(d - b'0'))
                } else {
                    Err(Error::Malformed(WHAT))
                }
            })
        };
        let sep = |i: usize, allowed: &[u8]| -> Result<(), Error> {
            match b.get(i) {
                Some(c) if allowed.contains(c) => Ok(()),
                _ => Err(Error::Malformed(WHAT)),
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        sep(4, b"-")?;
        sep(7, b"-")?;
        sep(10, b"Tt ")?;
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        sep(13, b":")?;
        sep(16, b":")?;
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return Err(Error::Malformed(WHAT));
            }
        }
        let offset: i64 = match b.get(i) {
            Some(b'Z' | b'z') if b.len() == i + 1 => 0,
            Some(sign @ (b'+' | b'-')) if b.len() == i + 6 => {
                sep(i + 3, b":")?;
                let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
                if oh > 23 || om > 59 {
                    return Err(Error::Malformed(WHAT));
                }
                let secs =
                    i64::try_from(oh * 3600 + om * 60).map_err(|_| Error::Malformed(WHAT))?;
                if *sign == b'+' { secs } else { -secs }
            }
            _ => return Err(Error::Malformed(WHAT)),
        };
        // Leap seconds (60) are accepted and folded into the next second.
        if hour > 23 || minute > 59 || second > 60 {
            return Err(Error::Malformed(WHAT));
        }
        let local = UnixTime::from_civil(year, month, day, hour, minute, second)
            .ok_or(Error::Malformed(WHAT))?;
        let utc = i64::try_from(local.as_secs()).map_err(|_| Error::Malformed(WHAT))? - offset;
        u64::try_from(utc)
            .map(UnixTime::since_unix_epoch)
            .map_err(|_| Error::Malformed(WHAT))
    }
}
