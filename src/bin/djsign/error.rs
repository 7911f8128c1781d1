//! The tool's errors and its exit statuses: 1 bad signature, 2 usage (clap), 3 expired,
//! 4 valid signature but malformed payload, 5 invalid argument or setting.

use std::fmt;

use djsign::Category;

/// Why a command failed: the library refused a value, or the user's own argument is
/// unusable (which says which argument and why).
#[derive(Debug)]
pub(crate) enum CliError {
    /// An argument, a file it names, or standard input.
    Argument(String),
    /// What the library said about a value or a setting.
    Djsign(djsign::Error),
}

impl CliError {
    /// The class of the failure, as `--json` names it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            CliError::Argument(_) => "invalid_argument",
            CliError::Djsign(e) => e.category().as_str(),
        }
    }

    /// The process exit status.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Argument(_) => 5,
            CliError::Djsign(e) => match e.category() {
                Category::BadSignature => 1,
                Category::Expired => 3,
                Category::Malformed => 4,
                Category::InvalidArgument => 5,
            },
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Argument(why) => write!(f, "invalid argument: {why}"),
            CliError::Djsign(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Argument(_) => None,
            CliError::Djsign(e) => Some(e),
        }
    }
}

impl From<djsign::Error> for CliError {
    fn from(e: djsign::Error) -> CliError {
        CliError::Djsign(e)
    }
}
