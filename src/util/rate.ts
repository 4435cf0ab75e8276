/**
 * @fileoverview A rate (inferences or samples per second) for people: whole numbers from 100 up, three significant
 * digits below, so a large model's 0.487/s never prints as 0.
 */
export function rateText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v >= 100 ? v.toFixed(0) : v === 0 ? '0' : v.toPrecision(3);
}
