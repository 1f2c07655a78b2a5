//! What an App Runner control plane is started with: quotas and how long asynchronous work takes.

use std::time::Duration;

/// Per account and region count quotas (spec §4.3). The adjustable ones default to App Runner's defaults; the
/// per-name revision quotas are fixed, as in App Runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    pub services: usize,
    pub connections: usize,
    pub auto_scaling_configuration_names: usize,
    pub observability_configuration_names: usize,
    pub vpc_connectors: usize,
    pub vpc_ingress_connections: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            services: 30,
            connections: 10,
            auto_scaling_configuration_names: 10,
            observability_configuration_names: 10,
            vpc_connectors: 10,
            vpc_ingress_connections: 1,
        }
    }
}

impl Quotas {
    /// The names `--quota <name>=<n>` accepts.
    pub const NAMES: [&'static str; 6] = [
        "services",
        "connections",
        "auto-scaling-configurations",
        "observability-configurations",
        "vpc-connectors",
        "vpc-ingress-connections",
    ];

    /// Set one quota by its name in [`Self::NAMES`]; `n` must be at least 1.
    pub fn set(&mut self, name: &str, n: usize) -> Result<(), String> {
        if n == 0 {
            return Err(format!("quota {name} must be at least 1"));
        }
        let slot = match name {
            "services" => &mut self.services,
            "connections" => &mut self.connections,
            "auto-scaling-configurations" => &mut self.auto_scaling_configuration_names,
            "observability-configurations" => &mut self.observability_configuration_names,
            "vpc-connectors" => &mut self.vpc_connectors,
            "vpc-ingress-connections" => &mut self.vpc_ingress_connections,
            other => {
                return Err(format!(
                    "unknown quota {other:?}; known: {}",
                    Self::NAMES.join(", ")
                ))
            }
        };
        *slot = n;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRunnerConfig {
    pub quotas: Quotas,
    /// How long a service operation (create, update, deploy, pause, resume, delete) and the other asynchronous
    /// transitions (custom domains, VPC ingress connections) take before the lifecycle worker completes them.
    pub lifecycle_delay: Duration,
}

impl Default for AppRunnerConfig {
    fn default() -> Self {
        AppRunnerConfig {
            quotas: Quotas::default(),
            lifecycle_delay: Duration::from_secs(2),
        }
    }
}

impl AppRunnerConfig {
    /// How often the lifecycle worker looks for due work: a quarter of the delay, within 5 ms … 250 ms.
    pub fn poll_interval(&self) -> Duration {
        (self.lifecycle_delay / 4).clamp(Duration::from_millis(5), Duration::from_millis(250))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_are_set_by_name() {
        let mut q = Quotas::default();
        for name in Quotas::NAMES {
            q.set(name, 7).expect(name);
        }
        assert_eq!(q.services, 7);
        assert_eq!(q.vpc_ingress_connections, 7);
        assert!(q.set("services", 0).is_err());
        assert!(q.set("bananas", 3).is_err());
    }

    #[test]
    fn the_worker_polls_within_bounds() {
        let mut c = AppRunnerConfig::default();
        assert_eq!(c.poll_interval(), Duration::from_millis(250));
        c.lifecycle_delay = Duration::ZERO;
        assert_eq!(c.poll_interval(), Duration::from_millis(5));
        c.lifecycle_delay = Duration::from_millis(100);
        assert_eq!(c.poll_interval(), Duration::from_millis(25));
    }
}
