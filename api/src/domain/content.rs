//! What valid content is: lengths, trimming, forbidden characters.
use crate::error::{AppError, AppResult};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const CONTENT_WARNING_MAX: usize = 200;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const GROUP_NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;

/// Trims, then checks `1..=max` characters and rejects NUL and other
/// control characters except newlines and tabs.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(format!("{field} must not be empty")));
    }
    check_chars(field, v, max)?;
    Ok(v.to_owned())
}

/// Like [`required_text`], but empty or whitespace-only means absent.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check_chars(field, v, max)?;
            Ok(Some(v.to_owned()))
        }
    }
}

fn check_chars(field: &str, v: &str, max: usize) -> AppResult<()> {
    let n = v.chars().count();
    if n > max {
        return Err(AppError::bad_input(format!(
            "{field} must be at most {max} characters (got {n})"
        )));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(AppError::bad_input(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(())
}

/// Handles are 3-32 of `a-z 0-9 _ . -`, case-insensitive, stored lower-cased.
pub fn handle(value: &str) -> AppResult<String> {
    let h = value.trim().to_lowercase();
    let ok_len = (3..=32).contains(&h.chars().count());
    let ok_chars = h
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    if ok_len && ok_chars {
        Ok(h)
    } else {
        Err(AppError::bad_input(
            "handle must be 3-32 characters of a-z, 0-9, '_', '.', '-'",
        ))
    }
}

pub fn password(value: &str) -> AppResult<()> {
    let n = value.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Err(AppError::bad_input(format!(
            "password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"
        )));
    }
    if value.contains('\0') {
        return Err(AppError::bad_input("password must not contain NUL"));
    }
    Ok(())
}

/// Slugs are 3-64 of `a-z 0-9 -`.
pub fn slug(value: &str) -> AppResult<String> {
    let s = value.trim().to_lowercase();
    let ok = (3..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s)
    } else {
        Err(AppError::bad_input(
            "slug must be 3-64 characters of a-z, 0-9 and '-'",
        ))
    }
}

/// A slug derived from a group's name.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.len() < 3 {
        "group".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_only_is_empty() {
        assert!(required_text("body", " \n\t ", 10).is_err());
        assert_eq!(optional_text("cw", Some("  "), 10).unwrap(), None);
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let s = "é".repeat(200);
        assert!(required_text("title", &s, 200).is_ok());
        assert!(required_text("title", &format!("{s}é"), 200).is_err());
    }

    #[test]
    fn nul_is_refused() {
        assert!(required_text("body", "a\0b", 100).is_err());
    }

    #[test]
    fn slugify_makes_valid_slugs() {
        assert_eq!(slugify("Tuesday Evening Group!"), "tuesday-evening-group");
        assert!(slug(&slugify("Ä")).is_ok());
    }
}
