// component-b (and component-c: the same module), in AssemblyScript: the receiving side of the
// reference plan's tests (as_test.sh). It keeps the last message that was not a request.
//   a send      recorded: its sender and payload
//   report      answers "from SENDER: PAYLOAD" (or "nothing")
//   echo TEXT   answers TEXT
//   ignore      never answered
//   abort       throws: AssemblyScript aborts, the component crashes, the requester gets FAILED
import * as wactor from "../../sdk/assemblyscript/wactor";

class Receiver extends wactor.Component {
  last: string | null = null;

  onMessage(msg: wactor.Message): void {
    if (!msg.isRequest) {
      this.last = "from " + msg.sender + ": " + msg.text;
      return;
    }
    const text = msg.text;
    if (text == "report") {
      const last = this.last;
      msg.respondText(last != null ? last : "nothing");
    } else if (text.startsWith("echo ")) msg.respondText(text.substring(5));
    else if (text == "ignore") return;
    else if (text == "abort") throw new Error("asked to abort");
    else msg.respondError(wactor.selfName() + ": unknown request");
  }
}

wactor.register(new Receiver());
export { wactor_init, wactor_on_message, wactor_on_callback, wactor_on_shutdown } from "../../sdk/assemblyscript/wactor";
