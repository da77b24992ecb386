// agent, in AssemblyScript: the rest of the SDK through the real runtime (as_test.sh). Each
// request from the host names a check; the answer says what the agent saw.
//   kv       set, get, replace, delete, and a missing key
//   config   its own name and config: text
//   errors   calls that must be refused, each with its Code's name (every import once)
//   timer    a send to itself after 10 ms answers the request
//   pubsub   subscribes to news.*, publishes news.today, answers with what it received
//   monitor  monitors a component that does not exist: "@down" says "ghost not-found"
import * as wactor from "../../sdk/assemblyscript/wactor";

function bytes(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function text(b: ArrayBuffer | null): string {
  return b == null ? "null" : String.UTF8.decode(b);
}

class Agent extends wactor.Component {
  waiting: i64 = 0; // the host's request that a tick, a publication or a notice answers

  onMessage(msg: wactor.Message): void {
    if (!msg.isRequest) {
      if (this.waiting > 0) {
        const seen = "from " + msg.sender + " topic " + msg.topic + ": " + msg.text;
        wactor.respond(this.waiting, wactor.Status.OK, bytes(seen));
        this.waiting = 0;
      }
      return;
    }
    const check = msg.text;
    if (check == "kv") {
      wactor.kvSet("colour", bytes("blue"));
      const first = text(wactor.kvGet("colour"));
      wactor.kvSet("colour", bytes("green"));
      const second = text(wactor.kvGet("colour"));
      const deleted = wactor.codeName(wactor.kvDelete("colour"));
      const again = wactor.codeName(wactor.kvDelete("colour"));
      const missing = text(wactor.kvGet("colour")) + "/" + wactor.codeName(wactor.kvLastCode());
      msg.respondText(first + " " + second + " " + deleted + " " + again + " " + missing);
    } else if (check == "config") {
      msg.respondText(wactor.selfName() + " " + wactor.configText());
    } else if (check == "errors") {
      const list = [
        wactor.codeName(wactor.sendText("nobody", "x")),
        wactor.codeName(wactor.sendText("bad..name", "x")),
        wactor.codeName(wactor.requestText("forbidden", "x")),
        wactor.codeName(wactor.unsubscribe("never.subscribed")),
        wactor.codeName(wactor.kvSet("", bytes("empty key"))),
        text(wactor.stateLoad()) + "/" + wactor.codeName(wactor.stateLastCode()),
        wactor.codeName(wactor.respondHeader(12345, "x-a", "b")),
        wactor.codeName(wactor.spawn("tmpl", "kid", bytes(""))),
        wactor.codeName(wactor.stop("nobody")),
        wactor.codeName(wactor.demonitor(999)),
        wactor.codeName(wactor.stateSave(bytes("s"))),
        wactor.codeName(wactor.httpRequest("GET", "http://127.0.0.1:1/", "", bytes(""))),
        text(msg.header("x-none") == null ? null : bytes("?")),
      ];
      msg.respondText(list.join(" "));
    } else if (check == "timer") {
      wactor.sendAfter(wactor.selfName(), bytes("tick"), 10);
      this.waiting = msg.correlation;
    } else if (check == "pubsub") {
      wactor.subscribe("news.*");
      wactor.publish("news.today", bytes("extra"));
      this.waiting = msg.correlation;
    } else if (check == "monitor") {
      wactor.monitor("ghost");
      this.waiting = msg.correlation;
    } else msg.respondError("agent: unknown check " + check);
  }
}

wactor.register(new Agent());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../sdk/assemblyscript/wactor";
