/**
 * @module The {@link Clients} of a real-engine run whose workload clients run in client processes
 * (`real.clientProcesses: K`): each operation goes to the process hosting its client as an `invoke`
 * command, and its result comes back as a `done` line (child-lines.ts).
 */
import type { NodeId } from '../../protocols/types.ts';
import type { Clients, OpRequest, OpResult } from '../host/clients.ts';
import { clientDoneLine, parseChildLine, type ClientCommand } from './child-lines.ts';
import type { ChildLine, ChildProcessHandle } from './processes.ts';

export class RemoteClients implements Clients {
  private readonly pending = new Map<NodeId, { readonly index: number; readonly done: (result: OpResult) => void }>();
  /** Set when the run is over: late reports must not change the history. */
  closed = false;

  constructor(
    private readonly clientOf: ReadonlyMap<NodeId, ChildProcessHandle>,
    private readonly onActivity: () => void,
  ) {}

  has(client: NodeId): boolean {
    return this.clientOf.has(client);
  }

  invoke(client: NodeId, request: OpRequest, done: (result: OpResult) => void): void {
    const child = this.clientOf.get(client);
    if (child === undefined) throw new RangeError(`real engine: ${client} is not a remote client`);
    this.pending.set(client, { index: request.index, done });
    this.onActivity();
    this.write(child, { cmd: 'invoke', client, request });
  }

  crash(client: NodeId): void {
    const child = this.clientOf.get(client);
    if (child !== undefined) this.write(child, { cmd: 'crash', client });
  }

  /** The process hosting `client` is gone: its operation will never report. */
  forget(child: ChildProcessHandle): void {
    for (const [client, host] of this.clientOf) if (host === child) this.pending.delete(client);
  }

  /** A line from a client process; true = consumed (not kept in the child's `lines`). */
  onLine(line: ChildLine, child: ChildProcessHandle): boolean {
    if (line.event === 'activity') {
      if (!this.closed) this.onActivity();
      return true;
    }
    if (line.event !== 'done') return false;
    if (this.closed) return true;
    this.onActivity();
    const { client, result } = parseChildLine(clientDoneLine, line, child.name);
    const pending = this.pending.get(client);
    if (pending === undefined || pending.index !== result.index) {
      process.stderr.write(`quorumbench real engine: unexpected report from ${child.name}: ${JSON.stringify(line)}\n`);
      return true;
    }
    this.pending.delete(client);
    pending.done(result);
    return true;
  }

  private write(child: ChildProcessHandle, command: ClientCommand): void {
    child.writeLine(JSON.stringify(command));
  }
}
