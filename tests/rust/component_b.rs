//! component-b (and component-c: the same module): the receiving side of the reference
//! plan's tests (rust_test.sh). It keeps the last message that was not a request.
//!
//!   a send         recorded: its sender and payload
//!   report         answers "from SENDER: PAYLOAD" (or "nothing" if no send arrived)
//!   echo TEXT      answers TEXT
//!   ignore         never answered
//!   panic          panics: the component crashes, the requester gets FAILED

use wactor::{Component, Handled, Init, Message};

struct Receiver {
    last: Option<(String, Vec<u8>)>,
}

impl Component for Receiver {
    fn init() -> Init<Self> {
        Ok(Receiver { last: None })
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        if !msg.is_request() {
            self.last = Some((msg.sender().to_string(), msg.into_payload()));
            return Ok(());
        }
        let text = msg.text().unwrap_or("");
        match text.split_once(' ').unwrap_or((text, "")) {
            ("report", _) => match &self.last {
                Some((sender, payload)) => {
                    let mut answer = format!("from {}: ", sender).into_bytes();
                    answer.extend_from_slice(payload);
                    msg.respond(answer)?
                }
                None => msg.respond("nothing")?,
            },
            ("echo", rest) => msg.respond(rest)?,
            ("ignore", _) => {}
            ("panic", _) => panic!("asked to panic"),
            _ => msg.respond_error(format!("{}: unknown request", wactor::self_name()))?,
        }
        Ok(())
    }
}

wactor::component!(Receiver);
