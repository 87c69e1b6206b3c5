/**
 * @module Traffic accounting: messages and wire bytes, the one type every host and the runner count
 * with (per node, per operation, per run, per direction).
 */

export interface Traffic {
  messages: number;
  bytes: number;
}

export function noTraffic(): Traffic {
  return { messages: 0, bytes: 0 };
}

/** One message of `bytes` wire bytes. */
export function countMessage(traffic: Traffic, bytes: number): void {
  traffic.messages++;
  traffic.bytes += bytes;
}

export function addTraffic(into: Traffic, from: Readonly<Traffic>): void {
  into.messages += from.messages;
  into.bytes += from.bytes;
}

/** Traffic of one operation or one run, by direction. */
export interface DirectedTraffic {
  readonly clientToServer: Traffic;
  readonly serverToClient: Traffic;
}

export function noDirectedTraffic(): DirectedTraffic {
  return { clientToServer: noTraffic(), serverToClient: noTraffic() };
}
