//! The citation every claim carries: which bundle file, which 1-based line.
//!
//! Later stages never look at raw text again; when they need to say where a
//! number came from they hand on an `Evidence`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A pointer to one line of one file, relative to the bundle root. The
/// file name is shared (`Arc<str>`): an analysis of a flapping storm holds
/// one citation per event, and they name a handful of files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub file: Arc<str>,
    pub line: u64,
}

impl Evidence {
    pub fn new(file: impl Into<Arc<str>>, line: u64) -> Self {
        Evidence {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}
