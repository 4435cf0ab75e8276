// floorLog2 (sim/kernels/nonlinear.ts, softmax's k = floor(log2 s)) against the bit length of the integer as a
// BigInt, on every power of two up to 2^52 and its neighbours, and on random integers of every magnitude.
import { describe, expect, it } from 'vitest';
import { floorLog2 } from '../../sim/kernels/nonlinear.js';
import { rng } from '../support/harness.js';

const bitLength = (v: number) => BigInt(v).toString(2).length - 1;

describe('floorLog2', () => {
  it('equals the bit length − 1 at every power of two, one below and one above (1 to 2^53 − 1)', () => {
    for (let k = 0; k <= 53; k++) {
      for (const v of [2 ** k - 1, 2 ** k, 2 ** k + 1]) {
        if (v < 1 || v >= 2 ** 53) continue;
        expect(floorLog2(v), String(v)).toBe(bitLength(v));
      }
    }
  });

  it('equals the bit length − 1 on 20,000 random integers spread over 1 to 2^53', () => {
    const rand = rng(9);
    for (let i = 0; i < 20000; i++) {
      const v = Math.max(1, Math.floor(rand() * 2 ** Math.floor(rand() * 53)));
      if (floorLog2(v) !== bitLength(v)) expect(floorLog2(v), String(v)).toBe(bitLength(v));
    }
  });
});
