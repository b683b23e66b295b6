//! The cache file a tracker keeps between runs (ETags, the syncing user, issues written
//! lately): read leniently, written whole.
//!
//! A cache only saves requests, so nothing about it may fail a run: a missing file is an empty
//! cache, and an unreadable or damaged one, or one of another version or tracker, is ignored
//! (with a warning when it cannot be read or parsed). It is written to a temporary file beside
//! it and renamed into place, so that a run killed while writing leaves the previous file whole.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cache in `path`, when it is readable and `current` accepts it; else the empty cache.
pub fn read<T: DeserializeOwned + Default>(path: &Path, current: impl Fn(&T) -> bool) -> T {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return T::default(),
        Err(err) => {
            eprintln!("warning: ignoring the cache file {}: {err}", path.display());
            return T::default();
        }
    };
    match serde_json::from_str::<T>(&text) {
        Ok(cache) if current(&cache) => cache,
        Ok(_) => T::default(),
        Err(err) => {
            eprintln!(
                "warning: ignoring the cache file {}: it is not valid ({err})",
                path.display()
            );
            T::default()
        }
    }
}

/// Writes `cache` to `path` whole, creating its directory.
pub fn write<T: Serialize>(path: &Path, cache: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string(cache).context("cannot encode the cache")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Cache {
        version: u32,
        etags: Vec<String>,
    }

    #[test]
    fn a_cache_round_trips_and_anything_else_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/cache.json");
        let current = |c: &Cache| c.version == 2;
        assert_eq!(read(&path, current), Cache::default(), "missing");
        let cache = Cache {
            version: 2,
            etags: vec!["\"a\"".into()],
        };
        write(&path, &cache).unwrap();
        assert_eq!(read(&path, current), cache);
        assert!(!path.with_extension("json.tmp").exists());
        let old = Cache {
            version: 1,
            ..cache
        };
        write(&path, &old).unwrap();
        assert_eq!(read(&path, current), Cache::default(), "another version");
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(read(&path, current), Cache::default(), "damaged");
    }
}
