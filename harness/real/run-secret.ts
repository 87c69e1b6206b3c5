/**
 * @module The run secret of a real-engine run, and every key derived from it.
 *
 * The harness draws 32 random bytes (node:crypto) for each run, never from the seed, and hands them
 * to every process it starts as a hex file readable only by its owner (mode 0600, in the run's
 * private temporary folder). Hand-started servers read theirs with `serve --secret-file`, and the
 * harness of a run against them names the same file in `real.secretFile` (docs/multi-host.md).
 *
 * From the secret, each with its own label (HMAC-SHA-256 keyed by the secret, so that no derived key
 * reveals the secret or another key):
 * - a node key per node id, which proves that node's id at a connection's handshake (handshake.ts);
 * - the channel key, which proves that a connection belongs to the run and keys the per-frame MACs;
 * - the TLS pre-shared key (`real.channels: tls`);
 * - the setup stream: the protocol's key material (M-PoWerStore's MAC keys, the signed baseline's
 *   writer keys), identical in every process of the run, as the simulator's comes from the seed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { NodeId, RandomSource } from '../../protocols/types.ts';
import { ConfigError, showValue } from '../config/errors.ts';

export const RUN_SECRET_BYTES = 32;

/** Run ids are 16 hex characters (64 random bits): two runs never share one by chance. */
const RUN_ID_BYTES = 8;

/** A fresh secret for one run (a CSPRNG, never the seed). */
export function newRunSecret(): Uint8Array {
  return new Uint8Array(randomBytes(RUN_SECRET_BYTES));
}

/** A fresh run id: what a server serves, checked at every connection's handshake. */
export function newRunId(): string {
  return randomBytes(RUN_ID_BYTES).toString('hex');
}

/** A run id is 1..64 characters of `[A-Za-z0-9_.-]` (the generated ones are 16 hex characters). */
export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value);
}

/** What a secret file holds: the secret as hex, one line ({@link readSecretFile} reads it). */
export function secretFileText(secret: Uint8Array): string {
  return `${Buffer.from(secret).toString('hex')}\n`;
}

/**
 * Writes the secret as hex to a new file that only its owner can read. `wx` refuses to follow or
 * overwrite anything already there (the folder is the run's own private one).
 */
export function writeSecretFile(path: string, secret: Uint8Array): void {
  writeFileSync(path, secretFileText(secret), { mode: 0o600, flag: 'wx' });
}

/**
 * Reads a secret file (64 hex characters, surrounding whitespace ignored). A file that its group or
 * others may read is refused, as ssh refuses such a private key: the secret would not be one.
 */
export function readSecretFile(path: string, field: string): Uint8Array {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${field}: cannot read secret file ${showValue(path)}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${field}: secret file ${showValue(path)} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 on it`);
  }
  const hex = text.trim();
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== 2 * RUN_SECRET_BYTES) {
    throw new ConfigError(`${field}: secret file ${showValue(path)} must hold ${2 * RUN_SECRET_BYTES} hex characters (${RUN_SECRET_BYTES} random bytes), got ${hex.length} characters`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function derive(secret: Uint8Array, label: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(`quorumbench/v1/${label}`).digest());
}

/** The keys a process needs for its connections (handshake.ts). */
export interface ChannelKeys {
  /** Proves that a connection belongs to the run; keys the per-frame MACs. */
  readonly channel: Uint8Array;
  /** The key that proves node `id` (undefined: this process cannot prove `id`). */
  node(id: NodeId): Uint8Array | undefined;
  /** TLS pre-shared key (`real.channels: tls`). */
  readonly tlsPsk: Uint8Array;
}

/** Every key of the run, derived from its secret. */
export function channelKeysOf(secret: Uint8Array): ChannelKeys {
  const nodeKeys = new Map<NodeId, Uint8Array>();
  return {
    channel: derive(secret, 'channel'),
    tlsPsk: derive(secret, 'tls-psk'),
    node(id) {
      let key = nodeKeys.get(id);
      if (key === undefined) nodeKeys.set(id, (key = derive(secret, `node/${id}`)));
      return key;
    },
  };
}

/**
 * The protocol setup's random source of a real run: a deterministic stream keyed by the secret, the
 * KDF in counter mode of NIST SP 800-108 with HMAC-SHA-256 (block i = HMAC(k, i as 8 bytes)). Every
 * process draws the same bytes in the same order (harness/host/setup.ts makes the calls), so they
 * all hold the same setup, and nobody without the secret can compute it.
 */
export function secretSetupRandom(secret: Uint8Array): RandomSource {
  const key = derive(secret, 'setup');
  let block = 0;
  let buffered = new Uint8Array(0);
  return {
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        if (buffered.length === 0) {
          const counter = Buffer.alloc(8);
          counter.writeBigUInt64BE(BigInt(block++));
          buffered = new Uint8Array(createHmac('sha256', key).update(counter).digest());
        }
        const take = Math.min(buffered.length, length - filled);
        out.set(buffered.subarray(0, take), filled);
        buffered = buffered.subarray(take);
        filled += take;
      }
      return out;
    },
  };
}
