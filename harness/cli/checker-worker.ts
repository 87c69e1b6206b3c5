/**
 * @module Worker-thread entry: checks the keys the main thread sends (`{ ops, deadline, wantExcerpt }`)
 * and answers each with its `KeyWork`.
 */
import { parentPort } from 'node:worker_threads';
import { checkKeyOps, epochNow } from '../checker/_checkkey.ts';
import type { KeyOps } from '../checker/_keyops.ts';

interface Job {
  readonly ops: KeyOps;
  readonly deadline: number;
  readonly wantExcerpt: boolean;
}

const port = parentPort;
if (port === null) throw new Error('harness/cli/checker-worker.ts must run in a worker thread');
port.on('message', (job: Job) => {
  port.postMessage({ ...checkKeyOps(job.ops, job.deadline, job.wantExcerpt, epochNow), inWorker: true });
});
