//! Wildcard patterns: `*` matches any run of characters (also none), `?` exactly one character.
//!
//! Three shapes, compiled once:
//! - [`Pattern`]: the whole string (actions, `StringLike`). Case folding for actions is ASCII only:
//!   action names are ASCII.
//! - [`ResourcePattern`]: an ARN in a `Resource`/`NotResource` element. IAM's rule ("IAM JSON policy
//!   elements: Resource", *Using wildcards in resource ARNs*): wildcards work within the
//!   colon-separated segments of an ARN, and "if the `*` wildcard is the last character of a
//!   resource ARN segment, it can expand to match beyond the colon boundaries". So a segment of the
//!   pattern matches one segment of the ARN, and one that ends in `*` may also swallow the
//!   segments after it: `arn:aws:apprunner:*` matches every App Runner ARN, while the `*` of
//!   `arn:aws:s3:::a*b` cannot match a colon.
//! - [`ArnPattern`]: `ArnLike`/`ArnEquals` ("Each of the six colon-delimited components of the ARN
//!   is checked separately"): the first five colons split, the sixth component keeps its colons.

/// Width of the UTF-8 character that starts with `b`; 1 for a continuation byte, so that a
/// cursor always moves forward.
fn char_width(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Greedy wildcard match with one backtrack point: O(|pat| · |s|) at worst, no recursion, no
/// allocation. With `fold`, ASCII letters of `s` are lowercased first (`pat` is lowercase then).
/// With `ESC`, a backslash makes the next byte literal (patterns built from policy variables).
fn glob<const ESC: bool>(pat: &[u8], s: &[u8], fold: bool) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if let Some(&c) = pat.get(p) {
            match c {
                b'\\' if ESC => {
                    let b = if fold {
                        s[i].to_ascii_lowercase()
                    } else {
                        s[i]
                    };
                    if pat.get(p + 1) == Some(&b) {
                        p += 2;
                        i += 1;
                        continue;
                    }
                }
                b'*' => {
                    star = Some((p + 1, i));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    i += char_width(s[i]);
                    continue;
                }
                _ => {
                    let b = if fold {
                        s[i].to_ascii_lowercase()
                    } else {
                        s[i]
                    };
                    if c == b {
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, si)) => {
                let next = si + char_width(s[si]);
                star = Some((sp, next));
                p = sp;
                i = next;
            }
            None => return false,
        }
    }
    pat[p.min(pat.len())..].iter().all(|&c| c == b'*')
}

/// Matches `s` against a resolved policy-variable pattern (see [`Pattern::Escaped`]).
pub(crate) fn matches_escaped(pat: &str, s: &str) -> bool {
    glob::<true>(pat.as_bytes(), s.as_bytes(), false)
}

/// Whether an escaped pattern ends with a `*` that is a wildcard (not escaped by an odd run of
/// backslashes).
fn ends_with_star(p: &str) -> bool {
    let Some(head) = p.strip_suffix('*') else {
        return false;
    };
    head.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 0
}

/// Appends `s` with `*`, `?` and `\` escaped, so that [`Pattern::Escaped`] reads it literally.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// A compiled whole-string pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `*`
    Any,
    /// No wildcard.
    Exact(Box<str>),
    /// `text*`: a single trailing `*`, no other wildcard.
    Prefix(Box<str>),
    Glob(Box<str>),
    /// A glob in which `\` makes the next character literal: a pattern with policy variables,
    /// resolved for one request.
    Escaped(Box<str>),
}

impl Pattern {
    pub(crate) fn new(p: &str) -> Self {
        if p == "*" {
            Pattern::Any
        } else if !has_wildcard(p) {
            Pattern::Exact(p.into())
        } else if let Some(head) = p.strip_suffix('*').filter(|h| !has_wildcard(h)) {
            Pattern::Prefix(head.into())
        } else {
            Pattern::Glob(p.into())
        }
    }

    /// For actions: the pattern is lowercased here and matched ignoring ASCII case.
    pub(crate) fn new_folded(p: &str) -> Self {
        Self::new(&p.to_ascii_lowercase())
    }

    /// Case-sensitive match.
    pub(crate) fn matches(&self, s: &str) -> bool {
        let s = s.as_bytes();
        match self {
            Pattern::Any => true,
            Pattern::Exact(e) => e.as_bytes() == s,
            Pattern::Prefix(h) => s.starts_with(h.as_bytes()),
            Pattern::Glob(g) => glob::<false>(g.as_bytes(), s, false),
            Pattern::Escaped(g) => glob::<true>(g.as_bytes(), s, false),
        }
    }

    /// Match ignoring ASCII case; the pattern must come from [`Pattern::new_folded`].
    pub(crate) fn matches_folded(&self, s: &str) -> bool {
        let s = s.as_bytes();
        match self {
            Pattern::Any => true,
            Pattern::Exact(e) => e.as_bytes().eq_ignore_ascii_case(s),
            Pattern::Prefix(h) => {
                let h = h.as_bytes();
                s.len() >= h.len() && h.eq_ignore_ascii_case(&s[..h.len()])
            }
            Pattern::Glob(g) => glob::<false>(g.as_bytes(), s, true),
            Pattern::Escaped(g) => glob::<true>(g.as_bytes(), s, true),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Matches exactly one colon-free segment of the value.
    Segment(Pattern),
    /// After a segment ending in `*`: swallows any number of further segments.
    More,
}

/// A compiled `Resource`/`NotResource` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourcePattern {
    Any,
    Exact(Box<str>),
    /// Only a trailing `*`: its segment is the last one and may swallow the rest, so a prefix
    /// test is exact.
    Prefix(Box<str>),
    Segments(Box<[Token]>),
}

impl ResourcePattern {
    pub(crate) fn new(p: &str) -> Self {
        match Pattern::new(p) {
            Pattern::Any => ResourcePattern::Any,
            Pattern::Exact(e) => ResourcePattern::Exact(e),
            Pattern::Prefix(h) => ResourcePattern::Prefix(h),
            Pattern::Glob(_) | Pattern::Escaped(_) => {
                let mut tokens = Vec::new();
                for seg in p.split(':') {
                    tokens.push(Token::Segment(Pattern::new(seg)));
                    if seg.ends_with('*') {
                        tokens.push(Token::More);
                    }
                }
                ResourcePattern::Segments(tokens.into())
            }
        }
    }

    /// A resolved policy-variable pattern (see [`Pattern::Escaped`]), split like any other.
    pub(crate) fn new_escaped(p: &str) -> Self {
        let mut tokens = Vec::new();
        for seg in p.split(':') {
            tokens.push(Token::Segment(Pattern::Escaped(seg.into())));
            if ends_with_star(seg) {
                tokens.push(Token::More);
            }
        }
        ResourcePattern::Segments(tokens.into())
    }

    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            ResourcePattern::Any => true,
            ResourcePattern::Exact(e) => **e == *s,
            ResourcePattern::Prefix(h) => s.starts_with(&**h),
            ResourcePattern::Segments(tokens) => match_segments(tokens, s),
        }
    }
}

/// The glob algorithm again, one level up: tokens are segments, `More` is the star.
fn match_segments(tokens: &[Token], s: &str) -> bool {
    let bytes = s.as_bytes();
    let seg_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| b == b':')
            .map_or(bytes.len(), |n| from + n)
    };
    let mut p = 0;
    let mut off = 0;
    let mut done = false;
    // (token after `More`, offset of the first segment not swallowed by it)
    let mut star: Option<(usize, usize)> = None;
    while !done {
        let end = seg_end(off);
        match tokens.get(p) {
            Some(Token::More) => {
                star = Some((p + 1, off));
                p += 1;
                continue;
            }
            Some(Token::Segment(pat)) if pat.matches(&s[off..end]) => {
                p += 1;
                if end == bytes.len() {
                    done = true;
                } else {
                    off = end + 1;
                }
                continue;
            }
            _ => {}
        }
        let Some((sp, soff)) = star else { return false };
        // `More` swallows one more segment.
        let send = seg_end(soff);
        p = sp;
        if send == bytes.len() {
            done = true;
        } else {
            off = send + 1;
            star = Some((sp, off));
        }
    }
    tokens[p.min(tokens.len())..]
        .iter()
        .all(|t| *t == Token::More)
}

/// A compiled `ArnLike`/`ArnEquals` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    components: Box<[Pattern]>,
}

impl ArnPattern {
    pub(crate) fn new(p: &str) -> Self {
        Self {
            components: p.splitn(6, ':').map(Pattern::new).collect(),
        }
    }

    /// A resolved policy-variable pattern (see [`Pattern::Escaped`]).
    pub(crate) fn new_escaped(p: &str) -> Self {
        let components = p.splitn(6, ':').map(|c| Pattern::Escaped(c.into()));
        Self {
            components: components.collect(),
        }
    }

    pub(crate) fn matches(&self, s: &str) -> bool {
        let mut n = 0;
        for component in s.splitn(6, ':') {
            match self.components.get(n) {
                Some(pat) if pat.matches(component) => n += 1,
                _ => return false,
            }
        }
        n == self.components.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definitions, naively: `*` any run, `?` one character.
    fn reference(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| reference(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && reference(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && reference(rest, &s[1..]),
        }
    }

    /// The resource rule, naively: a `*` that ends a segment (followed by `:` or the end) matches
    /// any run; any other `*` a run without `:`; `?` one character other than `:`.
    fn resource_reference(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => {
                let crosses = matches!(rest.first(), None | Some(':'));
                (0..=s.len())
                    .take_while(|&i| crosses || i == 0 || s[i - 1] != ':')
                    .any(|i| resource_reference(rest, &s[i..]))
            }
            Some(('?', rest)) => {
                s.first().is_some_and(|&c| c != ':') && resource_reference(rest, &s[1..])
            }
            Some((c, rest)) => s.first() == Some(c) && resource_reference(rest, &s[1..]),
        }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    proptest! {
        #[test]
        fn pattern_agrees_with_the_definition(p in "[ab:é*?]{0,8}", s in "[ab:é]{0,10}") {
            prop_assert_eq!(Pattern::new(&p).matches(&s), reference(&chars(&p), &chars(&s)));
        }

        #[test]
        fn folded_pattern_agrees_with_the_definition(p in "[aB:*?]{0,8}", s in "[AbB:]{0,10}") {
            let want = reference(&chars(&p.to_lowercase()), &chars(&s.to_lowercase()));
            prop_assert_eq!(Pattern::new_folded(&p).matches_folded(&s), want);
        }

        #[test]
        fn resource_pattern_agrees_with_the_definition(p in "[ab:*?]{0,10}", s in "[ab:]{0,10}") {
            prop_assert_eq!(ResourcePattern::new(&p).matches(&s), resource_reference(&chars(&p), &chars(&s)));
        }

        #[test]
        fn escaped_text_is_literal(a in "[ab:*?\\\\]{0,8}", s in "[ab:*?\\\\]{0,8}") {
            let mut p = String::new();
            escape_into(&mut p, &a);
            prop_assert_eq!(matches_escaped(&p, &s), a == s);
            prop_assert_eq!(ResourcePattern::new_escaped(&p).matches(&s), a == s);
            prop_assert_eq!(ArnPattern::new_escaped(&p).matches(&s), a == s);
            p.push('*');
            prop_assert_eq!(matches_escaped(&p, &s), s.starts_with(&a));
            prop_assert_eq!(ResourcePattern::new_escaped(&p).matches(&s), s.starts_with(&a));
        }

        #[test]
        fn arn_pattern_compares_components(p in "[ab:*?]{0,12}", s in "[ab:]{0,12}") {
            let (pc, sc): (Vec<&str>, Vec<&str>) = (p.splitn(6, ':').collect(), s.splitn(6, ':').collect());
            let want = pc.len() == sc.len()
                && pc.iter().zip(&sc).all(|(p, s)| reference(&chars(p), &chars(s)));
            prop_assert_eq!(ArnPattern::new(&p).matches(&s), want);
        }
    }

    #[test]
    fn whole_string_patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything:at/all", true),
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("abc*", "abc", true),
            ("abc*", "abcdef", true),
            ("abc*", "ab", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "aéc", true),
            ("a??c", "aéc", false),
            ("*b*", "abc", true),
            ("*b*", "ac", false),
            ("a*b*c", "a-b-b-c", true),
            ("a*b*c", "a-b-b-", false),
            ("*?", "", false),
            ("*?", "é", true),
            ("a*", "b", false),
            ("**", "", true),
            (
                "*a*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
        ];
        for &(p, s, want) in cases {
            assert_eq!(Pattern::new(p).matches(s), want, "{p:?} vs {s:?}");
        }
    }

    #[test]
    fn folded_patterns_ignore_ascii_case() {
        let cases: &[(&str, &str, bool)] = &[
            ("apprunner:CreateService", "APPRUNNER:createservice", true),
            ("AppRunner:List*", "apprunner:listservices", true),
            ("apprunner:*Service", "apprunner:DELETESERVICE", true),
            ("apprunner:?reate*", "apprunner:CreateConnection", true),
            ("apprunner:List*", "apprunner:DescribeService", false),
            ("iam:*", "apprunner:ListServices", false),
        ];
        for &(p, s, want) in cases {
            assert_eq!(
                Pattern::new_folded(p).matches_folded(s),
                want,
                "{p:?} vs {s:?}"
            );
        }
        assert!(!Pattern::new("AppRunner:List*").matches("apprunner:ListServices"));
    }

    #[test]
    fn resource_patterns_follow_segments() {
        let svc = "arn:aws:apprunner:us-east-1:111122223333:service/web/0123abcd";
        let cases: &[(&str, &str, bool)] = &[
            ("*", svc, true),
            (svc, svc, true),
            (
                "arn:aws:apprunner:us-east-1:111122223333:service/web/0123ABCD",
                svc,
                false,
            ),
            ("arn:aws:apprunner:*", svc, true),
            ("arn:aws:apprunner:*:111122223333:service/*", svc, true),
            ("arn:aws:apprunner:*:444455556666:service/*", svc, false),
            ("arn:aws:apprunner:us-*-1:*:service/web/*", svc, true),
            ("arn:aws:apprunner:us-east-?:*:service/*", svc, true),
            ("arn:aws:apprunner:us-east-?:*:connection/*", svc, false),
            ("arn:aws:apprunner:*:*:service/?eb/*", svc, true),
            // `?` never matches a colon, and a `*` inside a segment does not cross one.
            ("arn:aws:s3:::a?b", "arn:aws:s3:::a:b", false),
            ("arn:aws:s3:::a*b", "arn:aws:s3:::a:x:b", false),
            ("arn:aws:s3:::a*b", "arn:aws:s3:::axxb", true),
            // A `*` that ends a segment may swallow later segments.
            (
                "arn:aws:logs:*:*:log-group:app*",
                "arn:aws:logs:r:1:log-group:app:log-stream:x",
                true,
            ),
            (
                "arn:aws:logs:*:1:log-group:x",
                "arn:aws:logs:r:9:z:1:log-group:x",
                true,
            ),
            ("arn:aws:logs:*?:1:x", "arn:aws:logs:r:1:x", true),
            ("arn:aws:s3:::*", "arn:aws:s3:::", true),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::b/", true),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::b", false),
            ("arn:aws:apprunner:*", "*", false),
        ];
        for &(p, s, want) in cases {
            assert_eq!(ResourcePattern::new(p).matches(s), want, "{p:?} vs {s:?}");
        }
    }

    #[test]
    fn arn_patterns_check_each_component() {
        // The IAM documentation's example: StringLike matches, ArnLike does not.
        let pat = "arn:aws:someservice:*:111122223333:finance/*";
        let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc";
        assert!(Pattern::new(pat).matches(value));
        assert!(!ArnPattern::new(pat).matches(value));
        let cases: &[(&str, &str, bool)] = &[
            (
                "arn:aws:iam::*:role/admin",
                "arn:aws:iam::111122223333:role/admin",
                true,
            ),
            (
                "arn:aws:iam::*:role/*",
                "arn:aws:iam::111122223333:role/a:b",
                true,
            ),
            ("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333", false),
            ("arn:aws:iam::*", "arn:aws:iam::111122223333:role/x", false),
            ("arn:aws:iam::*:user/?", "arn:aws:iam::1:user/b", true),
        ];
        for &(p, s, want) in cases {
            assert_eq!(ArnPattern::new(p).matches(s), want, "{p:?} vs {s:?}");
        }
    }
}
