/**
 * @module The mutants of `npm run test:mutants` (docs/mutants.md): each one a small textual change to
 * protocol code, as data. `find` must occur exactly once in `file` (the runner refuses to start
 * otherwise, naming the mutant), and is replaced by `replace` in a temporary copy of the tree only.
 *
 * To refresh a snippet after protocol code changed, edit `find` (and `replace`) here; nothing else
 * refers to the text. To add a protocol's mutants (e.g. CAS), append entries with its files, its
 * tests and its aimed swarm config: the format does not depend on the protocol.
 *
 * `tests` run in the order given (cheapest and likeliest killer first) and the runner stops at the
 * first failing one; then, if none failed, `swarm` seeds run one by one until one fails. A mutant
 * listed with `equivalent` cannot change any outcome the model allows; the sentence says why, and
 * it is still run (a kill would show the argument wrong).
 */

export interface MutantTest {
  readonly file: string;
  /** Only the tests whose name matches (node --test-name-pattern), to keep a run short. */
  readonly name?: string;
}

export interface Mutant {
  /** Unique, kebab-case: protocol prefix, then the rule broken. */
  readonly name: string;
  /** Which protocol's code it changes: its registry name, `powerstore-family` or `shared` (used by several). */
  readonly protocol: string;
  /** What the change breaks, in one sentence (printed in the table and in docs/mutants.md). */
  readonly breaks: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  readonly tests: readonly (string | MutantTest)[];
  /** A bounded swarm after the tests: `seeds` seeds of `config` from seed 1, stopping at the first failure. */
  readonly swarm?: { readonly config: string; readonly seeds: number };
  /** Set when the mutant cannot change behaviour: the argument (docs/mutants.md repeats it). */
  readonly equivalent?: string;
}

const ADVERSARY = 'test/adversary-thresholds.test.ts';
const QUORUMS = 'test/adversary-quorums.test.ts';
const STRATEGIES = 'test/adversary-strategies.test.ts';
const PS_SCHEDULES = 'test/powerstore-schedules.test.ts';
const PS_PROTOCOL = 'test/powerstore-protocol.test.ts';
const PS_RETENTION = 'test/powerstore-retention.test.ts';
const MPS_PROTOCOL = 'test/mpowerstore-protocol.test.ts';
const BFT_PROTOCOL = 'test/bft-signed-protocol.test.ts';
const BFT_ATOMICITY = 'test/bft-signed-atomicity.test.ts';
const BFT_RUNNER = 'test/bft-signed-runner.test.ts';
const ABD_CORE = 'test/core-abd.test.ts';
const ABD_PROPERTY = 'test/core-property.test.ts';
const FUZZ = 'test/fuzz-protocols.test.ts';
const atomicity = (protocol: string): MutantTest => ({ file: 'test/atomicity.test.ts', name: `^atomicity: ${protocol}$` });

const SWARM_SEEDS = 40;
const swarm = (protocol: string) => ({ config: `configs/swarm/${protocol}-aimed.yaml`, seeds: SWARM_SEEDS });

const SELECTION = 'protocols/common/powerstore/selection.ts';
const READER = 'protocols/common/powerstore/reader.ts';
const SERVER = 'protocols/common/powerstore/server.ts';
const WRITER = 'protocols/common/powerstore/writer.ts';

export const MUTANTS: readonly Mutant[] = [
  // ------------------------------------------------------------------ ABD (docs/protocols.md#abd)
  {
    name: 'abd-quorum-one-less',
    protocol: 'abd',
    breaks: 'quorum n − t replaced by n − t − 1: two quorums need not intersect',
    file: 'protocols/abd/client.ts',
    find: 'return replyQuorum(cluster.n, cluster.t);',
    replace: 'return replyQuorum(cluster.n, cluster.t) - 1;',
    tests: [QUORUMS, ABD_PROPERTY, ABD_CORE],
    swarm: swarm('abd'),
  },
  {
    name: 'abd-read-no-write-back',
    protocol: 'abd',
    breaks: 'a read returns after its query round, without writing back what it read',
    file: 'protocols/abd/client.ts',
    find: 'if (this.fastRead && this.unanimous) return { status: \'done\', send: [], value: this.value };',
    replace: 'return { status: \'done\', send: [], value: this.value };',
    tests: [QUORUMS, ABD_CORE],
    swarm: swarm('abd'),
  },
  {
    name: 'abd-server-accepts-older',
    protocol: 'abd',
    breaks: 'a server overwrites its value with any other timestamp, older ones included',
    file: 'protocols/abd/server.ts',
    find: 'if (compareTimestamps(msg.num, msg.writer, this.num, this.writer) > 0) {',
    replace: 'if (compareTimestamps(msg.num, msg.writer, this.num, this.writer) !== 0) {',
    tests: [QUORUMS, ABD_PROPERTY],
    swarm: swarm('abd'),
  },
  {
    name: 'abd-server-accepts-equal',
    protocol: 'abd',
    breaks: 'a server also overwrites on an equal timestamp',
    file: 'protocols/abd/server.ts',
    find: 'if (compareTimestamps(msg.num, msg.writer, this.num, this.writer) > 0) {',
    replace: 'if (compareTimestamps(msg.num, msg.writer, this.num, this.writer) >= 0) {',
    tests: [QUORUMS, ABD_PROPERTY],
    swarm: swarm('abd'),
    equivalent:
      'A timestamp (num, writer) names one write: a writer runs one operation at a time and its query quorum meets the quorum that acknowledged its previous write, so it never reuses a num; every PUT carrying that timestamp (the write and any write-back of it) carries the same value. Overwriting on equality writes the same bytes.',
  },
  {
    name: 'abd-read-picks-lowest',
    protocol: 'abd',
    breaks: 'a read keeps the lowest timestamp of its quorum instead of the highest',
    file: 'protocols/abd/client.ts',
    find: '        if (order > 0) {',
    replace: '        if (order < 0) {',
    tests: [QUORUMS, ABD_PROPERTY, ABD_CORE],
    swarm: swarm('abd'),
  },
  {
    name: 'abd-write-last-num',
    protocol: 'abd',
    breaks: 'a writer takes the last query reply\'s num instead of the maximum',
    file: 'protocols/abd/client.ts',
    find: 'if (msg.num > this.maxNum) this.maxNum = msg.num;',
    replace: 'this.maxNum = msg.num;',
    tests: [QUORUMS, ABD_PROPERTY],
    swarm: swarm('abd'),
  },
  {
    name: 'abd-write-reuses-num',
    protocol: 'abd',
    breaks: 'a writer reuses the highest num it saw instead of num + 1',
    file: 'protocols/abd/client.ts',
    find: 'num: this.maxNum + 1, writer: this.writer',
    replace: 'num: this.maxNum, writer: this.writer',
    tests: [QUORUMS, ABD_PROPERTY],
    swarm: swarm('abd'),
  },
  {
    name: 'shared-ts-writer-tiebreak-ignored',
    protocol: 'shared',
    breaks: 'timestamps (num, writer) with equal num compare equal whatever the writer',
    file: 'protocols/common/quorum.ts',
    find: '  return aWriter < bWriter ? -1 : 1;',
    replace: '  return 0;',
    tests: [QUORUMS, ABD_PROPERTY, MPS_PROTOCOL],
    swarm: swarm('abd'),
  },

  // ------------------------------------------------------------------ bft-signed (docs/protocols.md#bft-signed)
  {
    name: 'bft-quorum-t-plus-1',
    protocol: 'bft-signed',
    breaks: 'quorum 2t + 1 replaced by t + 1: quorums no longer meet in a correct server',
    file: 'protocols/common/quorum.ts',
    find: 'return Math.ceil((n + t + 1) / 2);',
    replace: 'return t + 1;',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-quorum-one-less',
    protocol: 'bft-signed',
    breaks: 'quorum 2t + 1 replaced by 2t: quorums meet in t servers, possibly all faulty',
    file: 'protocols/common/quorum.ts',
    find: 'return Math.ceil((n + t + 1) / 2);',
    replace: 'return Math.ceil((n + t + 1) / 2) - 1;',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-client-skips-signature',
    protocol: 'bft-signed',
    breaks: 'clients accept a version without verifying its writer\'s signature',
    file: 'protocols/bft-signed/client.ts',
    find: 'if (!this.env.crypto.ed25519Verify(publicKey, signedBytes(this.register, ts, hash), sig)) {',
    replace: 'if (false) {',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-server-skips-signature',
    protocol: 'bft-signed',
    breaks: 'servers store a newer PUT without verifying its signature',
    file: 'protocols/bft-signed/server.ts',
    find: 'if (!this.env.crypto.ed25519Verify(publicKey, signedBytes(this.register, ts, hash), msg.sig)) {',
    replace: 'if (false) {',
    tests: [QUORUMS, BFT_RUNNER, BFT_PROTOCOL],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-read-no-write-back',
    protocol: 'bft-signed',
    breaks: 'a read returns after its query round, without writing back the version it read',
    file: 'protocols/bft-signed/client.ts',
    find: 'if (this.client.config.fastRead && this.unanimous) return this.finish();',
    replace: 'return this.finish();',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-server-stores-older',
    protocol: 'bft-signed',
    breaks: 'a server replaces its version by any validly signed one with another timestamp, older ones included',
    file: 'protocols/bft-signed/server.ts',
    find: 'if (compareTimestamps(ts, this.version.ts) <= 0) return ack;',
    replace: 'if (compareTimestamps(ts, this.version.ts) === 0) return ack;',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-read-picks-lowest',
    protocol: 'bft-signed',
    breaks: 'a read keeps the lowest valid timestamp of its quorum instead of the highest',
    file: 'protocols/bft-signed/client.ts',
    find: 'if (compareTimestamps(ts, this.best.ts) > 0) this.best = { ts, value: msg.value, sig: msg.sig };',
    replace: 'if (compareTimestamps(ts, this.best.ts) < 0) this.best = { ts, value: msg.value, sig: msg.sig };',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-write-last-num',
    protocol: 'bft-signed',
    breaks: 'a writer takes the last valid query reply\'s num instead of the maximum',
    file: 'protocols/bft-signed/client.ts',
    find: 'this.maxNum = Math.max(this.maxNum, msg.num);',
    replace: 'this.maxNum = msg.num;',
    tests: [QUORUMS, BFT_ATOMICITY],
    swarm: swarm('bft-signed'),
  },
  {
    name: 'bft-write-trusts-unsigned-ts',
    protocol: 'bft-signed',
    breaks: 'a writer counts query replies whose signature does not verify',
    file: 'protocols/bft-signed/client.ts',
    find: 'if (!this.verifier.check(timestampOf(msg), msg.hash, msg.sig)) return pending();\n        this.maxNum',
    replace: 'this.maxNum',
    tests: [BFT_PROTOCOL, QUORUMS],
    swarm: swarm('bft-signed'),
  },

  // ------------------------------------------------------------------ PoWerStore family (docs/protocols.md#powerstore)
  {
    name: 'ps-invalid-t-plus-1',
    protocol: 'powerstore-family',
    breaks: '"invalid" needs t + 1 REFUTE/UNKNOWN statuses instead of 2t + 1',
    file: SELECTION,
    find: 'counts[j]!.refutesOrUnknowns < 2 * t + 1',
    replace: 'counts[j]!.refutesOrUnknowns < t + 1',
    tests: [ADVERSARY],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'ps-invalid-2t',
    protocol: 'powerstore-family',
    breaks: '"invalid" needs 2t REFUTE/UNKNOWN statuses instead of 2t + 1',
    file: SELECTION,
    find: 'counts[j]!.refutesOrUnknowns < 2 * t + 1',
    replace: 'counts[j]!.refutesOrUnknowns < 2 * t',
    tests: [ADVERSARY],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'ps-durable-t-plus-1',
    protocol: 'powerstore-family',
    breaks: 'a read returns with t + 1 CONFIRMs (valid) instead of 2t + 1 (durable write-back)',
    file: SELECTION,
    find: 'counts[i]!.confirms < 2 * t + 1',
    replace: 'counts[i]!.confirms < t + 1',
    tests: [PS_SCHEDULES, ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-durable-2t',
    protocol: 'powerstore-family',
    breaks: 'a read returns with 2t CONFIRMs instead of 2t + 1',
    file: SELECTION,
    find: 'counts[i]!.confirms < 2 * t + 1',
    replace: 'counts[i]!.confirms < 2 * t',
    tests: [PS_SCHEDULES, ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-higher-means-lower',
    protocol: 'powerstore-family',
    breaks: 'selection requires the lower candidates, not the higher ones, to be invalid',
    file: SELECTION,
    find: 'if (ts.compare(candidates[j]!.ts, candidate.ts) > 0 && ',
    replace: 'if (ts.compare(candidates[j]!.ts, candidate.ts) < 0 && ',
    tests: [ADVERSARY, PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-select-lowest-eligible',
    protocol: 'powerstore-family',
    breaks: 'among candidates meeting every condition, the lowest is selected instead of the highest',
    file: SELECTION,
    find: 'if (best < 0 || ts.compare(candidate.ts, candidates[best]!.ts) > 0) best = i;',
    replace: 'if (best < 0 || ts.compare(candidate.ts, candidates[best]!.ts) < 0) best = i;',
    tests: [ADVERSARY, PS_PROTOCOL],
    swarm: swarm('powerstore'),
    equivalent:
      'At most one candidate meets the conditions: a candidate other than c0 needs 2t + 1 CONFIRMs, and every candidate above a selected one needs 2t + 1 REFUTE/UNKNOWN; one server gives one status per candidate, and 4t + 2 > n = 3t + 1, so two non-c0 candidates cannot both qualify, and c0 qualifies only when every other candidate is invalid (then no other qualifies). Which of one is "highest" does not matter.',
  },
  {
    name: 'ps-checksum-reporters-t',
    protocol: 'powerstore-family',
    breaks: 'a cross-checksum reported by t servers is trusted (t + 1 needed: one of them correct)',
    file: SELECTION,
    find: 'if (group.reporters < t + 1) continue;',
    replace: 'if (group.reporters < t) continue;',
    tests: [ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-fragments-t',
    protocol: 'powerstore-family',
    breaks: 'decoding is tried with t matching fragments instead of t + 1 (= k)',
    file: SELECTION,
    find: 'if (matching === t + 1) return { kind: \'ready\', fragments };',
    replace: 'if (matching >= t) return { kind: \'ready\', fragments };',
    tests: [ADVERSARY, PS_SCHEDULES],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-fragment-hash-unchecked',
    protocol: 'powerstore-family',
    breaks: 'fragments are not checked against their entry of the cross-checksum',
    file: SELECTION,
    find: 'if (equalBytes(entry.fragmentHash, group.cc[server]!)) {',
    replace: 'if (entry.fragmentHash !== undefined) {',
    tests: [ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-collect-quorum-one-less',
    protocol: 'powerstore-family',
    breaks: 'the collect round waits for n − t − 1 replies instead of n − t',
    file: READER,
    find: 'this.quorum = replyQuorum(cluster.n, cluster.t);',
    replace: 'this.quorum = replyQuorum(cluster.n, cluster.t) - 1;',
    tests: [ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-decode-k-t',
    protocol: 'powerstore-family',
    breaks: 'the reader decodes with k = t instead of t + 1',
    file: READER,
    find: 'this.env.codec.decode(gathered.fragments, this.t + 1, this.n)',
    replace: 'this.env.codec.decode(gathered.fragments, this.t, this.n)',
    tests: [PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-encode-k-t-plus-2',
    protocol: 'powerstore-family',
    breaks: 'the writer encodes with k = t + 2 instead of t + 1',
    file: WRITER,
    find: 'this.env.codec.encode(this.value, this.cluster.t + 1, n)',
    replace: 'this.env.codec.encode(this.value, this.cluster.t + 2, n)',
    tests: [PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-no-retention-retry',
    protocol: 'powerstore-family',
    breaks: 'a read whose fragments were pruned waits instead of running the extra FILTER round',
    file: READER,
    find: 'return this.filterRound(next, true);',
    replace: 'return WAIT;',
    tests: [PS_SCHEDULES, PS_RETENTION],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-filter-ack-any-length',
    protocol: 'powerstore-family',
    breaks: 'a FILTER_ACK shorter than C is accepted (detail 1)',
    file: READER,
    find: 'if (msg.statuses.length !== this.candidates.length) {',
    replace: 'if (msg.statuses.length > this.candidates.length) {',
    tests: [PS_PROTOCOL, ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-late-unknown-overwrites',
    protocol: 'powerstore-family',
    breaks: 'a late UNKNOWN may overwrite a CONFIRM or REFUTE of the same server (detail 2)',
    file: READER,
    find: "if (status.kind === 'UNKNOWN' && previous !== undefined && previous.status.kind !== 'UNKNOWN') return;",
    replace: '',
    tests: [ADVERSARY, PS_SCHEDULES],
    swarm: swarm('powerstore'),
    equivalent:
      'A correct server answers a rid once with FILTER_ACK and then only with FILTER_UPDATEs, which never carry UNKNOWN (the parser refuses them); per-link FIFO delivers them in that order. So an UNKNOWN after another status comes only from a faulty server, which could have sent that UNKNOWN in the first place.',
  },
  {
    name: 'ps-filter-update-unchecked',
    protocol: 'powerstore-family',
    breaks: 'a FILTER_UPDATE is applied without checking that its candidate is the one at its index',
    file: READER,
    find: 'if (expected === undefined || this.ts.compare(expected.ts, msg.candidate.ts) !== 0 || !bytesEqual(expected.nonce, msg.candidate.nonce)) {',
    replace: 'if (expected === undefined) {',
    tests: [ADVERSARY, PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-filter-no-write-back',
    protocol: 'powerstore-family',
    breaks: 'servers do not raise lc to the verified candidates of a FILTER (the metadata write-back)',
    file: SERVER,
    find: "for (let i = 0; i < candidates.length; i++) if (classes[i] === 'verified') this.raise(candidates[i]!);",
    replace: '',
    tests: [PS_SCHEDULES, ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-no-filter-update',
    protocol: 'powerstore-family',
    breaks: 'a STORE that arrives after a FILTER answered UNKNOWN sends no FILTER_UPDATE',
    file: SERVER,
    find: 'this.sendUpdates(msg.ts, out);',
    replace: '',
    tests: [PS_SCHEDULES, ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-commitment-unchecked',
    protocol: 'powerstore-family',
    breaks: 'a candidate verifies without checking H(N) against the stored commitment (proof of writing)',
    file: SERVER,
    find: 'return nonce.length === DIGEST_BYTES && bytesEqual(this.env.crypto.sha256(nonce), entry.commitment);',
    replace: 'return nonce.length === DIGEST_BYTES;',
    tests: [PS_SCHEDULES, ADVERSARY],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-store-from-anyone',
    protocol: 'powerstore-family',
    breaks: 'a STORE from a non-writer is accepted (writer id not checked)',
    file: SERVER,
    find: "if (!this.writers.has(from)) {\n      this.env.reject('store-from-non-writer');",
    replace: "if (false) {\n      this.env.reject('store-from-non-writer');",
    tests: [PS_PROTOCOL, atomicity('powerstore')],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-complete-from-anyone',
    protocol: 'powerstore-family',
    breaks: 'a COMPLETE from a non-writer is accepted (writer id not checked)',
    file: SERVER,
    find: "if (!this.writers.has(from)) {\n      this.env.reject('complete-from-non-writer');",
    replace: "if (false) {\n      this.env.reject('complete-from-non-writer');",
    tests: [PS_PROTOCOL, atomicity('powerstore')],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-complete-nonce-unchecked',
    protocol: 'powerstore-family',
    breaks: 'a COMPLETE raises lc without checking its nonce against the commitment',
    file: SERVER,
    find: "    if (!this.verifyAgainst(entry, nonce)) {\n      this.env.reject('complete-bad-nonce');\n      return [];",
    replace: "    if (false) {\n      this.env.reject('complete-bad-nonce');\n      return [];",
    tests: [PS_PROTOCOL, ADVERSARY],
    swarm: swarm('powerstore'),
    equivalent:
      'COMPLETE is accepted from writers only (checked just before), writers fail only by crashing, and a writer\'s COMPLETE carries the nonce whose commitment its own STORE put in hist[ts]: the check cannot fail for a message that reaches it.',
  },
  {
    name: 'ps-fragment-on-every-confirm',
    protocol: 'powerstore-family',
    breaks: 'a fragment is attached to every CONFIRM, not only to the highest verified candidate',
    file: SERVER,
    find: "        if (!highest) return { kind: 'CONFIRM', cc: entry.cc, fragment: null, lc: null };\n",
    replace: '',
    tests: [STRATEGIES, PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-retention-one-less',
    protocol: 'powerstore-family',
    breaks: 'servers keep retain − 1 fragments instead of retain',
    file: SERVER,
    find: 'while (this.retained.length > this.config.retain) {',
    replace: 'while (this.retained.length >= this.config.retain) {',
    tests: [PS_RETENTION, PS_SCHEDULES],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-retention-one-more',
    protocol: 'powerstore-family',
    breaks: 'servers keep retain + 1 fragments instead of retain',
    file: SERVER,
    find: 'while (this.retained.length > this.config.retain) {',
    replace: 'while (this.retained.length > this.config.retain + 1) {',
    tests: [PS_RETENTION, PS_SCHEDULES],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-retention-prunes-lc',
    protocol: 'powerstore-family',
    breaks: 'the fragment of lc\'s own version may be pruned (the lc guard lets lc itself go)',
    file: SERVER,
    find: "if (this.config.retentionRule !== 'spec' && this.ts.compare(lowest.ts, this.lc.ts) >= 0) return;",
    replace: "if (this.config.retentionRule !== 'spec' && this.ts.compare(lowest.ts, this.lc.ts) > 0) return;",
    tests: [PS_RETENTION, PS_SCHEDULES, atomicity('m-powerstore')],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'ps-filter-limit-one-more',
    protocol: 'powerstore-family',
    breaks: 'a FILTER of n + 2 candidates is answered (detail 3: more than n + 1 gets no reply)',
    file: SERVER,
    find: 'if (candidates.length > this.n + 1) {',
    replace: 'if (candidates.length > this.n + 2) {',
    tests: [PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-raise-any-order',
    protocol: 'powerstore-family',
    breaks: 'raise(c) replaces lc by any verified candidate with another timestamp, older ones included',
    file: SERVER,
    find: 'if (this.ts.compare(candidate.ts, this.lc.ts) > 0) {',
    replace: 'if (this.ts.compare(candidate.ts, this.lc.ts) !== 0) {',
    tests: [ADVERSARY, PS_SCHEDULES],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-fragment-on-lowest',
    protocol: 'powerstore-family',
    breaks: 'the fragment goes to the lowest verified candidate of C instead of the highest',
    file: SERVER,
    find: 'if (best < 0 || this.ts.compare(candidates[i]!.ts, candidates[best]!.ts) > 0) best = i;',
    replace: 'if (best < 0 || this.ts.compare(candidates[i]!.ts, candidates[best]!.ts) < 0) best = i;',
    tests: [STRATEGIES, PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'mps-store-mac-unchecked',
    protocol: 'm-powerstore',
    breaks: 'a server stores a version whose own MAC entry does not verify',
    file: SERVER,
    find: 'if (mac === undefined || mac.length !== this.n || !bytesEqual(mac[this.config.index]!, expected)) {',
    replace: 'if (mac === undefined || mac.length !== this.n) {',
    tests: [MPS_PROTOCOL],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'ps-store-quorum-one-less',
    protocol: 'powerstore-family',
    breaks: 'N is revealed after n − t − 1 STORE_ACKs (proof of writing no longer means t + 1 correct holders)',
    file: WRITER,
    find: '        if (this.replies.size < this.quorum) return WAIT;\n        // Only now, with n - t STORE_ACKs',
    replace: '        if (this.replies.size < this.quorum - 1) return WAIT;\n        // Only now, with n - t STORE_ACKs',
    tests: [ADVERSARY, PS_SCHEDULES],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-complete-quorum-one-less',
    protocol: 'powerstore-family',
    breaks: 'a write returns after n − t − 1 COMPLETE_ACKs',
    file: WRITER,
    find: "        if (this.replies.size < this.quorum) return WAIT;\n        this.phase = 'done';",
    replace: "        if (this.replies.size < this.quorum - 1) return WAIT;\n        this.phase = 'done';",
    tests: [ADVERSARY, PS_SCHEDULES],
    swarm: swarm('powerstore'),
  },
  {
    name: 'mps-get-ts-quorum-one-less',
    protocol: 'm-powerstore',
    breaks: 'the get-ts round waits for n − t − 1 replies',
    file: WRITER,
    find: '        if (this.replies.size < this.quorum) return WAIT;\n        const source',
    replace: '        if (this.replies.size < this.quorum - 1) return WAIT;\n        const source',
    tests: [ADVERSARY, MPS_PROTOCOL],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'mps-mac-threshold-t',
    protocol: 'm-powerstore',
    breaks: 'a get-ts reply is authentic with t valid MAC entries instead of t + 1',
    file: WRITER,
    find: 'return valid >= this.cluster.t + 1;',
    replace: 'return valid >= this.cluster.t;',
    tests: [MPS_PROTOCOL, ADVERSARY],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'mps-ts-unauthenticated',
    protocol: 'm-powerstore',
    breaks: 'the writer counts every get-ts reply, authentic or not',
    file: WRITER,
    find: 'if (this.authentic(msg.ts, msg.mac)) this.maxAuthenticNum = Math.max(',
    replace: 'if (msg.mac !== undefined) this.maxAuthenticNum = Math.max(',
    tests: [MPS_PROTOCOL, ADVERSARY],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'mps-ts-last-not-max',
    protocol: 'm-powerstore',
    breaks: 'the writer takes the last authentic get-ts reply instead of the maximum',
    file: WRITER,
    find: 'this.maxAuthenticNum = Math.max(this.maxAuthenticNum, this.ts.num(msg.ts));',
    replace: 'this.maxAuthenticNum = this.ts.num(msg.ts);',
    tests: [ADVERSARY, MPS_PROTOCOL],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'mps-writer-id-dropped',
    protocol: 'm-powerstore',
    breaks: 'every writer puts the same writer id in its timestamps',
    file: 'protocols/m-powerstore/index.ts',
    find: 'makeTs: (num) => ({ num, writer: id }),',
    replace: "makeTs: (num) => ({ num, writer: 'w' }),",
    tests: [MPS_PROTOCOL, ADVERSARY],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'mps-ts-key-drops-writer',
    protocol: 'm-powerstore',
    breaks: 'hist keys timestamps by num only, so two writers\' versions with equal num collide',
    file: 'protocols/common/timestamp.ts',
    find: 'key: (ts) => `${ts.num}/${ts.writer}`,',
    replace: 'key: (ts) => `${ts.num}`,',
    tests: [MPS_PROTOCOL, ADVERSARY],
    swarm: swarm('m-powerstore'),
  },
  {
    name: 'ps-integer-ts-reversed',
    protocol: 'powerstore',
    breaks: 'single-writer timestamps compare in reverse',
    file: 'protocols/common/timestamp.ts',
    find: 'compare: (a, b) => (a === b ? 0 : a < b ? -1 : 1),',
    replace: 'compare: (a, b) => (a === b ? 0 : a > b ? -1 : 1),',
    tests: [PS_PROTOCOL],
    swarm: swarm('powerstore'),
  },
  {
    name: 'ps-server-parses-oversized-hostile',
    protocol: 'powerstore-family',
    breaks: 'a FILTER of an unbounded number of candidates passes the parser (wire limit n + 1 for n ≤ 1024)',
    file: 'protocols/common/powerstore/messages.ts',
    find: 'if (!isCounter(value[\'rid\']) || !Array.isArray(list) || list.length > MAX_CANDIDATES_ON_WIRE) return undefined;\n        const candidates',
    replace: 'if (!isCounter(value[\'rid\']) || !Array.isArray(list)) return undefined;\n        const candidates',
    tests: [FUZZ, PS_PROTOCOL],
  },
];
