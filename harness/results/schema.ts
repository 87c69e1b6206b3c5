/**
 * @module The shape of `summary.json` and `runs.csv`: the contract between the runner (which writes
 * them), `compare` (regression CI), `reproduce` (charts, report) and anyone reading the results.
 *
 * An experiment is one config; it expands into runs (sweep points × repetitions), each with its
 * own derived seed. Simulated runs are a pure function of (config, seed): nothing here may depend
 * on wall-clock time for `engine: sim` (so same config + seed ⇒ byte-identical summary.json).
 */
import type { CostProfile } from '../cost/profile.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

export type OpKind = 'read' | 'write';
export type Verdict = 'ok' | 'violation' | 'unknown';

export interface LatencyStats {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Statistics of one operation kind in one run; warm-up excluded. */
export interface OpStats {
  /** Completed (status ok) operations counted in the statistics. */
  readonly count: number;
  readonly failed: number;
  readonly pending: number;
  /** Latency in milliseconds (simulated time for `sim`, wall-clock for `real`). */
  readonly latencyMs: LatencyStats;
  readonly rounds: { readonly mean: number; readonly max: number; readonly histogram: Readonly<Record<string, number>> };
  /** Reads that needed more rounds than the protocol's normal worst case. */
  readonly retries: number;
  /** Messages (both directions) attributed to operations of this kind, per operation. */
  readonly messagesPerOp: number;
  readonly bytesPerOp: number;
  readonly clientToServerBytesPerOp: number;
  readonly serverToClientBytesPerOp: number;
  /** Simulated CPU time per operation, by primitive (hash, hmac, sign, verify, encode, decode, message), in ns. */
  readonly cpuNsPerOp: Readonly<Record<string, number>>;
}

/** What a run reports about one host (summary.json `hosts`, and the console). */
export interface HostReport {
  /** The SSH destination, `user@host`. */
  readonly host: string;
  /** The address its servers listen on. */
  readonly address: string;
  readonly servers: readonly string[];
  readonly clientProcesses: number;
  /** Node's version there, e.g. `v20.20.2`. */
  readonly node: string;
  /** The git commit of the project there (the same as here: checked). */
  readonly commit: string;
  /** Whether its uncommitted changes to tracked files are the same as this checkout's. */
  readonly sameLocalChanges: boolean;
  /** Its system clock minus this host's, ms (positive: ahead). */
  readonly clockOffsetMs: number;
  /** The bound on that offset's error (half the shortest ping round trip), ms. */
  readonly clockOffsetErrorMs: number;
}

export interface RunResult {
  /** Unique within the experiment, e.g. `protocol=abd,valueBytes=1024#0`. */
  readonly id: string;
  /** The swept parameters of this run and the main fixed ones, flat (protocol, t, n, valueBytes, ...). */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly seed: number;
  readonly repetition: number;
  readonly verdict: Verdict;
  /**
   * The checker decides per key (registers are independent): the keys whose verdict is not `ok`,
   * with that verdict. Absent when every key is linearizable.
   */
  readonly keyVerdicts?: Readonly<Record<string, Verdict>>;
  /** Whether this run's config declared that a violation is expected (faults beyond tolerance). */
  readonly expectViolation: boolean;
  readonly ops: Readonly<Partial<Record<OpKind, OpStats>>>;
  readonly throughputOpsPerS: number;
  /** Measured span of the run (after warm-up), in ms. */
  readonly durationMs: number;
  readonly messages: { readonly total: number; readonly clientToServer: number; readonly serverToClient: number };
  readonly bytes: { readonly total: number; readonly clientToServer: number; readonly serverToClient: number };
  /**
   * Messages servers sent on their own initiative (FILTER_UPDATE) that reached no running operation,
   * their bytes, and the CPU (ns) that producing and receiving them cost: work that counts for no
   * operation (attribution rule: harness/host/attribution.ts).
   */
  readonly backgroundMessages: number;
  readonly backgroundBytes: number;
  readonly backgroundCpuNs: number;
  /** Bytes held per server at the end of the run, index i ↔ server s(i+1). */
  readonly storageBytesPerServer: readonly number[];
  /** Hostile or malformed messages rejected, by reason. */
  readonly rejectedMessages: Readonly<Record<string, number>>;
  /** Which erasure codec and crypto provider ran. */
  readonly codec: string;
  readonly crypto: string;
  /**
   * Faults of the config's `faults` section as they took effect (ms on the run's clock), including
   * crashes by message count that a server process carried out itself. Absent when there are none.
   */
  readonly appliedFaults?: readonly { readonly atMs: number; readonly node: string; readonly action: string; readonly cause: string }[];
  /**
   * Only for a run that `maxDurationMs` stopped (virtual ms in the simulator, wall ms on the real
   * engine): its workload was not done, so its figures cover only the operations that ran.
   */
  readonly timeLimitReachedAtMs?: number;
  /**
   * Only for configs with a fault `schedule`: the actions as applied (virtual ms, index into
   * `schedule`, action, frames handed on), frames ever held, and frames still held at the end.
   */
  readonly schedule?: {
    readonly applied: readonly { readonly atMs: number; readonly index: number; readonly action: string; readonly delivered: number }[];
    readonly heldTotal: number;
    readonly heldAtEnd: number;
  };
  /**
   * Only for traced runs (config `trace`): the trace file (relative to the output folder), the events
   * it holds, the events the bound `trace.maxEvents` left out, from the time it was reached (ms), and
   * (real engine) the processes whose events may be missing.
   */
  readonly trace?: {
    readonly file: string;
    readonly events: number;
    readonly notRecorded: number;
    readonly boundReachedAtMs: number | null;
    readonly incomplete?: readonly string[];
  };
  /**
   * Only for real-engine runs on other hosts (`real.hosts`): each host as checked before the run,
   * with its clock offset.
   */
  readonly hosts?: readonly HostReport[];
}

export interface ExperimentSummary {
  readonly schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  readonly name: string;
  readonly engine: 'sim' | 'real';
  readonly seed: number;
  /** The validated config, as run. */
  readonly config: unknown;
  /**
   * `sha256:<hex>` of the config without the fields that do not change results (./digest.ts), written
   * with summary.json; `compare` warns when it differs between the two sides of an experiment.
   */
  readonly configDigest?: string;
  readonly costProfile: CostProfile;
  /** git commit, Node version, CPU model: the same on the same checkout and machine. */
  readonly meta: Readonly<Record<string, string | number>>;
  readonly runs: readonly RunResult[];
}

/** The fixed leading columns of `runs.csv` (one row per run and op kind); more may follow. */
export const RUNS_CSV_COLUMNS = [
  'experiment',
  'run',
  'repetition',
  'seed',
  'protocol',
  't',
  'n',
  'valueBytes',
  'op',
  'count',
  'latencyMsMean',
  'latencyMsP50',
  'latencyMsP90',
  'latencyMsP99',
  'latencyMsP999',
  'latencyMsMax',
  'roundsMean',
  'roundsMax',
  'retries',
  'messagesPerOp',
  'bytesPerOp',
  'throughputOpsPerS',
  'backgroundMessages',
  'backgroundBytes',
  'backgroundCpuNs',
  'verdict',
] as const;
