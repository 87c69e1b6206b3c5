/**
 * @module The run's operation records and the attribution sinks the hosts write into (the rule is
 * harness/host/attribution.ts): replies and CPU counted where they happen, operation results merged
 * when the client reports them, and what no operation may claim kept as the run's background.
 */
import type { OpResult } from '../host/clients.ts';
import { BACKGROUND, newCpuVector, type CpuLedger } from '../host/meter.ts';
import type { ReplyCounts } from '../host/server-report.ts';
import type { ReplyLedger } from '../host/server-host.ts';
import { addTraffic, countMessage, noTraffic, type Traffic } from '../host/traffic.ts';
import type { OpRecord } from '../metrics/index.ts';

export class RunLedger implements CpuLedger, ReplyLedger {
  /** Every operation, by issue index (records[i].index === i). */
  readonly records: OpRecord[] = [];
  /** Server-initiated messages (and the CPU that produced them) that reached a running operation. */
  readonly initiatedAttributed: Traffic = noTraffic();
  initiatedCpuAttributedNs = 0;
  /** CPU of clients receiving initiated messages that reached no running operation. */
  backgroundReceiveCpuNs = 0;

  cpu(target: number, primitive: number, ns: number): void {
    if (target === BACKGROUND) {
      this.backgroundReceiveCpuNs += ns;
      return;
    }
    const record = this.records[target]!;
    (record.cpuNs ??= newCpuVector())[primitive]! += ns;
  }

  reply(tag: number, bytes: number): void {
    // A tag an external node made up (it is echoed from what the node wrote) finds no record.
    const record = this.records[tag - 1];
    if (record !== undefined) countMessage(record.traffic.serverToClient, bytes);
  }

  /** An external node's (or the harness's lin-kv) request message for the operation of `tag`. */
  request(tag: number, bytes: number): void {
    const record = this.records[tag - 1];
    if (record !== undefined) countMessage(record.traffic.clientToServer, bytes);
  }

  /** Replies that servers in other processes counted, per operation index; unknown indices are ignored. */
  addReplies(replies: ReplyCounts): void {
    for (const [index, messages, bytes] of replies) {
      const record = this.records[index];
      if (record === undefined) continue;
      addTraffic(record.traffic.serverToClient, { messages, bytes });
    }
  }

  /** What the client reported for `record`: its own messages, initiated messages it got, their CPU. */
  addResult(record: OpRecord, result: OpResult): void {
    addTraffic(record.traffic.clientToServer, result.sent);
    addTraffic(record.traffic.serverToClient, result.initiated);
    addTraffic(this.initiatedAttributed, result.initiated);
    if (result.initiatedCpuNs.length === 0) return;
    const cpu = (record.cpuNs ??= newCpuVector());
    for (let i = 0; i < result.initiatedCpuNs.length; i++) {
      cpu[i]! += result.initiatedCpuNs[i]!;
      this.initiatedCpuAttributedNs += result.initiatedCpuNs[i]!;
    }
  }
}
