//! Hashing what a seal lists: files (streamed), a bundle's evidence, the
//! grammar set; and the relative paths a seal stores.

use super::{BundleKind, BundleSeal, FileHash};
use crate::bundle::{exclude::IGNORE_FILE, Bundle, MANIFEST};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// 64 lower-case hex digits.
pub fn is_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A file's size and SHA-256, read in blocks; `path` is what the seal calls it.
pub fn file(abs: &Path, path: &str) -> Result<FileHash> {
    let mut f = std::fs::File::open(abs).map_err(|e| Error::io(abs, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(abs, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok(FileHash {
        path: path.to_string(),
        size,
        sha256: hex::encode(h.finalize()),
    })
}

/// A bundle file beside the evidence (`bundle.toml`, `.rfoignore`), when
/// it is a regular file.
fn beside(root: &Path, name: &str) -> Result<Option<FileHash>> {
    let p = root.join(name);
    match std::fs::symlink_metadata(&p) {
        Ok(m) if m.is_file() => file(&p, name).map(Some),
        _ => Ok(None),
    }
}

/// Every file of an open bundle, hashed. `input` is the path the user
/// gave (the archive, for an archive bundle); `shown` what the seal calls it.
pub fn bundle(b: &Bundle, input: &Path, shown: String) -> Result<BundleSeal> {
    let is_file = std::fs::metadata(input)
        .map_err(|e| Error::io(input, e))?
        .is_file();
    let archive = is_file && crate::bundle::archive::is_archive(input);
    let kind = match (is_file, archive) {
        (_, true) => BundleKind::Archive,
        (true, false) => BundleKind::File,
        (false, _) => BundleKind::Directory,
    };
    let archive = if archive {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Some(file(input, &name)?)
    } else {
        None
    };
    let (manifest, ignore) = if kind == BundleKind::File {
        (None, None)
    } else {
        (beside(&b.root, MANIFEST)?, beside(&b.root, IGNORE_FILE)?)
    };
    let mut files = b
        .files
        .iter()
        .map(|f| file(&f.abs, &f.rel))
        .collect::<Result<Vec<_>>>()?;
    files.sort_by(|x, y| x.path.cmp(&y.path));
    Ok(BundleSeal {
        path: shown,
        kind,
        archive,
        manifest,
        ignore,
        files,
    })
}

/// The grammar set: every built-in grammar file and every `*.toml` of
/// `--grammars DIR`, as `(name, text)` sorted, hashed together; and the
/// names of the grammars loaded.
pub fn grammars(
    dir: Option<&Path>,
    reg: &crate::grammar::registry::Registry,
) -> Result<(String, Vec<String>)> {
    let mut parts: Vec<(String, Vec<u8>)> = crate::grammar::registry::builtin_sources()
        .iter()
        .map(|(p, t)| (format!("built-in/{p}"), t.as_bytes().to_vec()))
        .collect();
    if let Some(dir) = dir {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for e in entries {
            let p = e.map_err(|e| Error::io(dir, e))?.path();
            if p.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                parts.push((format!("user/{name}"), text));
            }
        }
    }
    parts.sort();
    let mut h = Sha256::new();
    for (name, text) in &parts {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((text.len() as u64).to_be_bytes());
        h.update(text);
    }
    let mut names: Vec<String> = reg.names().iter().map(|s| s.to_string()).collect();
    names.sort();
    Ok((hex::encode(h.finalize()), names))
}

/// `target` relative to the directory `base`, with `/` (both made
/// absolute first); absolute when they share no root.
pub fn relative(target: &Path, base: &Path) -> String {
    let abs = |p: &Path| -> PathBuf {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (t, b) = (abs(target), abs(base));
    let tc: Vec<Component> = t.components().collect();
    let bc: Vec<Component> = b.components().collect();
    if tc.first() != bc.first() {
        return t.display().to_string();
    }
    let common = tc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); bc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// The directory a seal file is in (`.` for a bare name).
pub fn dir_of(seal: &Path) -> PathBuf {
    match seal.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
