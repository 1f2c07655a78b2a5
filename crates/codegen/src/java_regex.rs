//! Translation of the models' Java regular expressions into Rust `regex` syntax.
//!
//! Done once, at generation time; the generated tables carry both texts. What changes:
//! - `\uXXXX` → `\x{XXXX}`; a UTF-16 surrogate pair `\uD800\uDC00` → one code point
//!   `\x{10000}` (so `\uD800\uDC00-\uDBFF\uDFFF` becomes `\x{10000}-\x{10FFFF}`); the
//!   models' out-of-spec `\u10000` / `\u10FFFF` (5-6 digits) are read as the code point
//!   they mean.
//! - `\w \d \s` (and negations) are ASCII in Java: → `[:word:]`, `[:digit:]`,
//!   `[:space:]` (Rust's would be Unicode).
//! - `.` excludes Java's line terminators (`\n \r \u0085 \u2028 \u2029`), unless `(?s)`.
//! - Inside classes, literal `-` (first, last, after a range, after `\w`) becomes `\-`,
//!   and `&`, `~`, `[` are escaped; superfluous escapes of punctuation outside classes
//!   (`\/`, `\:`) become the plain character.
//! - The result is anchored `\A(?:...)\z`: AWS matches the whole value (`String.matches`).
//! - Look-around (`(?=`, `(?!`, `(?<=`, `(?<!`) or back-references select fancy-regex.
//!
//! Anything else Java-specific (possessive quantifiers, `\Q..\E`, nested class unions,
//! `&&`, `\Z`, `\G`) is rejected so a model update cannot slip in a silent mistranslation.

use anyhow::{bail, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    pub rust: String,
    /// Needs fancy-regex (look-around or back-references).
    pub fancy: bool,
}

pub fn translate(java: &str) -> Result<Translated> {
    let chars: Vec<char> = java.chars().collect();
    let mut t = Translator {
        chars: &chars,
        pos: 0,
        out: String::with_capacity(java.len() + 16),
        fancy: false,
        dotall: false,
    };
    t.run()
        .map_err(|e| anyhow::anyhow!("pattern {java:?}: {e}"))?;
    Ok(Translated {
        rust: format!("\\A(?:{})\\z", t.out),
        fancy: t.fancy,
    })
}

struct Translator<'a> {
    chars: &'a [char],
    pos: usize,
    out: String,
    fancy: bool,
    dotall: bool,
}

/// What the previous class item was, for deciding whether `-` is a range operator.
#[derive(PartialEq)]
enum Prev {
    Start,
    Single,
    RangeOrClass,
}

impl Translator<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn run(&mut self) -> Result<()> {
        let mut prev_quantifier = false;
        while let Some(c) = self.peek(0) {
            if prev_quantifier && c == '+' {
                bail!("possessive quantifiers are not supported");
            }
            // `?` right after a quantifier makes it lazy (fine in Rust).
            let lazy_mark = prev_quantifier && c == '?';
            match c {
                '\\' => {
                    self.escape(false)?;
                }
                '[' => self.class()?,
                '(' => self.group_open(),
                '.' => {
                    self.pos += 1;
                    if self.dotall {
                        self.out.push('.');
                    } else {
                        self.out.push_str("[^\\n\\r\\x{85}\\x{2028}\\x{2029}]");
                    }
                }
                _ => {
                    self.pos += 1;
                    self.out.push(c);
                }
            }
            prev_quantifier = matches!(c, '*' | '+' | '?' | '}') && !lazy_mark;
        }
        Ok(())
    }

    fn group_open(&mut self) {
        self.pos += 1;
        self.out.push('(');
        if self.peek(0) != Some('?') {
            return;
        }
        let look = matches!(
            (self.peek(1), self.peek(2)),
            (Some('=' | '!'), _) | (Some('<'), Some('=' | '!'))
        );
        if look {
            self.fancy = true;
            return;
        }
        // Inline flags `(?s)` / `(?is:`: track dotall (unscoped; the models only use a
        // leading `(?s)`).
        let mut i = 1;
        while let Some(f) = self.peek(i) {
            if f == ')' || f == ':' {
                break;
            }
            if f == 's' {
                self.dotall = true;
            }
            if !f.is_ascii_alphabetic() && f != '-' {
                break;
            }
            i += 1;
        }
    }

    /// Reads `\u` escapes (the `\` and `u` not yet consumed) into one code point.
    fn unicode_escape(&mut self) -> Result<u32> {
        let hex_at = |t: &Self, from: usize, max: usize| -> String {
            t.chars[from.min(t.chars.len())..]
                .iter()
                .take(max)
                .take_while(|c| c.is_ascii_hexdigit())
                .collect()
        };
        let digits = hex_at(self, self.pos + 2, 6);
        if digits.len() < 4 {
            bail!("\\u needs four hex digits");
        }
        if digits.len() > 4 {
            let long = u32::from_str_radix(&digits, 16)?;
            if (0x10000..=0x10FFFF).contains(&long) {
                self.pos += 2 + digits.len();
                return Ok(long);
            }
        }
        let unit = u32::from_str_radix(&digits[..4], 16)?;
        self.pos += 6;
        if (0xD800..0xDC00).contains(&unit) {
            if self.peek(0) == Some('\\') && self.peek(1) == Some('u') {
                let low_digits = hex_at(self, self.pos + 2, 4);
                if low_digits.len() == 4 {
                    let low = u32::from_str_radix(&low_digits, 16)?;
                    if (0xDC00..0xE000).contains(&low) {
                        self.pos += 6;
                        return Ok(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                    }
                }
            }
            bail!("lone high surrogate \\u{digits}");
        }
        if (0xDC00..0xE000).contains(&unit) {
            bail!("lone low surrogate \\u{}", &digits[..4]);
        }
        Ok(unit)
    }

    /// Translates one escape at `pos` (a `\`). Returns whether it produced a single
    /// character (as opposed to a class such as `\w`), for range handling in classes.
    fn escape(&mut self, in_class: bool) -> Result<bool> {
        let Some(c) = self.peek(1) else {
            bail!("trailing backslash")
        };
        if c == 'u' {
            let cp = self.unicode_escape()?;
            self.out.push_str(&format!("\\x{{{cp:X}}}"));
            return Ok(true);
        }
        self.pos += 2;
        let ascii_class = match c {
            'w' => Some("word"),
            'd' => Some("digit"),
            's' => Some("space"),
            'W' => Some("^word"),
            'D' => Some("^digit"),
            'S' => Some("^space"),
            _ => None,
        };
        if let Some(name) = ascii_class {
            if in_class {
                self.out.push_str(&format!("[:{name}:]"));
            } else {
                self.out.push_str(&format!("[[:{name}:]]"));
            }
            return Ok(false);
        }
        match c {
            'x' => {
                let digits: String = if self.peek(0) == Some('{') {
                    let body: String = self.chars[self.pos + 1..]
                        .iter()
                        .take_while(|&&d| d != '}')
                        .collect();
                    self.pos += body.chars().count() + 2;
                    body
                } else {
                    let two: String = self.chars[self.pos..].iter().take(2).collect();
                    self.pos += 2;
                    two
                };
                let cp = u32::from_str_radix(&digits, 16)
                    .map_err(|_| anyhow::anyhow!("bad \\x escape"))?;
                self.out.push_str(&format!("\\x{{{cp:X}}}"));
                Ok(true)
            }
            'p' | 'P' => {
                self.out.push('\\');
                self.out.push(c);
                Ok(false)
            }
            't' | 'n' | 'r' | 'f' | 'a' => {
                self.out.push('\\');
                self.out.push(c);
                Ok(true)
            }
            'e' => {
                self.out.push_str("\\x{1B}");
                Ok(true)
            }
            'b' | 'B' | 'A' | 'z' if !in_class => {
                self.out.push('\\');
                self.out.push(c);
                Ok(false)
            }
            '1'..='9' if !in_class => {
                self.fancy = true;
                self.out.push('\\');
                self.out.push(c);
                Ok(false)
            }
            c if c.is_ascii_alphanumeric() => bail!("unsupported escape \\{c}"),
            c if in_class => {
                // Inside a class every punctuation escape is kept (Rust accepts them).
                self.out.push('\\');
                self.out.push(c);
                Ok(true)
            }
            c if "\\.+*?()|[]{}^$#&-~".contains(c) => {
                self.out.push('\\');
                self.out.push(c);
                Ok(true)
            }
            c => {
                self.out.push(c);
                Ok(true)
            }
        }
    }

    fn class(&mut self) -> Result<()> {
        self.pos += 1;
        self.out.push('[');
        if self.peek(0) == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut prev = Prev::Start;
        let mut pending_range = false;
        loop {
            let Some(c) = self.peek(0) else {
                bail!("unterminated character class")
            };
            let single = match c {
                ']' if prev != Prev::Start => {
                    self.pos += 1;
                    if pending_range {
                        bail!("dangling range");
                    }
                    self.out.push(']');
                    return Ok(());
                }
                '\\' => self.escape(true)?,
                '[' => bail!("nested character classes are not supported"),
                '&' if self.peek(1) == Some('&') => bail!("class intersection is not supported"),
                '-' => {
                    let next = self.peek(1);
                    let is_range =
                        prev == Prev::Single && !pending_range && next.is_some_and(|n| n != ']');
                    self.pos += 1;
                    if is_range {
                        self.out.push('-');
                        pending_range = true;
                        continue;
                    }
                    self.out.push_str("\\-");
                    true
                }
                '&' | '~' | ']' => {
                    self.pos += 1;
                    self.out.push('\\');
                    self.out.push(c);
                    true
                }
                _ => {
                    self.pos += 1;
                    self.out.push(c);
                    true
                }
            };
            if pending_range {
                if !single {
                    bail!("range ends in a class escape");
                }
                pending_range = false;
                prev = Prev::RangeOrClass;
            } else {
                prev = if single {
                    Prev::Single
                } else {
                    Prev::RangeOrClass
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(java: &str) -> String {
        translate(java).unwrap().rust
    }

    #[test]
    fn anchors_and_ascii_classes() {
        assert_eq!(
            rust("[A-Za-z0-9][A-Za-z0-9-_]{3,39}"),
            r"\A(?:[A-Za-z0-9][A-Za-z0-9\-_]{3,39})\z"
        );
        assert_eq!(rust(r"[\w+=,.@-]+"), r"\A(?:[[:word:]+=,.@\-]+)\z");
        assert_eq!(
            rust(r"(\w|\/|-){1,1011}"),
            r"\A(?:([[:word:]]|/|-){1,1011})\z"
        );
        assert_eq!(rust(r"[a-z0-9-\\.]{0,63}"), r"\A(?:[a-z0-9\-\\.]{0,63})\z");
        assert_eq!(rust(r"\d{12}"), r"\A(?:[[:digit:]]{12})\z");
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(
            rust(r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*"),
            r"\A(?:[\x{20}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}\t]*)\z"
        );
        assert_eq!(
            rust(r"[\u00A0-\uD7FF\u10000-\u10FFFF]+"),
            r"\A(?:[\x{A0}-\x{D7FF}\x{10000}-\x{10FFFF}]+)\z"
        );
        assert_eq!(
            rust(r"\u002F[\u0021-\u007F]*"),
            r"\A(?:\x{2F}[\x{21}-\x{7F}]*)\z"
        );
        assert!(translate(r"\uD800").is_err());
    }

    #[test]
    fn dot_and_flags() {
        assert_eq!(rust(".*"), r"\A(?:[^\n\r\x{85}\x{2028}\x{2029}]*)\z");
        assert_eq!(rust("(?s).*"), r"\A(?:(?s).*)\z");
    }

    #[test]
    fn look_around_needs_fancy() {
        let t = translate("^(?!aws:).+").unwrap();
        assert!(t.fancy);
        assert!(!translate("[0-9]{12}").unwrap().fancy);
        assert!(translate("a++").is_err());
        assert!(translate("[a[b]]").is_err());
        assert!(translate("[a&&b]").is_err());
    }
}
