// component-a, in AssemblyScript: the requesting side of the reference plan's tests
// (as_test.sh). Each request from the host names a scenario; the answer says what it saw.
//   flow TEXT     send TEXT to component-b, then ask it what it received
//   request TEXT  request "echo TEXT" from component-b; check the callback's id
//   isolation     send "secret" to component-b, then ask component-c what it received
//   timeout       request what component-b never answers, 100 ms timeout
//   crash         request something that makes component-b abort
//   pong N        request "ping N" from pong (the C example)
import * as wactor from "../../sdk/assemblyscript/wactor";

class ComponentA extends wactor.Component {
  // Pending request id -> the host's correlation id and, for "request", the expected answer.
  host: Map<i64, i64> = new Map<i64, i64>();
  expected: Map<i64, string> = new Map<i64, string>();

  relay(hostCorr: i64, id: i64): void {
    if (id < 0) wactor.respond(hostCorr, wactor.Status.Error, String.UTF8.encode(wactor.codeName(id)));
    else this.host.set(id, hostCorr);
  }

  onMessage(msg: wactor.Message): void {
    const text = msg.text;
    const space = text.indexOf(" ");
    const verb = space < 0 ? text : text.substring(0, space);
    const arg = space < 0 ? "" : text.substring(space + 1);
    if (verb == "flow") {
      wactor.sendText("component-b", arg);
      this.relay(msg.correlation, wactor.requestText("component-b", "report"));
    } else if (verb == "request") {
      const id = wactor.requestText("component-b", "echo " + arg);
      this.expected.set(id, arg);
      this.relay(msg.correlation, id);
    } else if (verb == "isolation") {
      wactor.sendText("component-b", "secret");
      this.relay(msg.correlation, wactor.requestText("component-c", "report"));
    } else if (verb == "timeout") {
      this.relay(msg.correlation, wactor.requestText("component-b", "ignore", 100));
    } else if (verb == "crash") {
      this.relay(msg.correlation, wactor.requestText("component-b", "abort"));
    } else if (verb == "pong") {
      this.relay(msg.correlation, wactor.requestText("pong", "ping " + arg));
    } else msg.respondError("component-a: unknown scenario " + verb);
  }

  onCallback(id: i64, outcome: wactor.Outcome): void {
    if (!this.host.has(id)) return;
    const hostCorr = this.host.get(id);
    this.host.delete(id);
    let answer = outcome.statusName;
    if (outcome.status != wactor.Status.Timeout) answer += " " + outcome.text;
    if (this.expected.has(id)) {
      const verdict = outcome.ok && outcome.text == this.expected.get(id) ? "match" : "MISMATCH";
      answer = verdict + " id=" + id.toString() + " " + answer;
      this.expected.delete(id);
    }
    wactor.respond(hostCorr, wactor.Status.OK, String.UTF8.encode(answer));
  }
}

wactor.register(new ComponentA());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../sdk/assemblyscript/wactor";
