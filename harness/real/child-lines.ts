/**
 * @module The lines that the real engine's child processes print on stdout (one JSON object per
 * line, with an `event` field), as zod schemas: the processes build them with these types and the
 * engine validates what it reads with the same schemas, so the two sides cannot drift apart.
 *
 * Server process (`quorumbench serve`):
 *   {"event":"ready","id":"s1","address":"127.0.0.1:7001","protocol":"abd","behaviour":"honest","pid":1234}
 *   {"event":"fault","node":"s1","action":"crash","cause":"faults[0]: afterMessages 40","atSharedUs":81234567}
 *   {"event":"stats","id":"s1","storedBytes":1061,"rejected":{},"dropped":{},"sent":{"messages":800,"bytes":431200},
 *    "initiated":{"messages":0,"bytes":0},"initiatedCpuNs":0,"replies":[[0,3,93],[1,3,1149]]}
 * Client process (`quorumbench client-process`):
 *   {"event":"ready","clients":["w1","r2"],"pid":1234}
 *   {"event":"activity"}            (at most every 100 ms while frames arrive: the engine's idle detection)
 *   {"event":"done","client":"w1","result":{...OpResult}}
 *   {"event":"stats","clients":["w1","r2"],"rejected":{},"dropped":{},"sent":{"messages":800,"bytes":431200}}
 */
import { z } from 'zod';

const count = z.number().int().min(0);
const traffic = z.strictObject({ messages: count, bytes: count });
const counts = z.record(z.string(), count);

export const serverReadyLine = z.strictObject({
  event: z.literal('ready'),
  id: z.string(),
  address: z.string(),
  protocol: z.string(),
  behaviour: z.string(),
  pid: z.number().int(),
});

/** A fault the server process applied itself; its time is on the shared timebase (wall-clock.ts), µs. */
export const serverFaultLine = z.strictObject({
  event: z.literal('fault'),
  node: z.string(),
  action: z.string(),
  cause: z.string(),
  atSharedUs: z.number(),
});

export const serverStatsLine = z.strictObject({
  event: z.literal('stats'),
  id: z.string(),
  storedBytes: count,
  rejected: counts,
  dropped: counts,
  sent: traffic,
  initiated: traffic,
  initiatedCpuNs: z.number().min(0),
  /** `[operation index, messages, bytes]` of the replies this server sent, per operation. */
  replies: z.array(z.tuple([count, count, count])),
});

export const clientReadyLine = z.strictObject({
  event: z.literal('ready'),
  clients: z.array(z.string()),
  pid: z.number().int(),
});

export const opResultSchema = z.strictObject({
  index: count,
  status: z.enum(['ok', 'crashed', 'failed', 'indefinite']),
  callNs: z.number(),
  returnNs: z.number(),
  rounds: count,
  retries: count,
  value: z.string().nullable(),
  sent: traffic,
  initiated: traffic,
  initiatedCpuNs: z.array(z.number()).readonly(),
});

export const clientDoneLine = z.strictObject({
  event: z.literal('done'),
  client: z.string(),
  result: opResultSchema,
});

export const clientStatsLine = z.strictObject({
  event: z.literal('stats'),
  clients: z.array(z.string()),
  rejected: counts,
  dropped: counts,
  sent: traffic,
});

export type ServerReadyLine = z.infer<typeof serverReadyLine>;
export type ServerFaultLine = z.infer<typeof serverFaultLine>;
export type ServerStatsLine = z.infer<typeof serverStatsLine>;
export type ClientReadyLine = z.infer<typeof clientReadyLine>;
export type ClientDoneLine = z.infer<typeof clientDoneLine>;
export type ClientStatsLine = z.infer<typeof clientStatsLine>;

/** Prints one line of a child process (stdout). */
export function printLine(line: ServerReadyLine | ServerFaultLine | ServerStatsLine | ClientReadyLine | ClientDoneLine | ClientStatsLine | { event: 'activity' }): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Validates a line the engine read from a child; a mismatch is a bug between the two sides. */
export function parseChildLine<T>(schema: z.ZodType<T>, line: unknown, child: string): T {
  const parsed = schema.safeParse(line);
  if (!parsed.success) throw new Error(`${child}: unexpected line ${JSON.stringify(line).slice(0, 300)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Commands the engine writes to a client process's stdin, one JSON object per line. */
export const clientCommand = z.discriminatedUnion('cmd', [
  /** First: the engine clock's start (a CLOCK_MONOTONIC reading in ns, decimal), so times agree. */
  z.strictObject({ cmd: z.literal('clock'), startNs: z.string().regex(/^\d{1,30}$/) }),
  z.strictObject({
    cmd: z.literal('invoke'),
    client: z.string(),
    request: z.strictObject({
      index: count,
      kind: z.enum(['read', 'write']),
      key: z.string(),
      value: z.string().nullable(),
      valueBytes: count,
      crash: z.strictObject({ afterRound: count, sendTo: count }).optional(),
    }),
  }),
  z.strictObject({ cmd: z.literal('crash'), client: z.string() }),
]);
export type ClientCommand = z.infer<typeof clientCommand>;
