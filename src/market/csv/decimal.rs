//! Exact decimals and their conversion to whole ticks and lots.
//!
//! Prices and volumes are read as exact decimals (never through a float), so
//! `42283.58` at a tick of `0.01` is exactly 4,228,358 ticks, and a value that
//! is not a whole number of ticks is refused instead of rounded.

use std::fmt;
use std::str::FromStr;

/// Decimal places a price or volume may have (trailing zeros do not count).
pub const MAX_SCALE: u32 = 18;
/// Significant digits a price or volume may have; `i128` holds 38.
const MAX_DIGITS: u32 = 36;
/// Largest exponent magnitude accepted in `1.5e-05` notation.
const MAX_EXPONENT: i32 = 40;

/// `10^n` for `n` in `0..=38`.
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut n = 1;
    while n < 39 {
        table[n] = table[n - 1] * 10;
        n += 1;
    }
    table
};

/// An exact decimal: `units * 10^-scale`, with no trailing zeros in the
/// fraction (`42775.00` has scale 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    /// Decimal places written, not counting trailing zeros.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// Parses plain decimal notation: an optional sign, digits with an
    /// optional decimal separator (`.`, or `,` when `decimal_comma`), and an
    /// optional exponent (`1e-05`, as pandas writes small floats). The other
    /// separator may group thousands (`42,283.58` or `42.283,58`), in groups
    /// of exactly three digits. NaN and infinities are refused.
    pub fn parse(text: &[u8], decimal_comma: bool) -> Result<Decimal, String> {
        let text = text.trim_ascii();
        parse_decimal(text, decimal_comma).map_err(|problem| match problem {
            Problem::Empty => "empty field".to_string(),
            Problem::Invalid => format!(
                "{:?} is not a decimal number",
                String::from_utf8_lossy(text)
            ),
            Problem::TooLong => {
                format!("{:?} has too many digits", String::from_utf8_lossy(text))
            }
        })
    }
}

enum Problem {
    Empty,
    Invalid,
    TooLong,
}

/// The common case, `-?digits(.digits)?` with at most 18 digits, without
/// 128-bit arithmetic; `None` for anything else.
#[inline]
fn parse_plain(text: &[u8], point: u8) -> Option<Decimal> {
    let (negative, digits) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut units: u64 = 0;
    let mut count = 0u32;
    let mut fraction: Option<u32> = None;
    let mut trailing_zeros = 0u32;
    for &b in digits {
        if b.is_ascii_digit() {
            units = units * 10 + u64::from(b - b'0');
            count += 1;
            if let Some(places) = fraction.as_mut() {
                *places += 1;
                trailing_zeros = if b == b'0' { trailing_zeros + 1 } else { 0 };
            }
        } else if b == point && fraction.is_none() {
            fraction = Some(0);
        } else {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    let places = fraction.unwrap_or(0);
    let mut scale = places - trailing_zeros;
    units /= POW10[trailing_zeros as usize] as u64;
    if units == 0 {
        scale = 0;
    }
    let units = i128::from(units);
    Some(Decimal {
        units: if negative { -units } else { units },
        scale,
    })
}

fn parse_decimal(text: &[u8], decimal_comma: bool) -> Result<Decimal, Problem> {
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    if let Some(decimal) = parse_plain(text, if decimal_comma { b',' } else { b'.' }) {
        return Ok(decimal);
    }
    parse_general(text, decimal_comma)
}

/// Every accepted form: signs, grouping, exponents, up to 36 digits.
///
/// One pass over the bytes, long on purpose: each form's rule sits where
/// its byte is read, so the error names the first byte that breaks it.
fn parse_general(text: &[u8], decimal_comma: bool) -> Result<Decimal, Problem> {
    let (point, group) = if decimal_comma {
        (b',', b'.')
    } else {
        (b'.', b',')
    };
    let (negative, mut rest) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let mut units: i128 = 0;
    let mut significant: u32 = 0;
    let mut digits = 0usize;
    // Adds one digit; fraction zeros are held back until a non-zero digit
    // follows, so trailing zeros never count towards the scale.
    let mut push = |digit: u8, units: &mut i128, zeros: u32| -> Result<(), Problem> {
        if *units == 0 && digit == 0 {
            return Ok(());
        }
        significant += zeros + 1;
        if significant > MAX_DIGITS {
            return Err(Problem::TooLong);
        }
        *units = *units * 10i128.pow(zeros + 1) + i128::from(digit);
        Ok(())
    };

    // Whole part, with optional thousands grouping.
    let mut group_len: Option<usize> = None; // digits since the last separator
    let mut first_group = 0usize;
    while let Some(&b) = rest.first() {
        if b.is_ascii_digit() {
            push(b - b'0', &mut units, 0)?;
            digits += 1;
            match group_len.as_mut() {
                Some(len) => *len += 1,
                None => first_group += 1,
            }
        } else if b == group && digits > 0 {
            match group_len {
                None if first_group <= 3 => {}
                Some(3) => {}
                _ => return Err(Problem::Invalid),
            }
            group_len = Some(0);
        } else {
            break;
        }
        rest = &rest[1..];
    }
    if group_len.is_some_and(|len| len != 3) {
        return Err(Problem::Invalid);
    }

    // Fraction.
    let mut scale: u32 = 0;
    if rest.first() == Some(&point) {
        rest = &rest[1..];
        let mut zeros = 0u32;
        while let Some(&b) = rest.first() {
            if !b.is_ascii_digit() {
                break;
            }
            digits += 1;
            if b == b'0' {
                zeros += 1;
            } else {
                if units == 0 {
                    // Leading fraction zeros: only the scale grows.
                    scale += zeros;
                    zeros = 0;
                }
                push(b - b'0', &mut units, zeros)?;
                scale += zeros + 1;
                zeros = 0;
            }
            if scale > MAX_SCALE + MAX_DIGITS {
                return Err(Problem::TooLong);
            }
            rest = &rest[1..];
        }
    }
    if digits == 0 {
        return Err(Problem::Invalid);
    }

    // Exponent.
    let mut exponent: i32 = 0;
    if let Some((b'e' | b'E', tail)) = rest.split_first() {
        let (sign, tail) = match tail.split_first() {
            Some((b'-', t)) => (-1, t),
            Some((b'+', t)) => (1, t),
            _ => (1, tail),
        };
        if tail.is_empty() || tail.len() > 3 || !tail.iter().all(u8::is_ascii_digit) {
            return Err(Problem::Invalid);
        }
        let magnitude = tail.iter().fold(0i32, |n, b| n * 10 + i32::from(b - b'0'));
        if magnitude > MAX_EXPONENT {
            return Err(Problem::TooLong);
        }
        exponent = sign * magnitude;
        rest = &[];
    }
    if !rest.is_empty() {
        return Err(Problem::Invalid);
    }

    let mut scale = i64::from(scale) - i64::from(exponent);
    if units == 0 {
        scale = 0;
    }
    if scale < 0 {
        let shift = u32::try_from(-scale).map_err(|_| Problem::TooLong)?;
        if significant + shift > MAX_DIGITS {
            return Err(Problem::TooLong);
        }
        units *= 10i128.pow(shift);
        scale = 0;
    }
    while scale > 0 && units % 10 == 0 {
        units /= 10;
        scale -= 1;
    }
    let scale = u32::try_from(scale).map_err(|_| Problem::TooLong)?;
    if scale > MAX_SCALE {
        return Err(Problem::TooLong);
    }
    Ok(Decimal {
        units: if negative { -units } else { units },
        scale,
    })
}

impl FromStr for Decimal {
    type Err = String;

    /// Plain decimal notation with a `.` separator; see [`Decimal::parse`].
    fn from_str(text: &str) -> Result<Decimal, String> {
        Decimal::parse(text.as_bytes(), false)
    }
}

/// Why a value cannot be expressed in whole ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Misfit {
    /// Not an exact multiple of the tick.
    NotMultiple,
    /// More ticks than an `i64` holds.
    TooLarge,
}

/// The size of one tick (prices) or lot (volumes), e.g. `0.01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickSize(Decimal);

impl TickSize {
    /// `10^-scale`.
    pub fn decimal_places(scale: u32) -> TickSize {
        TickSize(Decimal { units: 1, scale })
    }

    /// `value` in whole ticks, if it is an exact multiple.
    pub fn ticks(&self, value: Decimal) -> Option<i64> {
        self.fit(value).ok()
    }

    pub(super) fn fit(&self, value: Decimal) -> Result<i64, Misfit> {
        if self.0.units == 1 {
            // A power of ten: no division. `value` has no trailing
            // fraction zeros, so more places than the tick is a misfit.
            let shift = self
                .0
                .scale
                .checked_sub(value.scale)
                .ok_or(Misfit::NotMultiple)?;
            let ticks = POW10
                .get(shift as usize)
                .and_then(|factor| value.units.checked_mul(*factor))
                .ok_or(Misfit::TooLarge)?;
            return i64::try_from(ticks).map_err(|_| Misfit::TooLarge);
        }
        let scale = value.scale.max(self.0.scale);
        let widen = |d: Decimal| {
            10i128
                .checked_pow(scale - d.scale)
                .and_then(|factor| d.units.checked_mul(factor))
                .ok_or(Misfit::TooLarge)
        };
        let (v, t) = (widen(value)?, widen(self.0)?);
        if t == 0 || v % t != 0 {
            return Err(Misfit::NotMultiple);
        }
        i64::try_from(v / t).map_err(|_| Misfit::TooLarge)
    }
}

impl FromStr for TickSize {
    type Err = String;
    fn from_str(text: &str) -> Result<TickSize, String> {
        let decimal: Decimal = text.parse()?;
        if decimal.units <= 0 {
            return Err(format!("tick size {text:?} must be positive"));
        }
        Ok(TickSize(decimal))
    }
}

impl fmt::Display for TickSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Decimal { units, scale } = self.0;
        if scale == 0 {
            return write!(f, "{units}");
        }
        let divisor = 10i128.pow(scale);
        write!(
            f,
            "{}.{:0width$}",
            units / divisor,
            units % divisor,
            width = scale as usize
        )
    }
}

/// Whether a number is written with a decimal comma: its last `.` or `,`
/// is a comma (`42283,58`, `42.283,58`).
pub(super) fn looks_decimal_comma(field: &[u8]) -> bool {
    field.iter().rev().find(|b| matches!(b, b'.' | b',')) == Some(&b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str, comma: bool) -> Result<(i128, u32), String> {
        Decimal::parse(text.as_bytes(), comma).map(|d| (d.units, d.scale))
    }

    #[test]
    fn plain_decimals_are_exact() {
        assert_eq!(d("42283.58", false), Ok((4_228_358, 2)));
        assert_eq!(d(" 42775.00 ", false), Ok((42_775, 0)));
        assert_eq!(d("-0.00100", false), Ok((-1, 3)));
        assert_eq!(d("+7", false), Ok((7, 0)));
        assert_eq!(d(".5", false), Ok((5, 1)));
        assert_eq!(d("5.", false), Ok((5, 0)));
        assert_eq!(d("0", false), Ok((0, 0)));
        assert_eq!(d("0.000", false), Ok((0, 0)));
        assert_eq!(
            d("1.000000000000000001", false),
            Ok((1_000_000_000_000_000_001, 18))
        );
        assert_eq!(
            d("185.63999938964844", false),
            Ok((18_563_999_938_964_844, 14))
        );
    }

    #[test]
    fn exponents_as_pandas_writes_them() {
        assert_eq!(d("1e-05", false), Ok((1, 5)));
        assert_eq!(d("2.5E+03", false), Ok((2500, 0)));
        assert_eq!(d("1500e-2", false), Ok((15, 0)));
        assert_eq!(d("0e10", false), Ok((0, 0)));
    }

    #[test]
    fn decimal_commas_and_grouping() {
        assert_eq!(d("42283,58", true), Ok((4_228_358, 2)));
        assert_eq!(d("42.283,58", true), Ok((4_228_358, 2)));
        assert_eq!(d("1.234.567", true), Ok((1_234_567, 0)));
        assert_eq!(d("42,283.58", false), Ok((4_228_358, 2)));
        for bad in ["42,28.58", "4228,358.1", ",283.58", "42,283,", "1,5"] {
            assert!(d(bad, false).is_err(), "{bad}");
        }
        assert!(d("42283,58", false).is_err());
        assert!(d("42.28,58", true).is_err());
        assert!(looks_decimal_comma(b"42.283,58"));
        assert!(!looks_decimal_comma(b"42,283.58"));
        assert!(!looks_decimal_comma(b"42283"));
    }

    #[test]
    fn not_numbers_and_too_long() {
        for (text, message) in [
            ("", "empty field"),
            ("  ", "empty field"),
            ("NaN", "\"NaN\" is not a decimal number"),
            ("inf", "\"inf\" is not a decimal number"),
            ("-", "\"-\" is not a decimal number"),
            (".", "\".\" is not a decimal number"),
            ("1e", "\"1e\" is not a decimal number"),
            ("1.2.3", "\"1.2.3\" is not a decimal number"),
            ("0x10", "\"0x10\" is not a decimal number"),
            ("1 2", "\"1 2\" is not a decimal number"),
            ("0.0000000000000000001", "has too many digits"),
            (
                "1234567890123456789012345678901234567",
                "has too many digits",
            ),
            ("1e99", "has too many digits"),
        ] {
            let error = d(text, false).unwrap_err();
            assert!(error.contains(message), "{text:?}: {error}");
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_one() {
        use rand_chacha::rand_core::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let alphabet = b"0000123456789..--,e";
        let mut fast = 0;
        for _ in 0..200_000 {
            let len = 1 + rng.next_u32() as usize % 21;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.next_u32() as usize % alphabet.len()])
                .collect();
            for comma in [false, true] {
                let point = if comma { b',' } else { b'.' };
                if let Some(decimal) = parse_plain(&text, point) {
                    fast += 1;
                    let general = parse_general(&text, comma).ok();
                    assert_eq!(
                        Some(decimal),
                        general,
                        "{:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
        assert!(fast > 10_000, "{fast}");
    }

    #[test]
    fn ticks_fit_or_say_why() {
        let tick: TickSize = "0.01".parse().unwrap();
        let value = |t: &str| t.parse::<Decimal>().unwrap();
        assert_eq!(tick.ticks(value("42283.58")), Some(4_228_358));
        assert_eq!(tick.fit(value("42283.585")), Err(Misfit::NotMultiple));
        assert_eq!(tick.fit(value("1e30")), Err(Misfit::TooLarge));
        assert_eq!(tick.fit(value("-0.5")), Ok(-50));
        assert_eq!(tick.fit(value("92233720368547758.07")), Ok(i64::MAX));
        assert_eq!(
            tick.fit(value("92233720368547758.08")),
            Err(Misfit::TooLarge)
        );
        let odd: TickSize = "0.25".parse().unwrap();
        assert_eq!(odd.fit(value("1.75")), Ok(7));
        assert_eq!(odd.fit(value("1.7")), Err(Misfit::NotMultiple));
        assert_eq!(
            "0.5".parse::<TickSize>().unwrap().ticks(value("2")),
            Some(4)
        );
        assert!("0".parse::<TickSize>().is_err());
        assert!("-0.1".parse::<TickSize>().is_err());
        assert_eq!(TickSize::decimal_places(5).to_string(), "0.00001");
        assert_eq!("2.50".parse::<TickSize>().unwrap().to_string(), "2.5");
        assert_eq!(TickSize::decimal_places(0).to_string(), "1");
    }
}
