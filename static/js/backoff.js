// Reconnect delays: exponential with a cap and jitter, so a restarted server is not
// hit by every open dashboard at the same instant.

export const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 10000;

/** Delay before reconnect attempt `attempt` (1-based); `random` in [0, 1). */
export function reconnectDelay(attempt, random = Math.random()) {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}
