/** @module Unit conversions used across the harness (times are integer nanoseconds internally). */

export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;
