//! pong: answers each request "ping I" with "pong I" (the Rust twin of examples/pingpong/pong.c;
//! either one answers either ping).

use wactor::{Component, Handled, Init, Message};

struct Pong;

impl Component for Pong {
    fn init() -> Init<Self> {
        Ok(Pong)
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        if !msg.is_request() {
            return Ok(()); // nobody waits for an answer
        }
        match msg.text().and_then(|t| t.strip_prefix("ping ")) {
            Some(n) => msg.respond(format!("pong {}", n))?,
            None => msg.respond_error("pong: expected \"ping N\"")?,
        }
        Ok(())
    }
}

wactor::component!(Pong);
