/**
 * @module Arguments as shell words: for the remote commands of the SSH launcher (harness/real/ssh.ts)
 * and for the commands the harness prints for copying.
 */

/**
 * POSIX single quotes: the one quoting that every shell reads literally. (One line of code; a
 * shell-quoting package would add a dependency for it.)
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** As it is when a shell reads it literally, in single quotes otherwise (spaces, `$`, quotes). */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : shellQuote(text);
}
