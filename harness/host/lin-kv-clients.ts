/**
 * @module The workload's clients for external nodes: each operation becomes a Maelstrom `lin-kv`
 * request (`read` or `write`, with the register as `key`), and its reply or error ends it in the
 * history (harness/external/maelstrom.ts): a reply returns it, a definite error fails it (no
 * effect), an indefinite error or no reply within `timeoutMs` leaves it pending (it may or may not
 * take effect), and the client goes on with its next operation.
 *
 * With `clientRole: servers` (Maelstrom's model) a client sends its requests over the network model
 * to one server node (client i to server i mod n; after a timeout or an indefinite error, to the
 * next one). With `clientRole: clients` every workload client is a node of its own
 * (external-host.ts) that gets its requests from the harness directly, with no network in between,
 * as the built-in protocols' clients get their operations.
 */
import type { NodeId } from '../../protocols/types.ts';
import { ExternalFrame } from '../external/external-frame.ts';
import { envelopeLine, linKvOutcome, linKvRequest, linKvValue, type Body, type LinKvOutcome } from '../external/maelstrom.ts';
import type { ExternalSettings } from '../external/settings.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Clock, Frame } from '../transport/types.ts';
import { NS_PER_MS } from '../units.ts';
import { opTag } from './attribution.ts';
import type { Clients, OpRequest, OpResult } from './clients.ts';
import type { HostContext } from './context.ts';
import type { ExternalLedger, ExternalNodeHost } from './external-host.ts';
import { NO_OPERATION, type NodeMeter } from './meter.ts';
import { countMessage, noTraffic, type Traffic } from './traffic.ts';

interface Pending {
  readonly request: OpRequest;
  readonly msgId: number;
  readonly callNs: number;
  readonly done: (result: OpResult) => void;
}

interface Client {
  readonly id: NodeId;
  readonly meter: NodeMeter;
  /** clientRole clients: the client's own node. */
  readonly node: ExternalNodeHost | undefined;
  /** clientRole servers: the server its requests go to now (index), and its own msg_id counter. */
  server: number;
  nextMsgId: number;
  pending: Pending | null;
  crashed: boolean;
}

export class LinKvClients implements Clients {
  /** The harness's own requests that crossed the network (clientRole servers). */
  readonly sent: Traffic = noTraffic();
  private readonly clients = new Map<NodeId, Client>();
  private readonly timeoutNs: number;

  constructor(
    private readonly context: HostContext,
    private readonly settings: ExternalSettings,
    private readonly clock: Clock,
    private readonly ledger: ExternalLedger,
    ids: readonly NodeId[],
    nodes: ReadonlyMap<NodeId, ExternalNodeHost>,
  ) {
    this.timeoutNs = settings.timeoutMs * NS_PER_MS;
    const servers = context.run.cluster.servers.length;
    ids.forEach((id, i) => {
      const node = nodes.get(id);
      const client: Client = { id, meter: context.meterOf(id), node, server: i % servers, nextMsgId: 1, pending: null, crashed: false };
      this.clients.set(id, client);
      if (node !== undefined) {
        node.onHarnessMessage = (body) => this.reply(client, body);
      } else {
        context.ports.attach(id, (_from, frame) => {
          if (!client.crashed) context.ports.exec(id, replyTask, this, client, frame);
        });
      }
    });
  }

  has(client: NodeId): boolean {
    return this.clients.has(client);
  }

  invoke(id: NodeId, request: OpRequest, done: (result: OpResult) => void): void {
    const client = this.clients.get(id);
    if (client === undefined) throw new RangeError(`lin-kv clients: ${id} is not a workload client`);
    if (client.pending !== null) throw new RangeError(`lin-kv clients: ${id} got operation ${request.index} while ${client.pending.request.index} runs`);
    const callNs = this.context.ports.nowNs();
    const tag = opTag(request.index);
    const value = request.value === null ? null : linKvValue(request.value, request.valueBytes);
    const node = client.node;
    const msgId = node !== undefined ? node.newHarnessMsgId() : client.nextMsgId++;
    const body = linKvRequest(request.kind, request.key, value, msgId);
    client.pending = { request, msgId, callNs, done };
    if (client.crashed) return this.finish(client, { status: 'crashed' });
    if (node !== undefined) {
      node.request(body, tag);
    } else {
      const server = this.context.run.cluster.servers[client.server]!;
      const line = envelopeLine(id, server, body);
      const frame = new ExternalFrame(body, line, Buffer.byteLength(line), tag);
      countMessage(this.sent, frame.jsonBytes);
      this.ledger.request(tag, frame.jsonBytes);
      this.context.ports.send(id, server, frame);
    }
    this.clock.schedule(callNs + this.timeoutNs, () => {
      if (client.pending?.msgId === msgId && client.pending.request === request) this.finish(client, { status: 'indefinite', code: 0, rounds: 0 });
    });
  }

  crash(id: NodeId): void {
    const client = this.clients.get(id);
    if (client === undefined || client.crashed) return;
    client.crashed = true;
    client.node?.crash();
    if (client.pending !== null) this.finish(client, { status: 'crashed' });
  }

  /** A reply frame from a server node (clientRole servers), as a task of the client. */
  receive(client: Client, frame: Frame): void {
    if (client.crashed) return;
    const pending = client.pending;
    client.meter.target = frame.tag > 0 ? frame.tag - 1 : NO_OPERATION;
    if (this.context.messageCost) client.meter.charge('message', frameWireSize(frame));
    client.meter.target = NO_OPERATION;
    if (pending !== null) this.reply(client, frame.msg as Body);
  }

  private reply(client: Client, body: Body): void {
    const pending = client.pending;
    if (pending === null || body.in_reply_to !== pending.msgId) return;
    this.finish(client, linKvOutcome(pending.request.kind, body));
  }

  private finish(client: Client, outcome: LinKvOutcome | { readonly status: 'crashed' }): void {
    const pending = client.pending!;
    client.pending = null;
    // After a timeout or an indefinite error, Maelstrom-style clients try another server next time.
    if (outcome.status === 'indefinite' && client.node === undefined) client.server = (client.server + 1) % this.context.run.cluster.servers.length;
    pending.done({
      index: pending.request.index,
      status: outcome.status,
      callNs: pending.callNs,
      returnNs: this.context.ports.nowNs(),
      rounds: 'rounds' in outcome ? outcome.rounds : 0,
      retries: 0,
      value: outcome.status === 'ok' ? outcome.value : null,
      sent: noTraffic(),
      initiated: noTraffic(),
      initiatedCpuNs: [],
    });
  }
}

/** The task function of a reply (engine.exec passes up to three arguments). */
function replyTask(clients: LinKvClients, client: Client, frame: Frame): void {
  clients.receive(client, frame);
}
