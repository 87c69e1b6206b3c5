/**
 * @module The linearizability checker: `checkHistory` judges a history of registers (per key), and
 * on a violation gives a small excerpt and an HTML timeline (`renderTimelineHtml`).
 *
 * Each key is checked on its own (P-compositionality, Herlihy & Wing 1990 §3.3). A key whose
 * operations are reads and writes with unique written values goes to the O(n log n) read-mapping
 * check (fast-register.ts); any other key goes to the Wing & Gong / Lowe search (search.ts), under
 * the time limit, which makes the verdict three-valued.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { entryFile, workerUrl } from '../entry-points.ts';
import { checkKeyOps, epochNow, type KeyWork } from './_checkkey.ts';
import { splitByKey, splitColumns, type KeyOps, type SplitHistory } from './_keyops.ts';
import { checkUniqueRegister } from './fast-register.ts';
import { fastExcerpt, searchExcerpt, type RecordAt } from './excerpt.ts';
import type { HistoryColumns } from './scan-columns.ts';
import type { CheckOptions, CheckResult, CheckerRecord, KeyCheckResult, Verdict } from './types.ts';

export * from './types.ts';
export { parseJsonlCheckerHistory, parseJsonlHistory } from './parse-jsonl.ts';
export { parseJepsenLog } from './parse-jepsen.ts';
export { parseJepsenEdn } from './parse-edn.ts';
export { scanHistoryColumns, scanHistoryFile, type HistoryColumns } from './scan-columns.ts';
export { renderTimelineHtml, type TimelineHighlight } from './timeline.ts';
export { describeRecord } from './excerpt.ts';

/** Default time limit for a whole history. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Worker threads pay only when the search is long: starting one (a thread, plus tsx's loader when the
 * harness runs from sources) takes up to 0.5 s here, while the fast path decides a million operations in under a
 * second on the main thread. So helpers start only after the search has run this long.
 */
const WORKER_AFTER_MS = 300;


export async function checkHistory(records: readonly CheckerRecord[], opts: CheckOptions = {}): Promise<CheckResult> {
  const t0 = epochNow();
  return checkSplit(splitByKey(records, opts.model), (i) => records[i] as CheckerRecord, opts, t0);
}

/**
 * `checkHistory` for a history read as columns (scan-columns.ts): the same result, without an
 * object per operation; the few records an excerpt shows are read again from their lines.
 */
export async function checkColumns(history: HistoryColumns, opts: CheckOptions = {}): Promise<CheckResult> {
  const t0 = epochNow();
  return checkSplit(splitColumns(history), (i) => history.record(i), opts, t0);
}

async function checkSplit(split: SplitHistory, recordAt: RecordAt, opts: CheckOptions, t0: number): Promise<CheckResult> {
  const deadline = t0 + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const wantExcerpt = opts.excerpt ?? true;
  const model = opts.model ?? (split.hasCas ? 'cas-register' : 'register');

  // Fast-path keys are decided right away; the rest are searched (maybe in workers).
  const works = new Map<KeyOps, KeyWork>();
  const searchKeys: KeyOps[] = [];
  for (const ops of split.keys) {
    const started = epochNow();
    const fast = checkUniqueRegister(ops);
    if (fast.verdict === 'not-applicable') {
      searchKeys.push(ops);
      continue;
    }
    const elapsedMs = epochNow() - started;
    works.set(ops, fast.verdict === 'ok' ? { verdict: 'ok', method: 'fast', elapsedMs } : { verdict: 'violation', method: 'fast', elapsedMs, fast: fast.reason });
  }
  const results = await searchKeysAdaptive(searchKeys, deadline, wantExcerpt, opts.workers ?? 'auto');
  for (let i = 0; i < searchKeys.length; i++) works.set(searchKeys[i] as KeyOps, results[i] as KeyWork);
  return assemble(recordAt, split, works, model, t0);
}

function assemble(recordAt: RecordAt, split: SplitHistory, works: Map<KeyOps, KeyWork>, model: CheckResult['model'], t0: number): CheckResult {
  const perKey: KeyCheckResult[] = [];
  let verdict: Verdict = 'ok';
  let opCount = 0;
  let firstExcerpt: KeyCheckResult['excerpt'];
  let keysInWorkers = 0;
  for (const ops of split.keys) {
    const work = works.get(ops) as KeyWork;
    opCount += ops.n;
    if (work.inWorker === true) keysInWorkers++;
    let excerpt: KeyCheckResult['excerpt'];
    if (work.fast !== undefined) excerpt = fastExcerpt(ops, work.fast, recordAt, split.failedWriteIndexByKey.get(ops.key));
    else if (work.excerptIndices !== undefined) excerpt = searchExcerpt(ops, work.excerptIndices, work.minimal ?? false, work.cut ?? Infinity, recordAt);
    const result: KeyCheckResult = {
      key: ops.key,
      verdict: work.verdict,
      method: work.method,
      opCount: ops.n,
      elapsedMs: work.elapsedMs,
      ...(excerpt !== undefined ? { excerpt } : {}),
      ...(work.reason !== undefined ? { reason: work.reason } : {}),
    };
    perKey.push(result);
    if (work.verdict === 'violation') {
      verdict = 'violation';
      if (firstExcerpt === undefined) firstExcerpt = excerpt;
    } else if (work.verdict === 'unknown' && verdict === 'ok') {
      verdict = 'unknown';
    }
  }
  return {
    verdict,
    perKey,
    ...(firstExcerpt !== undefined ? { excerpt: firstExcerpt } : {}),
    model,
    opCount,
    elapsedMs: epochNow() - t0,
    keysInWorkers,
  };
}

/**
 * Searches keys, largest first, on the main thread; helper worker threads join in (pulling keys
 * from the same queue) once the search has taken WORKER_AFTER_MS with at least two keys left, or
 * from the start if `workers` is a number ≥ 2. Starting a worker costs up to half a second here
 * (a thread, plus tsx's loader when running from sources), so small histories never pay it.
 */
async function searchKeysAdaptive(keys: readonly KeyOps[], deadline: number, wantExcerpt: boolean, workers: number | 'auto'): Promise<KeyWork[]> {
  const results: KeyWork[] = new Array(keys.length);
  const queue = keys.map((_, i) => i).sort((a, b) => (keys[b] as KeyOps).n - (keys[a] as KeyOps).n);
  const helpersWanted = workers === 'auto' ? availableParallelism() - 1 : Math.max(0, workers - 1);
  const helpers: Promise<void>[] = [];
  const online: Promise<void>[] = [];
  const startHelpers = (): void => {
    let startUrl: URL;
    try {
      startUrl = workerUrl(entryFile('harness/cli/checker-worker'));
    } catch {
      return; // running from sources without tsx's loader to be found: stay single-threaded
    }
    for (let h = 0; h < helpersWanted && h < queue.length; h++) {
      let markOnline = (): void => {};
      online.push(new Promise<void>((resolve) => (markOnline = resolve)));
      helpers.push(
        new Promise<void>((resolve) => {
          const worker = new Worker(startUrl);
          let current = -1;
          worker.on('exit', () => {
            // Also covers a worker that dies without an 'error' event: its key goes back.
            if (current !== -1 && results[current] === undefined) queue.push(current);
            markOnline();
            resolve();
          });
          const feed = (): void => {
            const i = queue.shift();
            if (i === undefined) {
              void worker.terminate().then(() => resolve());
              return;
            }
            current = i;
            worker.postMessage({ ops: keys[i], deadline, wantExcerpt });
          };
          worker.on('message', (work: KeyWork) => {
            results[current] = work;
            feed();
          });
          worker.on('error', () => {
            // Give the key back to the main thread; the check must not depend on workers.
            if (current !== -1 && results[current] === undefined) queue.push(current);
            resolve();
          });
          // 'online' fires before the module (and its loader) is ready; the worker's first message
          // would queue up anyway, so feeding at 'online' is fine.
          worker.on('online', () => {
            markOnline();
            feed();
          });
        }),
      );
    }
  };
  const started = epochNow();
  if (workers !== 'auto' && helpersWanted > 0) {
    // A forced pool: let the helpers take their first keys before the main thread starts.
    startHelpers();
    await Promise.all(online);
  }
  for (;;) {
    const i = queue.shift();
    if (i === undefined) break;
    results[i] = checkKeyOps(keys[i] as KeyOps, deadline, wantExcerpt, epochNow);
    if (helpers.length === 0 && workers === 'auto' && helpersWanted > 0 && queue.length >= 2 && epochNow() - started > WORKER_AFTER_MS) startHelpers();
    // Let worker messages in (they hand over results and take the next key).
    if (helpers.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(helpers);
  // Keys a failed worker gave back.
  for (let i = queue.shift(); i !== undefined; i = queue.shift()) results[i] = checkKeyOps(keys[i] as KeyOps, deadline, wantExcerpt, epochNow);
  return results;
}
