//! Model `pattern` constraints, compiled once on first use.
//!
//! botocore patterns are Java regular expressions. `trailrunner-codegen` translates each
//! into the Rust syntax once, at generation time (`translated`, already anchored so it
//! matches the whole value), and picks the engine: the `regex` crate, or `fancy-regex`
//! for the few patterns that need look-around. The original text stays in `source`,
//! because AWS quotes it in validation messages.

use std::sync::OnceLock;

/// Which engine compiles a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternEngine {
    /// `regex` (linear time).
    Regex,
    /// `fancy-regex` (backtracking, bounded): only for look-around.
    Fancy,
}

enum Compiled {
    Regex(regex::Regex),
    Fancy(fancy_regex::Regex),
}

/// One distinct pattern of a service model.
pub struct Pattern {
    /// The Java pattern exactly as in the model.
    pub source: &'static str,
    /// The Rust translation, anchored as `\A(?:...)\z`.
    pub translated: &'static str,
    pub engine: PatternEngine,
    compiled: OnceLock<Result<Compiled, String>>,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pattern")
            .field("source", &self.source)
            .field("translated", &self.translated)
            .field("engine", &self.engine)
            .finish()
    }
}

impl Pattern {
    /// Used by the generated tables.
    pub const fn new(
        source: &'static str,
        translated: &'static str,
        engine: PatternEngine,
    ) -> Self {
        Pattern {
            source,
            translated,
            engine,
            compiled: OnceLock::new(),
        }
    }

    fn compiled(&self) -> &Result<Compiled, String> {
        self.compiled.get_or_init(|| match self.engine {
            PatternEngine::Regex => regex::Regex::new(self.translated)
                .map(Compiled::Regex)
                .map_err(|e| e.to_string()),
            PatternEngine::Fancy => fancy_regex::Regex::new(self.translated)
                .map(Compiled::Fancy)
                .map_err(|e| e.to_string()),
        })
    }

    /// Compile now (normally done lazily); `Err` carries the compiler's message.
    /// A unit test calls this for every pattern of every model.
    pub fn compile(&self) -> Result<(), &str> {
        self.compiled().as_ref().map(|_| ()).map_err(String::as_str)
    }

    /// Whether the whole `value` matches. A pattern that cannot be evaluated (does not
    /// compile, or exceeds fancy-regex's backtracking limit) accepts: the model is the
    /// service's contract, and rejecting valid input over an engine limit would be worse.
    pub fn is_match(&self, value: &str) -> bool {
        match self.compiled() {
            Ok(Compiled::Regex(re)) => re.is_match(value),
            Ok(Compiled::Fancy(re)) => re.is_match(value).unwrap_or(true),
            Err(_) => true,
        }
    }
}
