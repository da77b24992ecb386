// ping: given a count N (decimal payload, empty = 5), requests "ping 1" .. "ping N" from pong,
// one at a time, logs each answer, and then answers its own request with "ping: N pongs" (the
// AssemblyScript twin of examples/pingpong/ping.c). The answer to the starter is deferred: its
// correlation id is kept and answered from onCallback once the last pong came back.
import * as wactor from "../../../sdk/assemblyscript/wactor";

const DEFAULT_COUNT: u32 = 5;
const MAX_COUNT: u32 = 100000;

// The count in the payload: DEFAULT_COUNT if empty, 0 if not a number in 1..MAX_COUNT.
function parseCount(text: string): u32 {
  if (text.length == 0) return DEFAULT_COUNT;
  if (text.length > 6) return 0;
  let n: u32 = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
    n = n * 10 + <u32>(c - 48);
  }
  return n <= MAX_COUNT ? n : 0;
}

class Ping extends wactor.Component {
  running: bool = false;
  starter: i64 = 0; // the request that started the rally; 0: a send
  count: u32 = 0;
  answered: u32 = 0;
  pending: i64 = 0;

  finish(ok: bool, text: string): void {
    this.running = false;
    if (this.starter > 0)
      wactor.respond(this.starter, ok ? wactor.Status.OK : wactor.Status.Error, String.UTF8.encode(text));
    else wactor.log(ok ? wactor.Level.Info : wactor.Level.Error, text);
  }

  sendNext(): void {
    const id = wactor.requestText("pong", "ping " + (this.answered + 1).toString());
    if (id < 0) this.finish(false, "ping: request to pong failed: " + wactor.codeName(id));
    else this.pending = id;
  }

  onMessage(msg: wactor.Message): void {
    const count = parseCount(msg.text);
    let refusal = "";
    if (this.running) refusal = "ping: busy with another rally";
    else if (count == 0) refusal = "ping: the payload must be a count from 1 to 100000";
    if (refusal.length > 0) {
      if (msg.isRequest) msg.respondError(refusal);
      else wactor.log(wactor.Level.Warn, refusal);
      return;
    }
    this.running = true;
    this.starter = msg.correlation;
    this.count = count;
    this.answered = 0;
    this.sendNext();
  }

  onCallback(id: i64, outcome: wactor.Outcome): void {
    if (!this.running || id != this.pending) return; // not ours to wait for any more
    if (!outcome.ok) {
      this.finish(false, "ping: pong answered " + outcome.statusName);
      return;
    }
    wactor.log(wactor.Level.Info, outcome.text);
    this.answered++;
    if (this.answered < this.count) this.sendNext();
    else this.finish(true, "ping: " + this.count.toString() + (this.count == 1 ? " pong" : " pongs"));
  }
}

wactor.register(new Ping());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../../sdk/assemblyscript/wactor";
