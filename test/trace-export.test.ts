/**
 * The exports of a trace, checked against their formats: the Trace Event JSON for Perfetto and
 * chrome://tracing (every flow has one start and one end, each bound to its own message's slice;
 * every slice closes and nests), and the ShiViz log (read by ShiViz's regex; vector clocks that its
 * model accepts). And the Lamport diagram draws what the trace holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadExperiment, parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { toChromeTrace } from '../harness/trace/chrome.ts';
import { toShiviz, SHIVIZ_REGEX } from '../harness/trace/shiviz.ts';
import { renderLamportSvg } from '../harness/trace/lamport.ts';
import { messagesOf } from '../harness/trace/model.ts';
import type { Trace } from '../harness/trace/events.ts';
import { parseShiviz, shivizProblems, sliceEnclosing, traceEventProblems } from './support/trace-formats.ts';

const TRACE_ALL = { fromMs: 0, toMs: null, nodes: null, maxEvents: 10_000 };

/** Held, never-released and released frames, a revert (configs/examples/schedule-abd-*.yaml). */
async function runScheduled(): Promise<Trace[]> {
  const out: Trace[] = [];
  for (const file of ['configs/examples/schedule-abd-held-write.yaml', 'configs/examples/schedule-abd-revert-violation.yaml']) {
    out.push((await runOnce({ ...loadExperiment(file).runs[0]!, trace: TRACE_ALL })).trace!);
  }
  return out;
}

/** A closed-loop M-PoWerStore run with a lying server, a reader, uniform latency and a crash. */
async function runBusy(): Promise<Trace> {
  const config = parseConfig({
    name: 'export-busy',
    seed: 3,
    protocol: { name: 'm-powerstore', t: 1 },
    network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 3 } },
    faults: [
      { type: 'byzantine', node: 's4', strategy: 'forge' },
      { type: 'crash', node: 'w2', atMs: 7 },
    ],
    workload: { writers: 2, readers: 2, valueBytes: 64, operations: 24 },
    trace: true,
  });
  return (await runOnce(resolveExperiment(config).runs[0]!)).trace!;
}

const scheduled = runScheduled();
const busy = runBusy();
const scheduledTraces = (): Promise<Trace[]> => scheduled;
const busyTrace = (): Promise<Trace> => busy;

test('Perfetto / chrome://tracing JSON: every flow has a start and an end on its message, every slice closes and nests', async () => {
  for (const trace of [...(await scheduledTraces()), await busyTrace()]) {
    const chrome = toChromeTrace(trace);
    const document = JSON.parse(JSON.stringify(chrome)) as typeof chrome;
    assert.deepEqual(traceEventProblems(document), [], trace.header.run);
    // One flow per message with both a send and an arrival in the trace, each bound to that message's slices.
    const messages = messagesOf(trace);
    const complete = messages.filter((m) => m.sendT !== null && (m.deliverT ?? m.dropT) !== null);
    const starts = document.traceEvents.filter((e) => e.ph === 's');
    assert.equal(starts.length, complete.length);
    for (const start of starts) {
      const end = document.traceEvents.find((e) => e.ph === 'f' && e.id === start.id)!;
      const sent = sliceEnclosing(document, start)!;
      const arrived = sliceEnclosing(document, end)!;
      assert.equal(sent.cat, 'message');
      assert.equal(arrived.cat, 'message');
      assert.equal(sent.args!['type'], start.name);
      assert.deepEqual([sent.args!['from'], sent.args!['to'], sent.args!['seq']], [arrived.args!['from'], arrived.args!['to'], arrived.args!['seq']]);
    }
    // One track per node, named; an operation slice per operation.
    const names = document.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!['name']);
    assert.ok(trace.header.nodes.servers.every((s) => names.includes(s)));
    const calls = trace.events.filter((e) => e.ev === 'call').length;
    assert.equal(document.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'operation').length, calls);
  }
  // The held-write run holds 4 frames: 4 async "held" slices, each with a begin and an end.
  const [held] = await scheduledTraces();
  assert.equal(toChromeTrace(held!).traceEvents.filter((e) => e.ph === 'b' && e.cat === 'held').length, 4);
});

test('the Trace Event checker finds a flow without an end, overlapping slices, an unbound flow', async () => {
  const [held] = await scheduledTraces();
  const document = toChromeTrace(held!);
  const firstEnd = document.traceEvents.findIndex((e) => e.ph === 'f');
  const noEnd = { ...document, traceEvents: document.traceEvents.filter((_, i) => i !== firstEnd) };
  assert.match(traceEventProblems(noEnd).join('\n'), /flow message\|\w+\|1: 1 starts and 0 ends/);
  // The first slice of a server's track made to end half-way through the second.
  const [first, second] = document.traceEvents.filter((e) => e.ph === 'X' && e.pid === document.traceEvents.find((m) => m.name === 'thread_name' && m.args!['name'] === 's1')!.pid);
  const longer = document.traceEvents.map((e) => (e === first ? { ...e, dur: second!.ts! - first!.ts! + second!.dur! / 2 } : e));
  assert.match(traceEventProblems({ ...document, traceEvents: longer }).join('\n'), /overlaps/);
  const unbound = document.traceEvents.map((e) => (e.ph === 'f' ? { ...e, ts: 1e12 } : e));
  assert.match(traceEventProblems({ ...document, traceEvents: unbound }).join('\n'), /no slice encloses its end/);
});

test('ShiViz log: its regex reads every event, and its model accepts every vector clock', async () => {
  // ShiViz's default parser regex (its input page: "If left empty, the default regular expression ... will be used").
  assert.equal(SHIVIZ_REGEX, String.raw`(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`);
  for (const trace of [...(await scheduledTraces()), await busyTrace()]) {
    const { regex, events } = parseShiviz(toShiviz(trace));
    assert.equal(regex, SHIVIZ_REGEX);
    // Every trace event but holds, releases and drops is a ShiViz event.
    assert.equal(events.length, trace.events.filter((e) => e.ev !== 'hold' && e.ev !== 'release' && e.ev !== 'drop').length);
    assert.deepEqual(shivizProblems(events), [], trace.header.run);
  }
  // The revert run by hand: r1's receipt of s1's GET_ACK is r1's 5th event (its call, 3 GETs, this).
  // s1 sent that GET_ACK as its 7th event (w1's GET_TS in, its ack out, w1's PUT in, its ack out, the
  // revert, r1's GET in, the GET_ACK out), so after w1's PUT to s1: w1's 7th event (its call, 3
  // GET_TS, the acks of s1 and s2, then that PUT), which knew s2's 2nd event (s2's GET_TS_ACK).
  const [, revert] = await scheduledTraces();
  const { events } = parseShiviz(toShiviz(revert!));
  const receipt = events.find((e) => e.host === 'r1' && e.event.startsWith('receive GET_ACK from s1'))!;
  assert.deepEqual(receipt.clock, { r1: 5, s1: 7, s2: 2, w1: 7 });
  // And the checker rejects a clock that forgets what the message carried.
  const forgetful = events.map((e) => (e === receipt ? { ...e, clock: { r1: 5, s1: 7, w1: 7 } } : e));
  assert.match(shivizProblems(forgetful).join('\n'), /ShiViz expects/);
});

test('the Lamport diagram draws every message of its window: arrows, held frames, lies', async () => {
  const [, revert] = await scheduledTraces();
  const svg = renderLamportSvg(revert!);
  // 22 messages, each its own group with a title; 4 held frames (never released) in orange.
  assert.equal((svg.match(/<g class="message">/g) ?? []).length, 22);
  assert.equal((svg.match(/stroke="#e6550d" stroke-width="3.5"/g) ?? []).length, 4);
  // s1's two messages after its revert (GET_ACK, PUT_ACK to r1) are dashed, as a faulty sender's; and the legend's.
  assert.equal((svg.match(/stroke-dasharray="6 3"\/>/g) ?? []).length, 2 + 1);
  const busy = await busyTrace();
  const lies = busy.events.filter((e) => e.ev === 'send' && e.lie === true).length;
  assert.ok(lies > 0);
  assert.equal((renderLamportSvg(busy).match(/stroke="#d62728" stroke-width="2.2"/g) ?? []).length, lies + 1, 'a red cross per lie, and one in the legend');
  // --ops: only those operations and their messages.
  const one = renderLamportSvg(revert!, { ops: [1] });
  assert.equal((one.match(/<g class="message">/g) ?? []).length, 12);
});
