/**
 * @module A path or argument as one shell word, for the commands the harness prints for copying: as
 * it is when a shell reads it literally, in single quotes otherwise (spaces, `$`, quotes).
 */
import { shellQuote } from './real/ssh.ts';

export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : shellQuote(text);
}
