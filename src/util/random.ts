/**
 * @fileoverview One seeded generator (mulberry32) for everything that needs reproducible numbers: the build's
 * default testbench data, the benchmarks, the fuzzer and the tests. Same seed, same sequence, on every machine.
 */

/** Uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` seeded values uniform in [-scale, scale) on the 1/1024 grid (floor), so they are exact in any format
 * with at least 10 fraction bits and in float32.
 */
export function seededGrid(count: number, seed: number, scale = 1): Float64Array {
  const next = mulberry32(seed);
  return Float64Array.from({ length: count }, () => Math.floor((next() * 2 - 1) * scale * 1024) / 1024);
}
