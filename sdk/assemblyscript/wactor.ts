// wactor.ts: write wactor components in AssemblyScript (docs/ASSEMBLYSCRIPT.md), the same API
// shape as sdk/rust: a Component class with handlers, registered once, and functions for the
// whole guest ABI (docs/ABI.md). Calls that can be refused return a Code (0 OK, negative:
// the ABI's codes, one member each) or, for ids, an i64 that is negative on refusal.
//
// A component module ends with
//   wactor.register(new MyComponent());
//   export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "<this file>";
// (and wactor_on_upgrade too for a component that hands state to its next version).
// and is compiled with asc --exportStart _initialize --use abort=<this file>/wactorAbort
// (sdk/assemblyscript/asc.sh passes these).

// ---- raw imports of module `wactor` (pointers and lengths are i32 offsets) ----
@external("wactor", "send") declare function sys_send(t: usize, tl: i32, p: usize, pl: i32): i32;
@external("wactor", "request")
declare function sys_request(t: usize, tl: i32, p: usize, pl: i32, timeout: i32): i64;
@external("wactor", "respond") declare function sys_respond(c: i64, s: i32, p: usize, pl: i32): i32;
@external("wactor", "cancel") declare function sys_cancel(c: i64): i32;
@external("wactor", "publish") declare function sys_publish(t: usize, tl: i32, p: usize, pl: i32): i32;
@external("wactor", "subscribe") declare function sys_subscribe(p: usize, pl: i32): i32;
@external("wactor", "unsubscribe") declare function sys_unsubscribe(p: usize, pl: i32): i32;
@external("wactor", "msg_sender") declare function sys_msg_sender(b: usize, c: i32): i32;
@external("wactor", "msg_payload") declare function sys_msg_payload(b: usize, c: i32): i32;
@external("wactor", "msg_topic") declare function sys_msg_topic(b: usize, c: i32): i32;
@external("wactor", "msg_header") declare function sys_msg_header(n: usize, nl: i32, b: usize, c: i32): i32;
@external("wactor", "self_name") declare function sys_self_name(b: usize, c: i32): i32;
@external("wactor", "config") declare function sys_config(b: usize, c: i32): i32;
@external("wactor", "log") declare function sys_log(level: i32, p: usize, l: i32): i32;
@external("wactor", "now_ms") declare function sys_now_ms(): i64;
@external("wactor", "kv_get") declare function sys_kv_get(k: usize, kl: i32, b: usize, c: i32): i32;
@external("wactor", "kv_set") declare function sys_kv_set(k: usize, kl: i32, v: usize, vl: i32): i32;
@external("wactor", "kv_delete") declare function sys_kv_delete(k: usize, kl: i32): i32;
@external("wactor", "send_after")
declare function sys_send_after(t: usize, tl: i32, p: usize, pl: i32, delay: i32, period: i32): i64;
@external("wactor", "timer_cancel") declare function sys_timer_cancel(t: i64): i32;
@external("wactor", "respond_header")
declare function sys_respond_header(c: i64, n: usize, nl: i32, v: usize, vl: i32): i32;
@external("wactor", "spawn")
declare function sys_spawn(t: usize, tl: i32, s: usize, sl: i32, c: usize, cl: i32): i32;
@external("wactor", "stop") declare function sys_stop(n: usize, nl: i32): i32;
@external("wactor", "monitor") declare function sys_monitor(n: usize, nl: i32): i64;
@external("wactor", "demonitor") declare function sys_demonitor(r: i64): i32;
@external("wactor", "state_save") declare function sys_state_save(p: usize, l: i32): i32;
@external("wactor", "state_load") declare function sys_state_load(b: usize, c: i32): i32;
@external("wactor", "http_request")
declare function sys_http_request(m: usize, ml: i32, u: usize, ul: i32, h: usize, hl: i32, b: usize, bl: i32, timeout: i32): i64;

// ---- codes and statuses (include/wactor_codes.h is the table) ----
export enum Code {
  OK = 0,
  Invalid = -1, // EINVAL
  Denied = -2, // EDENIED
  NotFound = -3, // ENOTFOUND
  Full = -4, // EFULL
  TooBig = -5, // ETOOBIG
  Quota = -6, // EQUOTA
  State = -7, // ESTATE
  Exists = -8, // EEXIST
}

export function codeName(code: i64): string {
  switch (<i32>code) {
    case Code.OK: return "OK";
    case Code.Invalid: return "EINVAL";
    case Code.Denied: return "EDENIED";
    case Code.NotFound: return "ENOTFOUND";
    case Code.Full: return "EFULL";
    case Code.TooBig: return "ETOOBIG";
    case Code.Quota: return "EQUOTA";
    case Code.State: return "ESTATE";
    case Code.Exists: return "EEXIST";
  }
  return code >= 0 ? "OK" : "unknown";
}

export enum Status {
  OK = 0,
  Error = 1,
  Timeout = 2,
  Failed = 3,
}

export enum Level {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
}

// ---- bytes ----
function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

// The key or name of a copy-out call that takes one, in globals: AssemblyScript has no
// closures, so the function given to readOut reads them from here.
let argPtr: usize = 0;
let argLen: i32 = 0;

// Calls copy(buffer, capacity), which returns the full length, first with `hint` bytes.
// A refusal gives an empty buffer and sets lastCode.
let lastCode: i32 = 0;
function readOut(hint: i32, copy: (b: usize, c: i32) => i32): ArrayBuffer {
  let buf = new ArrayBuffer(hint);
  let n = copy(ptr(buf), hint);
  lastCode = n < 0 ? n : 0;
  if (n < 0) return new ArrayBuffer(0);
  if (n > hint) {
    buf = new ArrayBuffer(n);
    n = copy(ptr(buf), n);
    if (n < 0) { lastCode = n; return new ArrayBuffer(0); }
  }
  return buf.slice(0, n);
}

// ---- messages ----
export class Message {
  constructor(
    public sender: string,
    public payload: ArrayBuffer,
    public topic: string, // "" for a direct message
    public correlation: i64, // > 0: a request
  ) {}

  get text(): string {
    return String.UTF8.decode(this.payload);
  }

  get isRequest(): bool {
    return this.correlation > 0;
  }

  // A header of this message while its handler runs; null if none of that name.
  header(name: string): string | null {
    return header(name);
  }

  // Answers the request now (OK); later: keep msg.correlation and call respond().
  respond(payload: ArrayBuffer): Code {
    return respond(this.correlation, Status.OK, payload);
  }

  respondText(text: string): Code {
    return respond(this.correlation, Status.OK, utf8(text));
  }

  respondError(text: string): Code {
    return respond(this.correlation, Status.Error, utf8(text));
  }
}

export function header(name: string): string | null {
  const n = utf8(name);
  argPtr = __pin(ptr(n)); // readOut allocates: the name must not move or be collected
  argLen = n.byteLength;
  const v = readOut(64, (b: usize, c: i32): i32 => sys_msg_header(argPtr, argLen, b, c));
  __unpin(argPtr);
  return lastCode < 0 ? null : String.UTF8.decode(v);
}

// How a request ended, given to Component.onCallback.
export class Outcome {
  constructor(public status: Status, public payload: ArrayBuffer) {}
  get ok(): bool { return this.status == Status.OK; }
  get text(): string { return String.UTF8.decode(this.payload); } // the answer or the reason
  get statusName(): string {
    switch (this.status) {
      case Status.OK: return "OK";
      case Status.Error: return "ERROR";
      case Status.Timeout: return "TIMEOUT";
    }
    return "FAILED";
  }
}

// Answers a request this component received (now or later): Status.OK or Status.Error.
export function respond(correlation: i64, status: Status, payload: ArrayBuffer): Code {
  return <Code>sys_respond(correlation, status, ptr(payload), payload.byteLength);
}

export function send(target: string, payload: ArrayBuffer): Code {
  const t = utf8(target);
  return <Code>sys_send(ptr(t), t.byteLength, ptr(payload), payload.byteLength);
}

export function sendText(target: string, text: string): Code {
  return send(target, utf8(text));
}

// A request id (> 0) whose outcome comes to onCallback, or a negative Code. timeoutMs 0: the
// runtime's default.
export function request(target: string, payload: ArrayBuffer, timeoutMs: i32 = 0): i64 {
  const t = utf8(target);
  return sys_request(ptr(t), t.byteLength, ptr(payload), payload.byteLength, timeoutMs);
}

export function requestText(target: string, text: string, timeoutMs: i32 = 0): i64 {
  return request(target, utf8(text), timeoutMs);
}

export function cancel(id: i64): Code {
  return <Code>sys_cancel(id);
}

export function publish(topic: string, payload: ArrayBuffer): Code {
  const t = utf8(topic);
  return <Code>sys_publish(ptr(t), t.byteLength, ptr(payload), payload.byteLength);
}

export function subscribe(pattern: string): Code {
  const p = utf8(pattern);
  return <Code>sys_subscribe(ptr(p), p.byteLength);
}

export function unsubscribe(pattern: string): Code {
  const p = utf8(pattern);
  return <Code>sys_unsubscribe(ptr(p), p.byteLength);
}

// ---- services ----
export function selfName(): string {
  return String.UTF8.decode(readOut(64, (b: usize, c: i32): i32 => sys_self_name(b, c)));
}

export function config(): ArrayBuffer {
  return readOut(64, (b: usize, c: i32): i32 => sys_config(b, c));
}

export function configText(): string {
  return String.UTF8.decode(config());
}

export function nowMs(): i64 {
  return sys_now_ms();
}

export function log(level: Level, text: string): void {
  const t = utf8(text);
  sys_log(level, ptr(t), t.byteLength);
}

// Storage: null if the key is not stored (or the call was refused: kvLastCode says which).
export function kvGet(key: string): ArrayBuffer | null {
  const k = utf8(key);
  argPtr = __pin(ptr(k)); // readOut allocates: the key must not move or be collected
  argLen = k.byteLength;
  const v = readOut(64, (b: usize, c: i32): i32 => sys_kv_get(argPtr, argLen, b, c));
  __unpin(argPtr);
  return lastCode < 0 ? null : v;
}

export function kvLastCode(): Code {
  return <Code>lastCode;
}

export function kvSet(key: string, value: ArrayBuffer): Code {
  const k = utf8(key);
  return <Code>sys_kv_set(ptr(k), k.byteLength, ptr(value), value.byteLength);
}

export function kvDelete(key: string): Code {
  const k = utf8(key);
  return <Code>sys_kv_delete(ptr(k), k.byteLength);
}

// A timer id (> 0) or a negative Code: sends after delayMs, then every periodMs if > 0.
export function sendAfter(target: string, payload: ArrayBuffer, delayMs: i32, periodMs: i32 = 0): i64 {
  const t = utf8(target);
  return sys_send_after(ptr(t), t.byteLength, ptr(payload), payload.byteLength, delayMs, periodMs);
}

export function timerCancel(timer: i64): Code {
  return <Code>sys_timer_cancel(timer);
}

// A header of the answer to a pending request, set before respond (":status": HTTP status).
export function respondHeader(correlation: i64, name: string, value: string): Code {
  const n = utf8(name);
  const v = utf8(value);
  return <Code>sys_respond_header(correlation, ptr(n), n.byteLength, ptr(v), v.byteLength);
}

// ---- children, monitors, upgrade state, outbound HTTP ----
// Starts a child SELF.SUFFIX from a manifest template (the `spawn` grant).
export function spawn(template: string, suffix: string, config: ArrayBuffer): Code {
  const t = utf8(template);
  const s = utf8(suffix);
  return <Code>sys_spawn(ptr(t), t.byteLength, ptr(s), s.byteLength, ptr(config), config.byteLength);
}

export function stop(name: string): Code {
  const n = utf8(name);
  return <Code>sys_stop(ptr(n), n.byteLength);
}

// A reference (> 0): when that component stops for good, a message from "@down" with the
// payload "NAME REASON" arrives. Negative: a Code.
export function monitor(name: string): i64 {
  const n = utf8(name);
  return sys_monitor(ptr(n), n.byteLength);
}

export function demonitor(reference: i64): Code {
  return <Code>sys_demonitor(reference);
}

// In an upgrade: the old version saves (from a handler of the upgrade), the new one loads in
// init; stateLoad gives null on an ordinary start (stateLastCode says why).
export function stateSave(data: ArrayBuffer): Code {
  return <Code>sys_state_save(ptr(data), data.byteLength);
}

export function stateLoad(): ArrayBuffer | null {
  const v = readOut(256, (b: usize, c: i32): i32 => sys_state_load(b, c));
  return lastCode < 0 ? null : v;
}

export function stateLastCode(): Code {
  return <Code>lastCode;
}

// An outbound HTTP request (the `http` grant): an id whose callback carries the response body
// (":status" and the headers through header()), or a negative Code. headers: "name: value"
// lines joined by "\n".
export function httpRequest(method: string, url: string, headers: string, body: ArrayBuffer, timeoutMs: i32 = 0): i64 {
  const m = utf8(method);
  const u = utf8(url);
  const h = utf8(headers);
  return sys_http_request(ptr(m), m.byteLength, ptr(u), u.byteLength, ptr(h), h.byteLength,
    ptr(body), body.byteLength, timeoutMs);
}

// ---- the component ----
export abstract class Component {
  // On every (re)start; false: failed to start.
  init(): bool { return true; }
  // One message. A request may be answered now or later (keep msg.correlation).
  abstract onMessage(msg: Message): void;
  // The outcome of one of this component's requests.
  onCallback(id: i64, outcome: Outcome): void {}
  onShutdown(): void {}
  // Before a hot upgrade replaces this version (if the module exports wactor_on_upgrade):
  // save state with stateSave; false aborts the upgrade.
  onUpgrade(): bool { return true; }
}

let registered: Component | null = null;

// Declares the component; call it once, at the top level of the module.
export function register(component: Component): void {
  registered = component;
}

function theComponent(): Component {
  const c = registered;
  if (c == null) {
    log(Level.Error, "no component registered (wactor.register)");
    unreachable();
  }
  return changetype<Component>(c);
}

export function wactor_init(): i32 {
  return theComponent().init() ? 0 : 1;
}

export function wactor_on_message(senderLen: i32, payloadLen: i32, correlation: i64): i32 {
  const sender = readOut(senderLen, (b: usize, c: i32): i32 => sys_msg_sender(b, c));
  const payload = readOut(payloadLen, (b: usize, c: i32): i32 => sys_msg_payload(b, c));
  const topic = readOut(0, (b: usize, c: i32): i32 => sys_msg_topic(b, c));
  theComponent().onMessage(
    new Message(String.UTF8.decode(sender), payload, String.UTF8.decode(topic), correlation),
  );
  return 0;
}

export function wactor_on_callback(correlation: i64, status: i32, payloadLen: i32): i32 {
  const payload = readOut(payloadLen, (b: usize, c: i32): i32 => sys_msg_payload(b, c));
  theComponent().onCallback(correlation, new Outcome(<Status>status, payload));
  return 0;
}

export function wactor_on_shutdown(): void {
  theComponent().onShutdown();
}

export function wactor_on_upgrade(): i32 {
  return theComponent().onUpgrade() ? 0 : 1;
}

// AssemblyScript's abort (a failed assertion, an index out of range, `throw`): logged, then
// the component traps, which the runtime handles as a crash.
export function wactorAbort(message: string | null, file: string | null, line: u32, column: u32): void {
  // The compiler may pass null for either: test the pointers, not the declared types.
  const text = changetype<usize>(message) ? changetype<string>(message) : "";
  const where = changetype<usize>(file) ? changetype<string>(file) : "?";
  log(Level.Error, "abort: " + text + " at " + where + ":" + line.toString() + ":" + column.toString());
  unreachable();
}
