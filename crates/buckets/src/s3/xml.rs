//! S3's XML: a small writer for responses (text escaped by quick-xml), and the two request documents the
//! operations read (`CreateBucketConfiguration`, `Delete`), parsed with quick-xml's reader.

use jiff::Timestamp;
use quick_xml::events::Event;
use quick_xml::Reader;
use trailrunner_api::ApiError;

use super::errors;

pub const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

pub struct Xml {
    buf: String,
}

impl Xml {
    /// A document whose root element carries S3's namespace.
    pub fn document(root: &str) -> Self {
        let mut buf = String::with_capacity(1024);
        buf.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
        buf.push_str(root);
        buf.push_str(" xmlns=\"");
        buf.push_str(S3_NS);
        buf.push_str("\">");
        Xml { buf }
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.buf.push_str(&quick_xml::escape::escape(text));
        self.close(name)
    }

    pub fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.text(name, text);
        }
        self
    }

    /// Close the root element and hand back the document.
    pub fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.buf
    }
}

/// S3's timestamp in XML: ISO 8601 with milliseconds (`2026-03-01T12:00:00.000Z`).
pub fn timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The text of every element at `path` (element names from the root down), in document order. Namespaces are
/// ignored (clients send S3's namespace or none).
fn texts_at(doc: &[u8], path: &[&str]) -> Result<Vec<String>, ApiError> {
    let mut reader = Reader::from_reader(doc);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_string();
                stack.push(name);
                if stack.len() > 8 {
                    return Err(errors::malformed_xml());
                }
                if stack.iter().map(String::as_str).eq(path.iter().copied()) {
                    current = Some(String::new());
                }
            }
            Ok(Event::Empty(e)) => {
                let name = e.local_name().as_ref().to_string();
                stack.push(name);
                if stack.iter().map(String::as_str).eq(path.iter().copied()) {
                    found.push(String::new());
                }
                stack.pop();
            }
            Ok(Event::Text(t)) => {
                if let Some(cur) = current.as_mut() {
                    cur.push_str(&t.into_inner());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(cur) = current.as_mut() {
                    let ch = r.resolve_char_ref().map_err(|_| errors::malformed_xml())?;
                    let text = match ch {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::unescape(&format!("&{};", r.into_inner()))
                            .map_err(|_| errors::malformed_xml())?
                            .into_owned(),
                    };
                    cur.push_str(&text);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(cur) = current.as_mut() {
                    cur.push_str(&t.into_inner());
                }
            }
            Ok(Event::End(_)) => {
                if stack.iter().map(String::as_str).eq(path.iter().copied()) {
                    found.extend(current.take());
                }
                stack.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => return Err(errors::malformed_xml()),
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(errors::malformed_xml());
    }
    Ok(found)
}

/// `CreateBucketConfiguration/LocationConstraint`, when the body holds one (an empty body is no configuration).
pub fn location_constraint(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let found = texts_at(body, &["CreateBucketConfiguration", "LocationConstraint"])?;
    Ok(found.into_iter().next().filter(|s| !s.is_empty()))
}

/// A `DeleteObjects` request: the keys, and whether the answer is quiet.
pub fn delete_request(body: &[u8]) -> Result<(Vec<String>, bool), ApiError> {
    let keys = texts_at(body, &["Delete", "Object", "Key"])?;
    let quiet = texts_at(body, &["Delete", "Quiet"])?
        .first()
        .is_some_and(|q| q.eq_ignore_ascii_case("true"));
    if texts_at(body, &["Delete", "Object", "VersionId"])?
        .iter()
        .any(|v| v != "null")
    {
        return Err(errors::not_implemented("VersionId (versioning)"));
    }
    if keys.is_empty() || keys.len() > 1000 {
        return Err(errors::malformed_xml());
    }
    Ok((keys, quiet))
}

/// A `CompleteMultipartUpload` request: each part's number and ETag, in document order. Checksum elements are
/// not compared (each part's checksum header was verified when it was uploaded).
pub fn complete_request(body: &[u8]) -> Result<Vec<(u32, String)>, ApiError> {
    let numbers = texts_at(body, &["CompleteMultipartUpload", "Part", "PartNumber"])?;
    let etags = texts_at(body, &["CompleteMultipartUpload", "Part", "ETag"])?;
    if numbers.is_empty() || numbers.len() != etags.len() || numbers.len() > 10_000 {
        return Err(errors::malformed_xml());
    }
    numbers
        .into_iter()
        .zip(etags)
        .map(|(n, etag)| Ok((n.trim().parse().map_err(|_| errors::malformed_xml())?, etag)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_documents_parse() {
        let body = br#"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"#;
        assert_eq!(
            location_constraint(body).unwrap().as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(location_constraint(b"").unwrap(), None);
        assert!(location_constraint(b"<CreateBucketConfiguration>").is_err());
        let body = br#"<?xml version="1.0"?><Delete><Object><Key>a&amp;b</Key></Object><Object><Key>c d</Key></Object><Quiet>true</Quiet></Delete>"#;
        let (keys, quiet) = delete_request(body).unwrap();
        assert_eq!(keys, ["a&b", "c d"]);
        assert!(quiet);
        assert!(delete_request(b"<Delete></Delete>").is_err());
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>&quot;aa&quot;</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber>2</PartNumber><ETag>"bb"</ETag><ChecksumCRC32>x</ChecksumCRC32></Part></CompleteMultipartUpload>"#;
        assert_eq!(
            complete_request(body).unwrap(),
            [(1, "\"aa\"".to_string()), (2, "\"bb\"".to_string())]
        );
        assert!(complete_request(b"<CompleteMultipartUpload></CompleteMultipartUpload>").is_err());
        assert!(complete_request(b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>").is_err());
    }

    #[test]
    fn writer_escapes_and_formats_times() {
        let mut x = Xml::document("R");
        x.text("K", "a<b&c");
        assert!(x.finish("R").ends_with("<K>a&lt;b&amp;c</K></R>"));
        let t: Timestamp = "2026-03-01T12:00:00.5Z".parse().unwrap();
        assert_eq!(timestamp(t), "2026-03-01T12:00:00.500Z");
    }
}
