//! Parsers for flag values: byte sizes and positive counts.

use bytesize::ByteSize;

/// A byte size such as `64KiB`, `8MiB`, `1GiB` or `4096`; zero is refused.
pub fn byte_size(text: &str) -> Result<u64, String> {
    let size: ByteSize = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a byte size (examples: 4096, 64KiB, 8MiB, 1GiB)"))?;
    match size.as_u64() {
        0 => Err("must be greater than zero".to_string()),
        bytes => Ok(bytes),
    }
}

/// A whole number of at least one, with `_` separators allowed (`1_000_000`).
pub fn positive(text: &str) -> Result<u64, String> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    match cleaned.parse::<u64>() {
        Ok(0) => Err("must be at least 1".to_string()),
        Ok(value) => Ok(value),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(byte_size("64KiB"), Ok(65_536));
        assert_eq!(byte_size("8MiB"), Ok(8 << 20));
        assert_eq!(byte_size("4096"), Ok(4096));
        assert!(byte_size("12XB").unwrap_err().contains("not a byte size"));
        assert!(byte_size("0").is_err());
        assert!(byte_size("-1").is_err());
    }

    #[test]
    fn positive_counts() {
        assert_eq!(positive("1_000_000"), Ok(1_000_000));
        assert!(positive("0").is_err());
        assert!(positive("-3").is_err());
        assert!(positive("ten").is_err());
    }
}
