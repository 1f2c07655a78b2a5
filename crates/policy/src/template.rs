//! Policy variables ("IAM policy elements: Variables and tags"), in 2012-10-17 documents only
//! ("If you don't include the Version element …, variables like `${aws:username}` are treated as
//! literal strings").
//!
//! - Where: `Resource`/`NotResource`, and the values of string and ARN condition operators ("You
//!   can't use a policy variable with other operators, such as Numeric, Date, Boolean, Binary,
//!   IP Address, or Null").
//! - `${key}` is replaced by the request's value of the key; `${key, 'default'}` falls back to the
//!   default when the key is absent; `${*}`, `${?}` and `${$}` stand for the literal characters.
//! - A key that is absent (without a default), or multivalued, cannot be resolved: "any attempt to
//!   match it fails and causes the statement to be invalid", so the statement does not apply,
//!   whatever its effect (a `Deny` with `NotResource` does not turn into "deny everything").
//!
//! A substituted value is literal text: a `*` in a user's name does not become a wildcard.
//! Resolving allocates; only statements that use variables pay for it.

use crate::context::{Key, RequestContext, TextBuf, Values};
use crate::glob::escape_into;

#[derive(Debug, Clone)]
enum Part {
    /// Policy text: wildcards keep their meaning.
    Text(Box<str>),
    /// `${*}`, `${?}`, `${$}`.
    Literal(char),
    Var {
        key: Key,
        default: Option<Box<str>>,
    },
}

/// A policy value that holds at least one variable.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    parts: Box<[Part]>,
}

/// `key` or `key, 'default'` (the inside of `${…}`).
fn variable(inner: &str) -> Option<Part> {
    match inner {
        "*" => return Some(Part::Literal('*')),
        "?" => return Some(Part::Literal('?')),
        "$" => return Some(Part::Literal('$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let quoted = default.trim().strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(quoted.into()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(['$', '{', '}', '\'']) {
        return None;
    }
    Some(Part::Var {
        key: Key::new(key),
        default,
    })
}

impl Template {
    /// `None` when `s` holds no variable (then it is plain policy text). Malformed `${…}` is text.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some((end, part)) = after
                .find('}')
                .and_then(|e| Some((e, variable(&after[..e])?)))
            else {
                text.push_str(&rest[..start + 2]);
                rest = after;
                continue;
            };
            text.push_str(&rest[..start]);
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text).into()));
            }
            parts.push(part);
            rest = &after[end + 1..];
        }
        if parts.is_empty() {
            return None;
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text.into()));
        }
        Some(Self {
            parts: parts.into(),
        })
    }

    /// The value for this request. With `escaped`, the result is a pattern for
    /// [`crate::glob::Pattern::Escaped`]: substituted text is escaped, policy text is not
    /// (only its backslashes are). `None` when a variable cannot be resolved.
    pub(crate) fn resolve(&self, ctx: &RequestContext<'_>, escaped: bool) -> Option<String> {
        let mut out = String::new();
        let literal = |out: &mut String, s: &str| {
            if escaped {
                escape_into(out, s)
            } else {
                out.push_str(s)
            }
        };
        for part in self.parts.iter() {
            match part {
                Part::Text(t) if escaped => {
                    for c in t.chars() {
                        if c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
                Part::Text(t) => out.push_str(t),
                Part::Literal(c) => literal(&mut out, c.encode_utf8(&mut [0; 4])),
                Part::Var { key, default } => match ctx.lookup(key) {
                    Values::One(v) => literal(&mut out, v.text(&mut TextBuf::new())),
                    Values::Missing => literal(&mut out, default.as_deref()?),
                    Values::Many(_) => return None,
                },
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext<'static> {
        let mut c = RequestContext::new("p", "a:b", "*");
        c.username = Some("al*ce");
        c.userid = Some("AIDA:x");
        c
    }

    #[test]
    fn parse_and_resolve() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            // (template, resolved plain, resolved escaped)
            (
                "user/${aws:username}",
                Some("user/al*ce"),
                Some("user/al\\*ce"),
            ),
            ("${aws:userid}/*", Some("AIDA:x/*"), Some("AIDA:x/*")),
            ("${AWS:USERNAME}", Some("al*ce"), Some("al\\*ce")),
            ("a${*}b${?}c${$}d", Some("a*b?c$d"), Some("a\\*b\\?c$d")),
            (
                "x/${aws:PrincipalTag/team, 'none'}",
                Some("x/none"),
                Some("x/none"),
            ),
            (
                "x/${aws:PrincipalTag/team,'n*'}",
                Some("x/n*"),
                Some("x/n\\*"),
            ),
            ("x/${aws:PrincipalTag/team}", None, None),
            (
                "back\\slash*${*}",
                Some("back\\slash**"),
                Some("back\\\\slash*\\*"),
            ),
        ];
        for &(t, plain, escaped) in cases {
            let tpl = Template::parse(t).unwrap_or_else(|| panic!("{t}"));
            assert_eq!(tpl.resolve(&ctx(), false).as_deref(), plain, "{t}");
            assert_eq!(tpl.resolve(&ctx(), true).as_deref(), escaped, "{t}");
        }
        for plain in [
            "arn:aws:s3:::b/*",
            "${",
            "a${}b",
            "${x, default}",
            "${a{b}",
            "cost: $5",
        ] {
            assert!(Template::parse(plain).is_none(), "{plain}");
        }
        let multi = [crate::ContextEntry {
            key: "x:k",
            values: &["1", "2"],
        }];
        let c = RequestContext {
            extra: &multi,
            ..ctx()
        };
        assert_eq!(Template::parse("${x:k}").unwrap().resolve(&c, false), None);
    }
}
