//! worker: answers each request with its payload transformed, the transformation chosen by
//! the component's `config:` text: "upper" (ASCII letters upper-cased) or "reverse" (the text
//! reversed character by character). The Rust twin of examples/fanout/worker.c.

use wactor::{Component, Handled, Init, Message};

enum Worker {
    Upper,
    Reverse,
}

impl Component for Worker {
    /// A bad configuration is a failure to start: the runtime reports it and restarts by policy.
    fn init() -> Init<Self> {
        match wactor::config_text().as_str() {
            "upper" => Ok(Worker::Upper),
            "reverse" => Ok(Worker::Reverse),
            _ => Err("worker: config must be \"upper\" or \"reverse\"".into()),
        }
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        if !msg.is_request() {
            return Ok(()); // nobody waits for an answer
        }
        let text = String::from_utf8_lossy(msg.payload());
        let answer: String = match self {
            Worker::Upper => text.to_ascii_uppercase(),
            Worker::Reverse => text.chars().rev().collect(),
        };
        msg.respond(answer)?;
        Ok(())
    }
}

wactor::component!(Worker);
