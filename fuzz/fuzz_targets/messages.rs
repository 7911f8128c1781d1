#![no_main]
//! The messages cookie decoder under each format's rules, and the size-limited encoder on
//! messages made from the input: never panics; stored values decode to what was kept.
use djsign::messages::{Message, MessageCookie};
use djsign::{DjangoVersion, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for version in [DjangoVersion::V3_0, DjangoVersion::V3_1, DjangoVersion::V3_2, DjangoVersion::V6_1] {
        let mut s = Settings::new("fuzz-key");
        s.version = version;
        let c = MessageCookie::new(&s).unwrap();
        let _ = c.decode(text);
        let msgs: Vec<Message> = text.split('\n').take(64).map(|m| Message::new(20, m)).collect();
        let stored = c.store(&msgs, true, 1.7e9);
        if let Some(v) = stored.value {
            let back = c.decode(&v).unwrap().unwrap();
            assert_eq!(back.messages.len() + stored.unstored.len(), msgs.len());
        }
    }
});
