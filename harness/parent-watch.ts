/**
 * @module Noticing that the process that started this one is gone. Node has no event for it (Linux's
 * PR_SET_PDEATHSIG is out of reach), so the parent pid is polled: when the parent exits, the process
 * is re-parented and `process.ppid` changes.
 */

/** How often the parent pid is checked, ms. */
const PARENT_POLL_MS = 500;

/** Calls `onGone` once when this process's parent is no longer `parent`; the check never keeps the process alive. */
export function whenParentGone(parent: number, onGone: () => void): void {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_POLL_MS);
  timer.unref();
}
