//! The file engine under concurrent requests: threads of one process load, modify and
//! save sessions at the same time. Every save must succeed and every load must find the
//! session whole (the last writer wins, as in Django); temporary files are private and
//! never follow a link planted under a predictable name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use djsign::Settings;
use djsign::sessions::Session;
use djsign::sessions::backends::file::FileSessionStore;

const THREADS: usize = 8;
const CYCLES: usize = 300;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("djsign-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn store(dir: &Path) -> Arc<FileSessionStore> {
    Arc::new(FileSessionStore::new(&Settings::new("django-insecure-test-key"), dir).unwrap())
}

/// Failed saves and loads that did not find the session (missing, corrupt, or without
/// the entries every writer keeps), over `THREADS` × `CYCLES` load-modify-save cycles;
/// `keys(t)` names the session thread `t` works on.
fn hammer(store: &Arc<FileSessionStore>, keys: impl Fn(usize) -> String) -> (usize, usize) {
    let now = djsign::signing::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (store, key) = (Arc::clone(store), keys(t));
            std::thread::spawn(move || {
                let (mut failed_saves, mut bad_reads) = (0, 0);
                for i in 0..CYCLES {
                    let mut s = store.load(Some(&key), now);
                    let whole = s.key() == Some(key.as_str())
                        && s.load_error().is_none()
                        && s.get_as::<String>("user").ok().flatten().as_deref() == Some("42");
                    bad_reads += usize::from(!whole);
                    s.insert(&format!("thread{t}"), &i).unwrap();
                    s.insert("user", "42").unwrap();
                    failed_saves += usize::from(store.save(&mut s, now).is_err());
                }
                (failed_saves, bad_reads)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
}

fn new_session(store: &FileSessionStore) -> String {
    let mut s = Session::new();
    s.insert("user", "42").unwrap();
    store.save(&mut s, djsign::signing::now()).unwrap()
}

/// No temporary file is left behind once every save has returned.
fn assert_only_sessions(dir: &Path, expected: usize) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains("_out_")), "{names:?}");
    assert_eq!(names.len(), expected);
}

#[test]
fn threads_saving_one_session_lose_nothing() {
    let dir = temp_dir("file-one");
    let store = store(&dir);
    let key = new_session(&store);
    assert_eq!(hammer(&store, |_| key.clone()), (0, 0));
    // Last writer wins: every thread's final counter is there unless a later save of
    // another thread, loaded before it, overwrote it; the last save holds its own.
    let s = store.load(Some(&key), djsign::signing::now());
    assert!(
        (0..THREADS).any(|t| s.get_as::<usize>(&format!("thread{t}")).unwrap() == Some(CYCLES - 1))
    );
    assert_only_sessions(&dir, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn threads_saving_their_own_sessions_lose_nothing() {
    let dir = temp_dir("file-many");
    let store = store(&dir);
    let keys: Vec<String> = (0..THREADS).map(|_| new_session(&store)).collect();
    assert_eq!(hammer(&store, |t| keys[t].clone()), (0, 0));
    for (t, key) in keys.iter().enumerate() {
        let s = store.load(Some(key), djsign::signing::now());
        assert_eq!(
            s.get_as::<usize>(&format!("thread{t}")).unwrap(),
            Some(CYCLES - 1)
        );
    }
    assert_only_sessions(&dir, THREADS);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn session_files_are_private_and_links_are_not_followed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = temp_dir("file-private");
    let store = store(&dir);
    let key = new_session(&store);
    let mode = std::fs::metadata(dir.join(format!("sessionid{key}")))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // The old temporary name, `<prefix><key>_out_<pid>`, planted as a link to a file
    // outside the directory: a save must neither write through it nor fail.
    let victim = dir.with_extension("victim");
    std::fs::write(&victim, b"untouched").unwrap();
    let planted = dir.join(format!("sessionid{key}_out_{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let mut s = store.load(Some(&key), djsign::signing::now());
    s.insert("more", &1).unwrap();
    assert_eq!(store.save(&mut s, djsign::signing::now()).unwrap(), key);
    assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
    assert!(
        std::fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let reloaded = store.load(Some(&key), djsign::signing::now());
    assert_eq!(reloaded.get_as::<i32>("more").unwrap(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&victim).unwrap();
}
