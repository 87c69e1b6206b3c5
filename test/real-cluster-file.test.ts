/**
 * Cluster files of `quorumbench serve`: what they resolve to, and one-line errors naming the field and
 * value for bad ones (exit status 2 from the command).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../harness/config/errors.ts';
import { parseClusterFile, parseHostPort } from '../harness/real/cluster-file.ts';
import { PROJECT_ROOT, SERVE_ENTRY } from '../harness/real/launch.ts';
import { writeTestSecret } from './support/auth.ts';

const base = {
  seed: 9,
  protocol: { name: 'abd', t: 1 },
  workload: { writers: 1, readers: 2 },
};

function errorOf(data: unknown): string {
  try {
    parseClusterFile(data);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  return 'no error';
}

describe('real engine: cluster files', () => {
  it('resolves protocol, seed, addresses and a per-server strategy', () => {
    const file = parseClusterFile({
      ...base,
      expectViolation: true,
      cluster: { s1: '127.0.0.1:7001', s2: 'host-b:7002', s3: { address: '[::1]:7003', strategy: 'silent' } },
    });
    assert.equal(file.run.protocol.name, 'abd');
    assert.equal(file.run.seed, 9);
    assert.equal(file.run.n, 3);
    assert.deepEqual(file.run.cluster.writers, ['w1']);
    assert.deepEqual(file.run.cluster.readers, ['r1', 'r2']);
    assert.deepEqual(Object.fromEntries(file.addresses), {
      s1: { host: '127.0.0.1', port: 7001 },
      s2: { host: 'host-b', port: 7002 },
      s3: { host: '::1', port: 7003 },
    });
    assert.deepEqual(file.run.faults, [{ type: 'byzantine', node: 's3', strategy: 'silent' }]);
  });

  it('takes the addresses from real.servers when there is no cluster section (one file for both sides)', () => {
    const file = parseClusterFile({ ...base, engine: 'real', real: { servers: { s1: 'a:1', s2: 'b:2', s3: 'c:3' } } });
    assert.deepEqual(file.addresses.get('s3'), { host: 'c', port: 3 });
  });

  it('names the field and the value of every bad input', () => {
    const three = { s1: 'a:1', s2: 'b:2', s3: 'c:3' };
    assert.equal(errorOf({ ...base, cluster: { ...three, s3: 'c:99999' } }), 'cluster.s3: expected host:port, got "c:99999"');
    assert.equal(errorOf({ ...base, cluster: { ...three, s3: 'nocolon' } }), 'cluster.s3: expected host:port, got "nocolon"');
    assert.equal(errorOf({ ...base, cluster: { s1: 'a:1', s2: 'b:2' } }), 'cluster.s3: missing address of server s3 (n=3)');
    assert.equal(errorOf({ ...base, cluster: { ...three, s4: 'd:4' } }), 'cluster.s4: no such server, the cluster has s1..s3');
    assert.equal(errorOf({ ...base, cluster: { ...three, w1: 'd:4' } }), 'cluster.w1: must be a server id like s1, got "w1"');
    assert.equal(errorOf(base), 'cluster: required (server id → host:port), or real.servers, got nothing');
    assert.equal(errorOf({ ...base, cluster: three, runId: 'run 7' }), 'runId: expected 1..64 characters of A-Z a-z 0-9 _ . -, got "run 7"');
    assert.match(errorOf({ ...base, protocol: { name: 'nope', t: 1 }, cluster: three }), /^protocol\.name: unknown protocol "nope"/);
    // A Byzantine server in a crash-tolerant protocol exceeds its tolerance unless expectViolation.
    assert.match(errorOf({ ...base, cluster: { ...three, s3: { address: 'c:3', strategy: 'silent' } } }), /^faults: .*exceed abd's tolerance/);
  });

  it('parses host:port with a port 0 only where allowed', () => {
    assert.deepEqual(parseHostPort('0.0.0.0:0', '--listen', true), { host: '0.0.0.0', port: 0 });
    assert.throws(() => parseHostPort('0.0.0.0:0', 'cluster.s1'), /cluster\.s1: expected host:port, got "0\.0\.0\.0:0"/);
  });

  it('serve exits with status 2 and one line on a bad cluster file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorumbench-cluster-'));
    try {
      const path = join(dir, 'cluster.yaml');
      writeFileSync(path, 'seed: 1\nprotocol: { name: abd, t: 1 }\ncluster: { s1: "a:1", s2: "b:2", s3: "c:x" }\n');
      const result = spawnSync(process.execPath, ['--import', 'tsx', SERVE_ENTRY, '--id', 's1', '--listen', '127.0.0.1:0', '--cluster', path, '--secret-file', writeTestSecret(dir)], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      });
      assert.equal(result.status, 2);
      assert.equal(result.stderr, 'quorumbench serve: cluster.s3: expected host:port, got "c:x"\n');
      assert.equal(result.stdout, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
