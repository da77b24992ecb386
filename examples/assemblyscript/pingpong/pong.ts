// pong: answers each request "ping I" with "pong I" (the AssemblyScript twin of
// examples/pingpong/pong.c).
import * as wactor from "../../../sdk/assemblyscript/wactor";

class Pong extends wactor.Component {
  onMessage(msg: wactor.Message): void {
    if (!msg.isRequest) return; // nobody waits for an answer
    const text = msg.text;
    if (text.startsWith("ping ")) msg.respondText("pong " + text.substring(5));
    else msg.respondError('pong: expected "ping N"');
  }
}

wactor.register(new Pong());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../../sdk/assemblyscript/wactor";
