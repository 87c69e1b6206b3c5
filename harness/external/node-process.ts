/**
 * @module One external node's process: started from its command (through the child registry of
 * harness/real/processes.ts, so it never outlives the harness), initialised with Maelstrom's `init`
 * handshake, fed one message per line on stdin, its stdout lines parsed and handed on as they come.
 *
 * Lockstep (the simulator): after a message is written, {@link NodeProcess.settle} resolves when the
 * node is done with it: either it answered a `barrier` request sent right after the message (nodes
 * that opt in with `barrier: true`: exact), or it has written nothing for `quietMs` of wall-clock
 * time (any node: a slower answer than that lands later in virtual time, which is why such runs are
 * deterministic only as far as the node and the machine's load allow).
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { startCommand, type ChildLine, type ChildProcessHandle } from '../real/processes.ts';
import { envelopeLine, HARNESS_ID, initBody, parseEnvelope, type Body, type Envelope } from './maelstrom.ts';

/** What a node process reports to its host. */
export interface NodeProcessEvents {
  /** A message the node wrote, with its line's size in bytes (UTF-8, without the newline). */
  message(envelope: Envelope, bytes: number, line: string): void;
  /** A line that is not a message (counted by reason). */
  invalid(reason: string, line: string): void;
}

/** How long a barrier may take before the node is declared stuck, ms. */
const BARRIER_TIMEOUT_MS = 30_000;

export class NodeProcess {
  private readonly child: ChildProcessHandle;
  /** Bodies the harness is waiting for, by the msg_id they answer (init, barrier). */
  private readonly awaited = new Map<number, (body: Body) => void>();
  private nextMsgId = 1;
  private lastOutputMs = 0;
  /** Set when we kill it: an exit is then expected. */
  private killed = false;
  /** Why the program could not be started, if it could not. */
  private failure: string | undefined;

  constructor(
    readonly id: string,
    command: readonly string[],
    cwd: string,
    private readonly events: NodeProcessEvents,
  ) {
    const program = command[0]!;
    if (program.includes('/') && !existsSync(program)) throw new ConfigError(`protocol.command: no such program ${JSON.stringify(program)}`);
    if (!existsSync(cwd)) throw new ConfigError(`protocol.cwd: no such folder ${JSON.stringify(cwd)}`);
    this.child = startCommand(`external node ${id}`, command, cwd, (line, _handle, text) => this.onLine(line, text));
    void this.child.child.then((result) => {
      if (result.failed && result.exitCode === undefined && result.signal === undefined) this.failure = result.shortMessage;
    });
  }

  /** Settles when the process has exited, for whatever reason. */
  get exited(): Promise<void> {
    return this.child.done;
  }

  /** Whether it exited without being killed by the harness; how it ended and the end of its stderr. */
  unexpectedExit(): { readonly how: string; readonly stderr: string } | undefined {
    if (!this.child.exited || this.killed) return undefined;
    return { how: this.child.howItEnded, stderr: (this.failure ?? this.child.stderr).trim().slice(-600) };
  }

  /** The `init` handshake: resolves on `init_ok`, rejects if the node exits or takes longer than `timeoutMs`. */
  async init(nodeIds: readonly string[], role: 'server' | 'client', timeoutMs: number): Promise<void> {
    const msgId = this.newMsgId();
    const reply = this.await(msgId, timeoutMs, 'init');
    this.write(envelopeLine(HARNESS_ID, this.id, initBody(msgId, this.id, nodeIds, role)));
    const body = await reply;
    if (body.type !== 'init_ok') throw new Error(`external node ${this.id}: answered init with ${JSON.stringify(body).slice(0, 200)}, expected init_ok`);
  }

  /** A fresh msg_id of the harness's messages to this node (init, barrier, lin-kv requests). */
  newMsgId(): number {
    return this.nextMsgId++;
  }

  write(line: string): void {
    this.child.writeLine(line);
  }

  /** Lockstep: resolves once the node is done with what it was last given (see the module comment). */
  settle(quietMs: number, barrier: boolean): Promise<void> {
    if (this.child.exited) return Promise.resolve();
    if (barrier) {
      const msgId = this.newMsgId();
      // A node that dies meanwhile is done with it too (its host counts the exit as a crash).
      const reply = this.await(msgId, BARRIER_TIMEOUT_MS, 'barrier').then(
        () => undefined,
        (error: unknown) => {
          if (!this.child.exited) throw error;
        },
      );
      this.write(envelopeLine(HARNESS_ID, this.id, { type: 'barrier', msg_id: msgId }));
      return reply;
    }
    const writtenMs = performance.now();
    return new Promise<void>((resolve) => {
      const check = (): void => {
        const since = performance.now() - Math.max(writtenMs, this.lastOutputMs);
        if (since >= quietMs || this.child.exited) resolve();
        else setTimeout(check, Math.max(0.5, quietMs - since));
      };
      setTimeout(check, quietMs);
    });
  }

  kill(): void {
    this.killed = true;
    this.child.kill('SIGKILL');
  }

  /** Stops it (SIGTERM, then SIGKILL after `graceMs`) and waits for its exit. */
  async stop(graceMs = 1_000): Promise<void> {
    this.killed = true;
    await this.child.stop(graceMs);
  }

  private await(msgId: number, timeoutMs: number, what: string): Promise<Body> {
    return new Promise<Body>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.awaited.delete(msgId);
        reject(new Error(`external node ${this.id}: no ${what}_ok within ${timeoutMs} ms; stderr: ${this.child.stderr.trim().slice(-600) || '(empty)'}`));
      }, timeoutMs);
      this.awaited.set(msgId, (body) => {
        clearTimeout(timer);
        resolve(body);
      });
      void this.child.done.then(() => {
        if (!this.awaited.has(msgId)) return;
        this.awaited.delete(msgId);
        clearTimeout(timer);
        const stderr = (this.failure ?? this.child.stderr).trim().slice(-600) || '(empty)';
        const never = this.child.exitCode === undefined && this.child.signal === undefined;
        reject(new Error(`external node ${this.id} ${this.child.howItEnded}${never ? '' : ` before its ${what}_ok`}; stderr: ${stderr}`));
      });
    });
  }

  private onLine(line: ChildLine, text: string): boolean {
    this.lastOutputMs = performance.now();
    const envelope = parseEnvelope(line);
    if ('invalid' in envelope) {
      // ChildProcessHandle reads a line that is not JSON as {event: 'text'}.
      this.events.invalid(line.event === 'text' && Object.keys(line).length === 2 ? 'not-json' : envelope.invalid, text);
      return true;
    }
    const inReplyTo = envelope.body.in_reply_to;
    if (envelope.dest === HARNESS_ID && typeof inReplyTo === 'number') {
      const waiter = this.awaited.get(inReplyTo);
      if (waiter !== undefined) {
        this.awaited.delete(inReplyTo);
        waiter(envelope.body);
        return true;
      }
    }
    this.events.message(envelope, Buffer.byteLength(text), text);
    return true;
  }
}
