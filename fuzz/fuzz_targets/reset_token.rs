#![no_main]
//! Password-reset links from the input: `uidb64_decode` of any text and `check_token` of
//! any token never panic, on every version's rules; a token minted for the user checks,
//! and nothing else the input makes checks for a user it was not minted for.
use djsign::auth::tokens::{self, PasswordResetTokenGenerator, ResetUser};
use djsign::{DjangoVersion, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = tokens::uidb64_decode(text);
    let mut settings = Settings::new("fuzz-key");
    settings.secret_key_fallbacks = vec!["old".into()];
    for version in [DjangoVersion::V3_0, DjangoVersion::V3_2, DjangoVersion::V6_1] {
        settings.version = version;
        let g = PasswordResetTokenGenerator::new(&settings);
        let user = ResetUser::new("1", "pbkdf2_sha256$1$salt$hash=").email(text);
        let now = 1.7e9;
        let _ = g.check_token_at(&user, text, now);
        let minted = g.make_token_at(&user, now);
        assert_eq!(g.check_token_at(&user, &minted, now + 1.0), Ok(()));
        let other = ResetUser::new("2", "pbkdf2_sha256$1$salt$hash=").email(text);
        assert!(g.check_token_at(&other, &minted, now).is_err());
    }
});
