//! Fatal errors: the run cannot continue. Data problems are `Finding`s.
//!
//! Every message names the input it is about, is lower-case, and is printed
//! once by `main` with an `rfo:` prefix.

use std::path::PathBuf;
use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Manifest(String),
    #[error("{0}")]
    Grammar(String),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error(transparent)]
    Seal(#[from] crate::seal::SealError),
    #[error(transparent)]
    Events(#[from] crate::extract::EventsError),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Ours again, when it crossed a writer's callback (which may return
    /// only an `io::Error`) inside one: a file that changed under
    /// `rfo timeline` names that file, not `<stdout>`.
    pub fn carried(self) -> Self {
        match self {
            Error::Io { path, source } => match source.get_ref().is_some_and(|r| r.is::<Error>()) {
                true => *source
                    .into_inner()
                    .expect("checked above")
                    .downcast::<Error>()
                    .expect("checked above"),
                false => Error::Io { path, source },
            },
            other => other,
        }
    }

    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
}
