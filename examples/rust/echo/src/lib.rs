//! echo: answers every request with its payload.

use wactor::{Component, Handled, Init, Message};

struct Echo;

impl Component for Echo {
    fn init() -> Init<Self> {
        Ok(Echo)
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        if msg.is_request() {
            msg.respond(msg.payload())?;
        }
        Ok(())
    }
}

wactor::component!(Echo);
