//! Candle open times: epoch numbers, ISO-8601 dates and date-times (with
//! `jiff`), and the `31.01.2024 09:00` form German Excel writes.

use jiff::civil::{Date, Time};
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::Offset;

/// Milliseconds since the Unix epoch, UTC, from:
///
/// - an epoch number, its unit told by its size: seconds below 10^11, then
///   milliseconds below 10^14, microseconds below 10^17, else nanoseconds;
/// - an ISO-8601 date `2024-01-31` (midnight UTC) or date-time
///   `2024-01-31T09:00:00`, with `T` or a space, optional seconds and
///   fractional seconds, and an optional offset (`Z`, `+02:00`, `-0500`);
///   a time with an offset is converted to UTC, one without is taken as UTC;
/// - a day-first dotted date `31.01.2024`, optionally with ` 09:00[:00]`.
///
/// Sub-millisecond digits are dropped (rounding towards the past).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .trim();
    parse_time_bytes(text.as_bytes())
}

/// [`parse_time`] on raw field bytes.
pub(super) fn parse_time_bytes(field: &[u8]) -> Result<i64, String> {
    let field = field.trim_ascii();
    if field.is_empty() {
        return Err("empty field".to_string());
    }
    if let Some(ms) = parse_epoch(field) {
        return ms;
    }
    let invalid = || {
        format!(
            "{:?} is not a time (epoch s, ms or us, or an ISO-8601 date or date-time)",
            String::from_utf8_lossy(field)
        )
    };
    let text = std::str::from_utf8(field).map_err(|_| invalid())?;
    if let Some(ms) = parse_dotted(text) {
        return ms.ok_or_else(invalid);
    }
    let pieces = Pieces::parse(text).map_err(|_| invalid())?;
    let offset = match pieces.offset() {
        Some(PiecesOffset::Zulu) => Offset::UTC,
        Some(PiecesOffset::Numeric(numeric)) => numeric.offset(),
        Some(_) => return Err(invalid()),
        None if pieces.time_zone_annotation().is_some() => {
            return Err(format!(
                "{text:?}: time zone names are not supported, write an offset such as +02:00"
            ))
        }
        None => Offset::UTC,
    };
    let civil = pieces
        .date()
        .to_datetime(pieces.time().unwrap_or(Time::midnight()));
    let instant = offset.to_timestamp(civil).map_err(|_| invalid())?;
    i64::try_from(instant.as_nanosecond().div_euclid(1_000_000)).map_err(|_| invalid())
}

/// An optional `-` and digits only: `Some` result; anything else `None`.
fn parse_epoch(field: &[u8]) -> Option<Result<i64, String>> {
    let (negative, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let out_of_range = || {
        Err(format!(
            "{:?} is out of range for an epoch time",
            String::from_utf8_lossy(field)
        ))
    };
    if digits.len() > 19 {
        return Some(out_of_range());
    }
    let magnitude = digits.iter().try_fold(0i64, |n, b| {
        n.checked_mul(10)?.checked_add(i64::from(b - b'0'))
    });
    let Some(magnitude) = magnitude else {
        return Some(out_of_range());
    };
    let number = if negative { -magnitude } else { magnitude };
    Some(match magnitude {
        0..100_000_000_000 => number.checked_mul(1_000).map_or_else(out_of_range, Ok),
        100_000_000_000..100_000_000_000_000 => Ok(number),
        100_000_000_000_000..100_000_000_000_000_000 => Ok(number.div_euclid(1_000)),
        _ => Ok(number.div_euclid(1_000_000)),
    })
}

/// `31.01.2024` or `31.01.2024 09:00[:00]`: `None` when not of that shape,
/// `Some(None)` when of that shape but not a valid date or time.
fn parse_dotted(text: &str) -> Option<Option<i64>> {
    let (date, clock) = match text.split_once(' ') {
        Some((date, clock)) => (date, Some(clock.trim())),
        None => (text, None),
    };
    let mut parts = date.split('.');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let shaped = parts.next().is_none()
        && (1..=2).contains(&day.len())
        && (1..=2).contains(&month.len())
        && year.len() == 4
        && [day, month, year]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !shaped {
        return None;
    }
    Some((|| {
        let date = Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()?;
        let time = match clock {
            None => Time::midnight(),
            Some(clock) => clock.parse::<Time>().ok()?,
        };
        let instant = Offset::UTC.to_timestamp(date.to_datetime(time)).ok()?;
        i64::try_from(instant.as_nanosecond().div_euclid(1_000_000)).ok()
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_accepted_form() {
        assert_eq!(parse_time("1704067200"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("1704067200000"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("1704067200000000"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("1704067200000000000"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("2024-01-01"), Ok(1_704_067_200_000));
        assert_eq!(parse_time("2024-01-31 09:00:00"), Ok(1_706_691_600_000));
        assert_eq!(parse_time("2024-01-31T09:00:00Z"), Ok(1_706_691_600_000));
        assert_eq!(parse_time("2024-01-31T09:00"), Ok(1_706_691_600_000));
        assert_eq!(
            parse_time("2024-01-31T09:00:00.250Z"),
            Ok(1_706_691_600_250)
        );
        assert_eq!(
            parse_time("2024-01-31 09:00:00.123456789"),
            Ok(1_706_691_600_123)
        );
        assert_eq!(parse_time("2024-02-29"), Ok(1_709_164_800_000));
        assert_eq!(parse_time("\"2024-02-29\""), Ok(1_709_164_800_000));
        assert!(parse_time("2023-02-29").is_err());
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("").is_err());
        assert!(parse_time("12:00").is_err());
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let utc = 1_706_691_600_000; // 2024-01-31T09:00:00Z
        for text in [
            "2024-01-31 09:00:00+00:00",
            "2024-01-31T11:00:00+02:00",
            "2024-01-31 04:00:00-05:00",
            "2024-01-31T04:00:00-0500",
            "2024-01-31t09:00:00z",
            "2024-01-31T14:30:00+05:30",
            "2024-01-31T11:00:00+02:00[Europe/Berlin]",
        ] {
            assert_eq!(parse_time(text), Ok(utc), "{text}");
        }
        assert_eq!(
            parse_time("2024-01-01 00:30:00+01:00"),
            Ok(1_704_065_400_000)
        );
        let error = parse_time("2024-01-31T09:00:00[Europe/Berlin]").unwrap_err();
        assert!(
            error.contains("time zone names are not supported"),
            "{error}"
        );
    }

    #[test]
    fn german_dotted_dates() {
        assert_eq!(parse_time("31.01.2024"), Ok(1_706_659_200_000));
        assert_eq!(parse_time("31.01.2024 09:00"), Ok(1_706_691_600_000));
        assert_eq!(parse_time("1.2.2024 09:00:30"), Ok(1_706_778_030_000));
        assert!(parse_time("30.02.2024").is_err());
        assert!(parse_time("31.01.2024 25:00").is_err());
        assert!(parse_time("31.01.24").is_err());
    }

    #[test]
    fn epoch_edges() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("-60"), Ok(-60_000));
        assert_eq!(parse_time("99999999999"), Ok(99_999_999_999_000));
        assert_eq!(parse_time("100000000000"), Ok(100_000_000_000));
        assert!(parse_time("99999999999999999999").is_err());
        assert!(parse_time("1e9").is_err());
        assert!(parse_time("1704067200.5").is_err());
    }
}
