//! `djsign messages encode|decode`: the messages cookie.

use djsign::pyjson::{self, Value};

use crate::error::CliError;
use crate::input::*;

pub(crate) fn messages_from_json(text: &str) -> Result<Vec<djsign::messages::Message>, CliError> {
    let bad = || {
        invalid("messages are a JSON list of {\"level\": int, \"message\": str, \"extra_tags\": str|null, \"safe\": bool}".into())
    };
    let Value::List(items) = pyjson::from_str(text).map_err(|_| bad())? else {
        return Err(bad());
    };
    items
        .iter()
        .map(|m| {
            let mut msg = djsign::messages::Message::new(
                m.get("level").and_then(Value::as_i64).ok_or_else(bad)?,
                m.get("message").and_then(Value::as_str).ok_or_else(bad)?,
            );
            match m.get("extra_tags") {
                None => {}
                Some(Value::Null) => msg.extra_tags = None,
                Some(t) => msg.extra_tags = Some(t.as_str().ok_or_else(bad)?.to_owned()),
            }
            msg.safe = matches!(m.get("safe"), Some(Value::Bool(true)));
            Ok(msg)
        })
        .collect()
}

pub(crate) fn messages_to_json(msgs: &[djsign::messages::Message]) -> Value {
    Value::List(
        msgs.iter()
            .map(|m| {
                let mut d = pyjson::Dict::new();
                d.insert("level", Value::Int(m.level));
                d.insert("message", Value::from(m.message.as_str()));
                d.insert(
                    "extra_tags",
                    m.extra_tags.as_deref().map_or(Value::Null, Value::from),
                );
                d.insert("safe", Value::Bool(m.safe));
                Value::Dict(d)
            })
            .collect(),
    )
}
