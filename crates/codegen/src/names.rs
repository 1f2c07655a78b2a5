//! Name conversions for generated code.

/// `ServiceName` → `service_name`, `DNSTarget` → `dns_target`,
/// `EnableWWWSubdomain` → `enable_www_subdomain`, `S3BucketName` → `s3_bucket_name`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some('_') => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// A Rust field identifier for a wire member name (raw identifier for keywords).
pub fn field_ident(member: &str) -> String {
    let snake = snake_case(member);
    match snake.as_str() {
        "self" | "super" | "crate" | "_" => format!("{snake}_"),
        s if KEYWORDS.contains(&s) => format!("r#{snake}"),
        _ => snake,
    }
}

/// A Rust string literal (`"..."` with escapes) for arbitrary text.
pub fn str_lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Names a generated type must not take: they would shadow what generated code uses.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "String",
    "Vec",
    "Box",
    "BTreeMap",
    "Serialize",
    "Deserialize",
    "Default",
    "Debug",
    "Clone",
    "PartialEq",
    "Result",
    "Ok",
    "Err",
    "Self",
    "Formatter",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        for (a, b) in [
            ("ServiceName", "service_name"),
            ("DNSTarget", "dns_target"),
            ("VpcDNSTargets", "vpc_dns_targets"),
            ("EnableWWWSubdomain", "enable_www_subdomain"),
            ("S3BucketName", "s3_bucket_name"),
            ("SnsTopicARN", "sns_topic_arn"),
            (
                "CloudWatchLogsLogGroupArn",
                "cloud_watch_logs_log_group_arn",
            ),
            ("Type", "type"),
            ("IPv6", "i_pv6"),
            ("Ec2Id", "ec2_id"),
            ("message", "message"),
        ] {
            assert_eq!(snake_case(a), b, "{a}");
        }
        assert_eq!(field_ident("Type"), "r#type");
        assert_eq!(field_ident("Self"), "self_");
    }

    #[test]
    fn literal() {
        assert_eq!(str_lit(r#"a\b"c"#), r#""a\\b\"c""#);
    }
}
