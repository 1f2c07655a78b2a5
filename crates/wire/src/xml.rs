//! A small XML writer for responses: elements, escaped text, JSON values as awsQuery renders them.

use serde_json::Value;

pub(crate) struct XmlOut {
    buf: String,
}

impl XmlOut {
    pub(crate) fn new() -> Self {
        XmlOut {
            buf: String::with_capacity(512),
        }
    }

    pub(crate) fn declaration(&mut self) {
        self.buf
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    }

    pub(crate) fn open(&mut self, name: &str, xmlns: Option<&str>) {
        self.buf.push('<');
        self.buf.push_str(name);
        if let Some(ns) = xmlns {
            self.buf.push_str(" xmlns=\"");
            self.buf.push_str(&quick_xml::escape::escape(ns));
            self.buf.push('"');
        }
        self.buf.push('>');
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
    }

    pub(crate) fn text_element(&mut self, name: &str, text: &str) {
        self.open(name, None);
        self.buf.push_str(&quick_xml::escape::escape(text));
        self.close(name);
    }

    /// awsQuery output rendering: object members become elements in order, arrays become `<member>` items,
    /// scalars become text; nulls are omitted.
    pub(crate) fn value(&mut self, name: &str, value: &Value) {
        match value {
            Value::Null => {}
            Value::Object(map) => {
                self.open(name, None);
                for (k, v) in map {
                    self.value(k, v);
                }
                self.close(name);
            }
            Value::Array(items) => {
                self.open(name, None);
                for item in items {
                    self.value("member", item);
                }
                self.close(name);
            }
            Value::String(s) => self.text_element(name, s),
            Value::Bool(b) => self.text_element(name, if *b { "true" } else { "false" }),
            Value::Number(n) => self.text_element(name, &n.to_string()),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.buf
    }
}
