//! ListObjects (v1: `marker`) and ListObjectsV2 (`list-type=2`: `continuation-token`, `start-after`,
//! `fetch-owner`). Both read one page from the store, whose SQL does the prefix, start, delimiter and
//! max-keys work (see `local::index::list`).

use base64::Engine as _;
use bytes::Bytes;
use http::{Response, StatusCode};
use trailrunner_api::ApiError;

use super::request::{self, Query};
use super::xml::{self, Xml};
use super::{errors, xml_response, S3Api, S3Request};
use crate::local::{ListPage, ListQuery, ObjectMeta};

pub(super) const V1_PARAMS: &[&str] =
    &["prefix", "marker", "delimiter", "max-keys", "encoding-type"];
pub(super) const V2_PARAMS: &[&str] = &[
    "list-type",
    "prefix",
    "continuation-token",
    "start-after",
    "delimiter",
    "max-keys",
    "encoding-type",
    "fetch-owner",
];

/// A continuation token: the position (last key or common prefix listed), base64url. Opaque to clients; it
/// grants nothing `start-after` does not.
pub(super) fn encode_token(position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
}

pub(super) fn decode_token(token: &str) -> Result<String, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| errors::invalid_argument("The continuation token provided is incorrect"))
}

/// `encoding-type=url`: every byte but the unreserved ones and `/` as `%XX`, a space as `+` (how S3 encodes;
/// botocore decodes with `unquote_plus`).
pub(super) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The owner element: trailrunner uses the account id as the canonical user id.
pub(super) fn owner(x: &mut Xml, account: &str) {
    x.open("Owner")
        .text("ID", account)
        .text("DisplayName", account)
        .close("Owner");
}

struct Render<'a> {
    encode: bool,
    account: &'a str,
}

impl Render<'_> {
    fn enc(&self, s: &str) -> String {
        if self.encode {
            url_encode(s)
        } else {
            s.to_string()
        }
    }

    fn entries(&self, x: &mut Xml, page: &ListPage, with_owner: bool) {
        for o in &page.objects {
            self.object(x, o, with_owner);
        }
        for p in &page.common_prefixes {
            x.open("CommonPrefixes")
                .text("Prefix", &self.enc(p))
                .close("CommonPrefixes");
        }
    }

    fn object(&self, x: &mut Xml, o: &ObjectMeta, with_owner: bool) {
        x.open("Contents")
            .text("Key", &self.enc(&o.key))
            .text("LastModified", &xml::timestamp(o.last_modified))
            .text("ETag", &o.etag)
            .text("Size", &o.size.to_string());
        if with_owner {
            owner(x, self.account);
        }
        x.text("StorageClass", "STANDARD").close("Contents");
    }
}

struct Common {
    prefix: String,
    delimiter: Option<String>,
    max_keys: usize,
    encode: bool,
}

fn common(query: &Query) -> Result<Common, ApiError> {
    Ok(Common {
        prefix: query.get("prefix").unwrap_or("").to_string(),
        delimiter: query
            .get("delimiter")
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        max_keys: request::max_keys(query, "max-keys")?,
        encode: request::url_encoding(query)?,
    })
}

async fn page(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    bucket: &str,
    c: &Common,
    start: Option<String>,
) -> Result<ListPage, ApiError> {
    api.permit(req.caller, "s3:ListBucket", bucket, None)
        .await?;
    let q = ListQuery {
        prefix: c.prefix.clone(),
        start: start.filter(|s| !s.is_empty()),
        delimiter: c.delimiter.clone(),
        max_keys: c.max_keys,
    };
    api.store
        .list(bucket, q)
        .await
        .map_err(|e| errors::from_local(e, &req.caller.account_id))
}

pub(super) async fn list_objects(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let c = common(query)?;
    let marker = query.get("marker").unwrap_or("");
    let page = page(api, req, bucket, &c, Some(marker.to_string())).await?;
    let r = Render {
        encode: c.encode,
        account: &req.caller.account_id,
    };
    let mut x = Xml::document("ListBucketResult");
    x.text("Name", bucket)
        .text("Prefix", &r.enc(&c.prefix))
        .text("Marker", &r.enc(marker))
        .text("MaxKeys", &c.max_keys.to_string());
    if let Some(d) = &c.delimiter {
        x.text("Delimiter", &r.enc(d));
    }
    if c.encode {
        x.text("EncodingType", "url");
    }
    x.text("IsTruncated", if page.truncated { "true" } else { "false" });
    // S3 gives NextMarker only with a delimiter; without one, the next marker is the last key listed.
    if page.truncated && c.delimiter.is_some() {
        x.opt(
            "NextMarker",
            page.next.as_deref().map(|n| r.enc(n)).as_deref(),
        );
    }
    r.entries(&mut x, &page, true);
    Ok(xml_response(StatusCode::OK, x.finish("ListBucketResult")))
}

pub(super) async fn list_objects_v2(
    api: &S3Api<'_>,
    req: &S3Request<'_>,
    query: &Query,
    bucket: &str,
) -> Result<Response<Bytes>, ApiError> {
    let c = common(query)?;
    let token = query.get("continuation-token");
    let start_after = query.get("start-after");
    let start = match token {
        Some(t) => Some(decode_token(t)?),
        None => start_after.map(str::to_string),
    };
    let fetch_owner = query
        .get("fetch-owner")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let page = page(api, req, bucket, &c, start).await?;
    let r = Render {
        encode: c.encode,
        account: &req.caller.account_id,
    };
    let mut x = Xml::document("ListBucketResult");
    x.text("Name", bucket)
        .text("Prefix", &r.enc(&c.prefix))
        .text("MaxKeys", &c.max_keys.to_string())
        .text(
            "KeyCount",
            &(page.objects.len() + page.common_prefixes.len()).to_string(),
        );
    if let Some(d) = &c.delimiter {
        x.text("Delimiter", &r.enc(d));
    }
    if c.encode {
        x.text("EncodingType", "url");
    }
    x.opt("ContinuationToken", token);
    x.opt("StartAfter", start_after.map(|s| r.enc(s)).as_deref());
    x.text("IsTruncated", if page.truncated { "true" } else { "false" });
    if page.truncated {
        x.opt(
            "NextContinuationToken",
            page.next.as_deref().map(encode_token).as_deref(),
        );
    }
    r.entries(&mut x, &page, fetch_owner);
    Ok(xml_response(StatusCode::OK, x.finish("ListBucketResult")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_and_tokens() {
        assert_eq!(url_encode("a b+c/d%é"), "a+b%2Bc/d%25%C3%A9");
        assert_eq!(decode_token(&encode_token("dir/é")).unwrap(), "dir/é");
        assert_eq!(decode_token("!!").unwrap_err().code, "InvalidArgument");
    }
}
