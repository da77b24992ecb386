// worker: answers each request with its payload transformed, chosen by the component's
// `config:` text: "upper" (ASCII letters upper-cased) or "reverse" (the text reversed
// character by character). The AssemblyScript twin of examples/fanout/worker.c.
import * as wactor from "../../../sdk/assemblyscript/wactor";

class Worker extends wactor.Component {
  upper: bool = false;

  // A bad configuration is a failure to start: the runtime reports it and restarts by policy.
  init(): bool {
    const cfg = wactor.configText();
    if (cfg == "upper") this.upper = true;
    else if (cfg != "reverse") {
      wactor.log(wactor.Level.Error, 'worker: config must be "upper" or "reverse"');
      return false;
    }
    return true;
  }

  onMessage(msg: wactor.Message): void {
    if (!msg.isRequest) return; // nobody waits for an answer
    const text = msg.text;
    if (this.upper) {
      // ASCII letters only, as the C and Rust workers do.
      const codes = new Array<i32>(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        codes[i] = c >= 97 && c <= 122 ? c - 32 : c;
      }
      msg.respondText(String.fromCharCodes(codes));
      return;
    }
    // By code points, so that characters outside the BMP keep their surrogate pairs.
    const chars = new Array<string>();
    for (let i = 0; i < text.length; ) {
      const c = text.codePointAt(i);
      chars.push(String.fromCodePoint(c));
      i += c > 0xffff ? 2 : 1;
    }
    msg.respondText(chars.reverse().join(""));
  }
}

wactor.register(new Worker());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../../sdk/assemblyscript/wactor";
