/**
 * @module Checkers for the two export formats, written from their specifications rather than from
 * our exporter: the Trace Event Format (Chrome / Perfetto: complete slices, flow events, async
 * events, metadata) and ShiViz's log (its parser regex and the vector clock rules its model checks:
 * js/model/modelGraph.js in the ShiViz repository).
 */

interface AnyEvent {
  readonly name?: unknown;
  readonly ph?: unknown;
  readonly pid?: unknown;
  readonly tid?: unknown;
  readonly ts?: unknown;
  readonly dur?: unknown;
  readonly cat?: unknown;
  readonly id?: unknown;
  readonly bp?: unknown;
  readonly s?: unknown;
  readonly args?: Record<string, unknown>;
}

interface Slice {
  readonly ts: number;
  readonly end: number;
  readonly event: AnyEvent;
}

/**
 * Problems of a Trace Event Format document (empty = valid): every event well-formed; per thread,
 * complete slices nest; every flow (`cat`, `name`, `id`) has exactly one start `s` and one end `f`
 * (with `bp: "e"`, binding to its enclosing slice), in time order, each strictly inside a slice of
 * its thread; every async `b` has its `e`; every `B` its `E`.
 */
export function traceEventProblems(document: unknown): string[] {
  const problems: string[] = [];
  const events = (Array.isArray(document) ? document : (document as { traceEvents?: unknown })?.traceEvents) as AnyEvent[] | undefined;
  if (!Array.isArray(events)) return ['no traceEvents array'];
  const slices = new Map<string, Slice[]>();
  const open = new Map<string, number>();
  const flows = new Map<string, AnyEvent[]>();
  const asyncs = new Map<string, { b: number; e: number }>();
  events.forEach((event, i) => {
    const at = `event ${i} (${String(event.ph)} ${String(event.name)})`;
    if (typeof event.name !== 'string') problems.push(`${at}: name is not a string`);
    if (!Number.isInteger(event.pid) || !Number.isInteger(event.tid)) problems.push(`${at}: pid/tid are not integers`);
    if (event.ph === 'M') {
      if (!['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index'].includes(String(event.name))) problems.push(`${at}: unknown metadata`);
      return;
    }
    if (typeof event.ts !== 'number' || !Number.isFinite(event.ts) || event.ts < 0) problems.push(`${at}: ts is not a time in µs`);
    const ts = event.ts as number;
    const thread = `${String(event.pid)}:${String(event.tid)}`;
    switch (event.ph) {
      case 'X':
        if (typeof event.dur !== 'number' || !(event.dur >= 0)) problems.push(`${at}: a complete slice needs dur >= 0`);
        else slices.set(thread, [...(slices.get(thread) ?? []), { ts, end: ts + event.dur, event }]);
        break;
      case 'B':
        open.set(thread, (open.get(thread) ?? 0) + 1);
        break;
      case 'E':
        open.set(thread, (open.get(thread) ?? 0) - 1);
        if ((open.get(thread) ?? 0) < 0) problems.push(`${at}: E without B`);
        break;
      case 's':
      case 't':
      case 'f': {
        if (event.id === undefined) problems.push(`${at}: a flow event needs an id`);
        const key = `${String(event.cat)}|${String(event.name)}|${String(event.id)}`;
        flows.set(key, [...(flows.get(key) ?? []), event]);
        break;
      }
      case 'b':
      case 'e': {
        const key = `${String(event.cat)}|${String(event.name)}|${String(event.id)}|${String(event.pid)}`;
        const entry = asyncs.get(key) ?? { b: NaN, e: NaN };
        if (event.ph === 'b') entry.b = ts;
        else entry.e = ts;
        asyncs.set(key, entry);
        break;
      }
      case 'i':
      case 'I':
        if (event.s !== undefined && !['g', 'p', 't'].includes(String(event.s))) problems.push(`${at}: instant scope must be g, p or t`);
        break;
      default:
        problems.push(`${at}: unexpected phase`);
    }
  });
  for (const [thread, count] of open) if (count !== 0) problems.push(`thread ${thread}: ${count} B without E`);
  // Complete slices of one thread nest: sorted by start (longest first), each lies inside the last open one.
  for (const [thread, list] of slices) {
    list.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const stack: Slice[] = [];
    for (const slice of list) {
      while (stack.length > 0 && stack[stack.length - 1]!.end <= slice.ts) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent !== undefined && slice.end > parent.end) problems.push(`thread ${thread}: slice "${String(slice.event.name)}" [${slice.ts}, ${slice.end}] overlaps "${String(parent.event.name)}" [${parent.ts}, ${parent.end}]`);
      stack.push(slice);
    }
  }
  const enclosing = (event: AnyEvent): Slice | undefined => {
    const list = slices.get(`${String(event.pid)}:${String(event.tid)}`) ?? [];
    const ts = event.ts as number;
    // The innermost slice that strictly contains the flow event.
    let best: Slice | undefined;
    for (const slice of list) if (slice.ts < ts && ts < slice.end && (best === undefined || slice.end - slice.ts < best.end - best.ts)) best = slice;
    return best;
  };
  for (const [key, list] of flows) {
    const starts = list.filter((e) => e.ph === 's');
    const ends = list.filter((e) => e.ph === 'f');
    if (starts.length !== 1 || ends.length !== 1) {
      problems.push(`flow ${key}: ${starts.length} starts and ${ends.length} ends`);
      continue;
    }
    const [start, end] = [starts[0]!, ends[0]!];
    if ((end.ts as number) < (start.ts as number)) problems.push(`flow ${key}: ends before it starts`);
    if (end.bp !== 'e') problems.push(`flow ${key}: its end does not bind to the enclosing slice (bp: "e")`);
    if (enclosing(start) === undefined) problems.push(`flow ${key}: no slice encloses its start`);
    if (enclosing(end) === undefined) problems.push(`flow ${key}: no slice encloses its end`);
  }
  for (const [key, { b, e }] of asyncs) if (!(e >= b)) problems.push(`async ${key}: begin ${b} without a later end (${e})`);
  return problems;
}

/** The innermost complete slice on the flow event's thread that strictly contains it. */
export function sliceEnclosing(document: { traceEvents: AnyEvent[] }, flow: AnyEvent): AnyEvent | undefined {
  let best: AnyEvent | undefined;
  for (const event of document.traceEvents) {
    if (event.ph !== 'X' || event.pid !== flow.pid || event.tid !== flow.tid) continue;
    const ts = event.ts as number;
    const end = ts + (event.dur as number);
    if (ts < (flow.ts as number) && (flow.ts as number) < end && (best === undefined || end - ts < (best.dur as number))) best = event;
  }
  return best;
}

export interface ShivizEvent {
  readonly host: string;
  readonly clock: Record<string, number>;
  readonly event: string;
  readonly line: number;
}

/**
 * Parses a ShiViz upload file: line 1 the parser regex, line 2 the execution delimiter (empty), then
 * the log, which the regex (JavaScript named groups, global) reads as ShiViz does.
 */
export function parseShiviz(text: string): { regex: string; events: ShivizEvent[] } {
  const [regex, delimiter, ...rest] = text.split('\n');
  if (regex === undefined || delimiter !== '') throw new Error('expected the regex on line 1 and an empty delimiter line 2');
  const log = rest.join('\n');
  const parser = new RegExp(regex, 'g');
  const events: ShivizEvent[] = [];
  for (const match of log.matchAll(parser)) {
    const groups = match.groups!;
    events.push({ host: groups['host']!, clock: JSON.parse(groups['clock']!) as Record<string, number>, event: groups['event']!, line: log.slice(0, match.index).split('\n').length + 2 });
  }
  return { regex, events };
}

/**
 * What ShiViz's model would reject (empty = accepted): a host's own clock values must run 1, 2, 3 …
 * (modelGraph.js initPrevNext); every entry must name a host of the log within its number of events
 * (initParentChild); and each clock must be the join of the host's previous clock and the clocks of
 * the events it newly depends on, plus one for its own event (stepThroughAndVerify).
 */
export function shivizProblems(events: readonly ShivizEvent[]): string[] {
  const problems: string[] = [];
  const byHost = new Map<string, ShivizEvent[]>();
  for (const event of events) byHost.set(event.host, [...(byHost.get(event.host) ?? []), event]);
  for (const [host, list] of byHost) {
    list.forEach((event, i) => {
      if (event.clock[host] !== i + 1) problems.push(`line ${event.line}: ${host}'s own clock is ${event.clock[host]}, expected ${i + 1}`);
    });
  }
  const at = (host: string, time: number): ShivizEvent | undefined => byHost.get(host)?.[time - 1];
  for (const [host, list] of byHost) {
    let previous: Record<string, number> = {};
    for (const event of list) {
      const expected: Record<string, number> = { ...previous };
      for (const [other, time] of Object.entries(event.clock)) {
        if (other === host || time === 0) continue;
        const parent = at(other, time);
        if (parent === undefined) {
          problems.push(`line ${event.line}: clock entry ${other}:${time} names no event`);
          continue;
        }
        if ((previous[other] ?? 0) < time) for (const [k, v] of Object.entries(parent.clock)) expected[k] = Math.max(expected[k] ?? 0, v);
      }
      expected[host] = (previous[host] ?? 0) + 1;
      const clean = (clock: Record<string, number>): string => JSON.stringify(Object.fromEntries(Object.entries(clock).filter(([, v]) => v !== 0).sort()));
      if (clean(expected) !== clean(event.clock)) problems.push(`line ${event.line}: clock ${clean(event.clock)}, ShiViz expects ${clean(expected)}`);
      previous = event.clock;
    }
  }
  return problems;
}
