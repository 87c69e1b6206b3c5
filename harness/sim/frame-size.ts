/**
 * @module `wireSize(frame)` on the simulator's hot path, with caches.
 *
 * A frame is `{key, msg}`, so its encoding is: object tag (1) + field count (1) + "key" (1 + 3) +
 * the key + "msg" (1 + 3) + the message = 10 + wireSize(key) + wireSize(msg). A broadcast sends one
 * message object to every server, so caching the last message's size saves n - 1 traversals; the
 * protocols treat sent messages as immutable, which makes the cache sound.
 */
import { wireSize } from '../wire/codec.ts';
import type { Frame } from '../transport/types.ts';

const FRAME_OVERHEAD_BYTES = 10;

let lastMsg: unknown = undefined;
let lastMsgSize = 0;
let lastFrame: Frame | undefined = undefined;
let lastFrameSize = 0;
const keySizes = new Map<string, number>();

export function frameWireSize(frame: Frame): number {
  // The runner sizes a frame for its metrics, then the transport sizes the same frame again.
  if (frame === lastFrame) return lastFrameSize;
  // An external node's message counts as the JSON line it is (harness/external/external-frame.ts).
  const jsonBytes = (frame as { readonly jsonBytes?: number }).jsonBytes;
  if (jsonBytes !== undefined) return jsonBytes;
  let keySize = keySizes.get(frame.key);
  if (keySize === undefined) {
    keySize = wireSize(frame.key);
    if (keySizes.size < 100_000) keySizes.set(frame.key, keySize);
  }
  lastFrameSize = FRAME_OVERHEAD_BYTES + keySize + messageWireSize(frame.msg);
  lastFrame = frame;
  return lastFrameSize;
}

/**
 * `wireSize(msg)`, from the same one-entry cache: the real engine encodes the message that it has
 * just sized for the frame, and needs its size again to allocate the frame.
 */
export function messageWireSize(msg: unknown): number {
  if (msg !== lastMsg) {
    lastMsgSize = wireSize(msg);
    lastMsg = msg;
  }
  return lastMsgSize;
}
