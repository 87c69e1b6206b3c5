/**
 * @module A trace as a ShiViz log: each event is two lines, a one-line description and then
 * `<node> <vector clock as JSON>`, which ShiViz's default parser regex {@link SHIVIZ_REGEX} reads
 * (the `event`, `host` and `clock` groups it requires). The file starts with that regex and an empty
 * line (no delimiter between executions), the layout of ShiViz's "upload a log"; the lines after
 * them can also be pasted into its input box as they are.
 *
 * Vector clocks follow the algorithm ShiViz checks: a node's own entry counts its events from 1 up
 * by one; a send is an event of the sender; a delivery is an event of the receiver that first takes
 * the maximum with the clock the message carried from its send. ShiViz has no notion of a held or
 * dropped message: a hold shows in the delivery's description, and a drop (the receiver had crashed
 * and does nothing) is left out. A delivery whose send lies outside the trace's window is a local
 * event of the receiver.
 */
import { messageId, type Trace } from './events.ts';
import { messagesOf } from './model.ts';

/** ShiViz's default parser regex, which reads this log. */
export const SHIVIZ_REGEX = String.raw`(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`;

type Clock = Map<string, number>;

function tick(clocks: Map<string, Clock>, node: string): Clock {
  let clock = clocks.get(node);
  if (clock === undefined) clocks.set(node, (clock = new Map()));
  clock.set(node, (clock.get(node) ?? 0) + 1);
  return clock;
}

function clockJson(clock: Clock): string {
  return JSON.stringify(Object.fromEntries([...clock].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function ms(t: number): string {
  return `${Number.isInteger(t) ? t : Number(t.toFixed(6))} ms`;
}

export function toShiviz(trace: Trace): string {
  const clocks = new Map<string, Clock>();
  const carried = new Map<string, Clock>();
  const held = new Map(messagesOf(trace).filter((m) => m.holdT !== null).map((m) => [m.id, m]));
  const lines: string[] = [SHIVIZ_REGEX, ''];
  const emit = (node: string, clock: Clock, text: string): void => {
    lines.push(text, `${node} ${clockJson(clock)}`);
  };
  for (const event of trace.events) {
    switch (event.ev) {
      case 'call':
        emit(event.node, tick(clocks, event.node), `call #${event.op} ${event.kind}${event.kind === 'write' ? ` ${event.value}` : ''} on ${event.key} at ${ms(event.t)}`);
        break;
      case 'return':
        emit(event.node, tick(clocks, event.node), `return #${event.op}${event.status === 'crashed' ? ' (client crashed)' : event.value !== null ? ` → ${event.value}` : ''} at ${ms(event.t)}`);
        break;
      case 'send': {
        const clock = tick(clocks, event.from);
        carried.set(messageId(event), new Map(clock));
        const deviation = event.faulty === undefined ? '' : ` [sender ${event.faulty}${event.lie === true ? ', a lie' : ''}]`;
        emit(event.from, clock, `send ${event.type} to ${event.to} (${event.bytes} B, ${event.op === null ? 'no operation' : `op #${event.op}`})${deviation} at ${ms(event.t)}`);
        break;
      }
      case 'deliver': {
        let clock = clocks.get(event.to);
        if (clock === undefined) clocks.set(event.to, (clock = new Map()));
        const sent = carried.get(messageId(event));
        if (sent !== undefined) for (const [node, value] of sent) clock.set(node, Math.max(clock.get(node) ?? 0, value));
        tick(clocks, event.to);
        const hold = held.get(messageId(event));
        const heldText = hold === undefined ? '' : ` (held ${ms(hold.holdT!)} to ${hold.releaseT === null ? 'the end' : ms(hold.releaseT)})`;
        emit(event.to, clock, `receive ${event.type} from ${event.from}${heldText} at ${ms(event.t)}`);
        break;
      }
      case 'fault':
        emit(event.node, tick(clocks, event.node), `${event.action} (${event.cause}) at ${ms(event.t)}`);
        break;
      case 'hold':
      case 'release':
      case 'drop':
        break;
    }
  }
  return `${lines.join('\n')}\n`;
}
