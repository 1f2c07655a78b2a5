//! Which service answers which requests: awsJson services by `X-Amz-Target` prefix, awsQuery services by the
//! signing name in the credential scope.

use std::sync::Arc;

use trailrunner_api::ServiceHandler;
use trailrunner_model::ServiceModel;
use trailrunner_wire::Protocol;

/// A service mounted on the edge: its model (operations, constraints), its protocol and its implementation.
pub(crate) struct Mounted {
    pub(crate) model: &'static ServiceModel,
    pub(crate) protocol: Protocol,
    pub(crate) handler: Arc<dyn ServiceHandler>,
}

#[derive(Default)]
pub(crate) struct Registry {
    json: Vec<(&'static str, Mounted)>,
    query: Vec<(&'static str, Mounted)>,
}

impl Registry {
    /// Mount a service; its protocol and routing key come from its model.
    pub(crate) fn mount(&mut self, model: &'static ServiceModel, handler: Arc<dyn ServiceHandler>) {
        use trailrunner_model::Protocol as P;
        match model.protocol {
            P::Json10 | P::Json11 => {
                let protocol = if model.protocol == P::Json10 {
                    Protocol::AwsJson10
                } else {
                    Protocol::AwsJson11
                };
                let prefix = model.target_prefix.unwrap_or(model.signing_name);
                self.json.push((
                    prefix,
                    Mounted {
                        model,
                        protocol,
                        handler,
                    },
                ));
            }
            P::Query => {
                let xmlns = model
                    .xml_namespace
                    .unwrap_or("https://sts.amazonaws.com/doc/2011-06-15/");
                self.query.push((
                    model.signing_name,
                    Mounted {
                        model,
                        protocol: Protocol::AwsQuery { xmlns },
                        handler,
                    },
                ));
            }
            P::RestXml => {}
        }
    }

    pub(crate) fn json(&self, target_prefix: &str) -> Option<&Mounted> {
        self.json
            .iter()
            .find(|(p, _)| *p == target_prefix)
            .map(|(_, m)| m)
    }

    pub(crate) fn query(&self, signing_name: &str) -> Option<&Mounted> {
        self.query
            .iter()
            .find(|(p, _)| *p == signing_name)
            .map(|(_, m)| m)
    }
}
