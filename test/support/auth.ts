/**
 * @module Run secrets for tests that build TCP transports or start server processes by hand: a fixed
 * secret (tests must replay), its keys, and a secret file in a private folder.
 */
import { join } from 'node:path';
import type { ChannelMode } from '../../harness/real/frame.ts';
import { channelKeysOf, writeSecretFile } from '../../harness/real/run-secret.ts';
import type { TransportAuth } from '../../harness/real/tcp-transport.ts';

/** A fixed 32-byte secret (bytes 1..32). */
export const TEST_SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

export const TEST_RUN_ID = 'test-run';

/** Transport authentication with the test secret. */
export function testAuth(options: { runId?: string; channels?: ChannelMode; secret?: Uint8Array } = {}): TransportAuth {
  return { keys: channelKeysOf(options.secret ?? TEST_SECRET), channels: options.channels ?? 'plain', runId: options.runId ?? TEST_RUN_ID };
}

/** Writes `secret` (default the test secret) as `secret` in `dir` (mode 0600) and returns its path. */
export function writeTestSecret(dir: string, secret: Uint8Array = TEST_SECRET): string {
  const path = join(dir, 'secret');
  writeSecretFile(path, secret);
  return path;
}
