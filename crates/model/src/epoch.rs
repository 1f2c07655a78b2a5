//! Timestamps: epoch seconds as `f64` on the awsJson wire, ISO-8601 in CloudTrail.
//!
//! The serde helpers here are what the generated types use for `timestamp` members:
//! they write a JSON number and read a number or an ISO-8601 string.

use jiff::{civil, tz::TimeZone, Timestamp};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use std::fmt;

/// Parse an ISO-8601 / RFC 3339 timestamp into epoch seconds. Accepts an offset
/// (`2020-10-02T23:25:32.650Z`, `...+02:00`), a date-time without offset (taken as
/// UTC) and a plain date (midnight UTC).
pub fn parse_iso(text: &str) -> Option<f64> {
    let text = text.trim();
    let ts = if let Ok(ts) = text.parse::<Timestamp>() {
        ts
    } else if let Ok(dt) = text.parse::<civil::DateTime>() {
        TimeZone::UTC.to_timestamp(dt).ok()?
    } else {
        let date = text.parse::<civil::Date>().ok()?;
        TimeZone::UTC
            .to_timestamp(date.to_datetime(civil::Time::midnight()))
            .ok()?
    };
    Some(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
}

/// Epoch seconds from a JSON value: a number, or an ISO-8601 string.
pub fn from_json(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        serde_json::Value::String(s) => parse_iso(s),
        _ => None,
    }
}

/// CloudTrail rendering: `2020-10-02T23:25:32.650Z` (UTC, always three fraction
/// digits, rounded to the millisecond). `None` outside jiff's supported range.
pub fn to_iso_millis(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    let millis = (seconds * 1000.0).round();
    if millis.abs() > 9.0e15 {
        return None;
    }
    let ts = Timestamp::from_millisecond(millis as i64).ok()?;
    Some(ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

struct EpochVisitor;

impl<'de> Visitor<'de> for EpochVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp: epoch seconds or an ISO-8601 string")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        parse_iso(v).ok_or_else(|| E::custom(format!("invalid timestamp '{v}'")))
    }
}

fn deserialize_one<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(EpochVisitor)
}

/// `#[serde(with = "crate::epoch::required")]` for `f64`.
pub mod required {
    use super::*;

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(*v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        deserialize_one(d)
    }
}

/// `#[serde(with = "crate::epoch::optional")]` for `Option<f64>`.
pub mod optional {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        struct Opt;
        impl<'de> Visitor<'de> for Opt {
            type Value = Option<f64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                deserialize_one(d).map(Some)
            }
        }
        d.deserialize_option(Opt)
    }
}

struct Seq;

impl<'de> Visitor<'de> for Seq {
    type Value = Vec<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of timestamps")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
        struct One;
        impl<'de> de::DeserializeSeed<'de> for One {
            type Value = f64;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
                deserialize_one(d)
            }
        }
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element_seed(One)? {
            out.push(v);
        }
        Ok(out)
    }
}

/// `#[serde(with = "crate::epoch::list")]` for `Vec<f64>`.
pub mod list {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for item in v {
            seq.serialize_element(item)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        d.deserialize_seq(Seq)
    }
}

/// `#[serde(with = "crate::epoch::optional_list")]` for `Option<Vec<f64>>`.
pub mod optional_list {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        struct Opt;
        impl<'de> Visitor<'de> for Opt {
            type Value = Option<Vec<f64>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of timestamps or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_seq(Seq).map(Some)
            }
        }
        d.deserialize_option(Opt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip_with_millis() {
        let secs = parse_iso("2020-10-02T23:25:32.650Z").unwrap();
        assert!((secs - 1_601_681_132.65).abs() < 1e-6);
        assert_eq!(to_iso_millis(secs).unwrap(), "2020-10-02T23:25:32.650Z");
        assert_eq!(
            to_iso_millis(1_601_681_132.0).unwrap(),
            "2020-10-02T23:25:32.000Z"
        );
        assert_eq!(
            to_iso_millis(1.693465708E9).unwrap(),
            "2023-08-31T07:08:28.000Z"
        );
    }

    #[test]
    fn iso_variants() {
        let z = parse_iso("2020-10-02T23:25:32Z").unwrap();
        assert_eq!(parse_iso("2020-10-02T23:25:32").unwrap(), z);
        assert_eq!(parse_iso("2020-10-03T01:25:32+02:00").unwrap(), z);
        assert_eq!(
            parse_iso("2020-10-02").unwrap(),
            z - (23 * 3600 + 25 * 60 + 32) as f64
        );
        assert!(parse_iso("yesterday").is_none());
        assert!(to_iso_millis(f64::NAN).is_none());
        assert!(to_iso_millis(1e300).is_none());
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct T {
        #[serde(with = "required")]
        a: f64,
        #[serde(with = "optional", default, skip_serializing_if = "Option::is_none")]
        b: Option<f64>,
        #[serde(with = "list")]
        c: Vec<f64>,
        #[serde(
            with = "optional_list",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        d: Option<Vec<f64>>,
    }

    #[test]
    fn serde_helpers_accept_numbers_and_strings() {
        let t: T = serde_json::from_str(
            r#"{"a":"2020-10-02T23:25:32.650Z","b":5,"c":[1,"1970-01-01T00:00:02Z"],"d":null}"#,
        )
        .unwrap();
        assert!((t.a - 1_601_681_132.65).abs() < 1e-6);
        assert_eq!(t.b, Some(5.0));
        assert_eq!(t.c, vec![1.0, 2.0]);
        assert_eq!(t.d, None);
        let back = serde_json::to_string(&T {
            a: 1.5,
            b: None,
            c: vec![],
            d: Some(vec![2.0]),
        })
        .unwrap();
        assert_eq!(back, r#"{"a":1.5,"c":[],"d":[2.0]}"#);
        assert!(serde_json::from_str::<T>(r#"{"a":"nope","c":[]}"#).is_err());
    }
}
