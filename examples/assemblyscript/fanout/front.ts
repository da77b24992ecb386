// front: answers each request by asking both workers in parallel and combining their answers:
// "hello" becomes "a:HELLO|b:olleh". If a worker's answer is not OK, the requester gets ERROR
// with the reason, and the other worker's request is cancelled. The AssemblyScript twin of
// examples/fanout/front.c. The answer is deferred: onMessage starts the fan-out, the callback
// that brings the last answer responds.
import * as wactor from "../../../sdk/assemblyscript/wactor";

const WORKERS: string[] = ["workers.a", "workers.b"];
const LABELS: string[] = ["a", "b"];
const MAX_IN_FLIGHT = 16;

class Fanout {
  requests: i64[] = [0, 0]; // 0 once that worker has answered
  answers: string[] = ["", ""];
  answered: i32 = 0;
  constructor(public requester: i64) {}
}

class Front extends wactor.Component {
  fanouts: Map<i64, Fanout> = new Map<i64, Fanout>(); // by the requester's id
  owner: Map<i64, i64> = new Map<i64, i64>(); // a worker request's id -> the requester's id

  fail(f: Fanout, why: string): void {
    wactor.log(wactor.Level.Warn, why);
    for (let w = 0; w < WORKERS.length; w++) {
      if (f.requests[w] > 0) {
        wactor.cancel(f.requests[w]);
        this.owner.delete(f.requests[w]);
      }
    }
    this.fanouts.delete(f.requester);
    wactor.respond(f.requester, wactor.Status.Error, String.UTF8.encode(why));
  }

  onMessage(msg: wactor.Message): void {
    if (!msg.isRequest) {
      wactor.log(wactor.Level.Warn, "front: ignoring a message that is not a request");
      return;
    }
    if (this.fanouts.size >= MAX_IN_FLIGHT) {
      msg.respondError("front: too many requests");
      return;
    }
    const f = new Fanout(msg.correlation);
    this.fanouts.set(msg.correlation, f);
    for (let w = 0; w < WORKERS.length; w++) {
      const id = wactor.request(WORKERS[w], msg.payload);
      if (id < 0) {
        this.fail(f, "front: cannot ask " + WORKERS[w] + ": " + wactor.codeName(id));
        return;
      }
      f.requests[w] = id;
      this.owner.set(id, msg.correlation);
    }
  }

  onCallback(id: i64, outcome: wactor.Outcome): void {
    if (!this.owner.has(id)) return; // a fan-out that already failed
    const f = this.fanouts.get(this.owner.get(id));
    this.owner.delete(id);
    const w = f.requests[0] == id ? 0 : 1;
    f.requests[w] = 0;
    if (!outcome.ok) {
      let why = "front: " + WORKERS[w] + " answered " + outcome.statusName;
      if (outcome.payload.byteLength > 0) why += ": " + outcome.text;
      this.fail(f, why);
      return;
    }
    f.answers[w] = outcome.text;
    if (++f.answered < WORKERS.length) return; // still waiting
    const parts = new Array<string>();
    for (let i = 0; i < WORKERS.length; i++) parts.push(LABELS[i] + ":" + f.answers[i]);
    this.fanouts.delete(f.requester);
    wactor.respond(f.requester, wactor.Status.OK, String.UTF8.encode(parts.join("|")));
  }
}

wactor.register(new Front());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../../sdk/assemblyscript/wactor";
