/**
 * @module The base class of every error that says the user's input is wrong (a config, a flag, a
 * history or trace file, a cost profile, a results folder to compare). The command line
 * (harness/cli/main.ts) prints such an error as one line and exits 2; any other error is a bug of
 * ours and exits 70. A subclass only names where the input came from.
 */
export class InputError extends Error {
  override name = 'InputError';
}
