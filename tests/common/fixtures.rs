//! The per-version fixture files real Django wrote (`fixtures/<prefix><X.Y>.json`), shared
//! by the fixture-driven tests.

use std::path::Path;

use djsign::DjangoVersion;
use serde_json::Value as J;

/// One fixture file: the Django release that wrote it and its contents.
pub struct FixtureFile {
    /// The release, as Django reported it (`"5.2.19"`).
    pub django: String,
    pub version: DjangoVersion,
    pub secret_key: String,
    pub data: J,
}

/// Every `fixtures/<prefix>*.json`, in file-name order; asserts there is one per supported
/// Django line, so a missing file cannot pass as "no failing case".
pub fn fixture_files(prefix: &str) -> Vec<FixtureFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name()?.to_str()?.to_owned();
            (name.starts_with(prefix) && name.ends_with(".json")).then_some(p)
        })
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        12,
        "one {prefix}X.Y.json per supported Django line"
    );
    files
        .iter()
        .map(|file| {
            let data: J = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
            let django = data["django"].as_str().unwrap().to_owned();
            FixtureFile {
                version: django.parse().unwrap(),
                secret_key: data["secret_key"].as_str().unwrap().to_owned(),
                django,
                data,
            }
        })
        .collect()
}
