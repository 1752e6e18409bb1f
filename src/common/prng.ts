import { createHash } from 'node:crypto';
import { encodeId } from './ids';

/**
 * mulberry32: a small seeded PRNG, uniform in [0, 1). The demo seed, the benchmark dataset and the
 * tests' generators use it (mostly through `Random`, below) so that the same seed always gives the
 * same data.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seeded PRNG with the draws the generators need: the same seed gives the same dataset, byte for byte. */
export class Random {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number | string) {
    this.next = mulberry32(typeof seed === 'number' ? seed : createHash('sha256').update(seed).digest().readUInt32LE(0));
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `[['WEB', 30], ['STORE', 20]]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of items) total += weight;
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** 64 hex characters, shaped like the sha256 request hashes the server stores. */
  hex64(): string {
    let out = '';
    for (let i = 0; i < 8; i++)
      out += Math.floor(this.next() * 4_294_967_296)
        .toString(16)
        .padStart(8, '0');
    return out;
  }

  /**
   * An omni360 id: `<prefix>_` + 10 characters of millisecond time + 16 random characters, the same
   * shape and time order as src/common/ids.ts newId(), but from this seeded stream.
   */
  id(prefix: string, ms: number): string {
    return encodeId(prefix, ms, () => Math.floor(this.next() * 32));
  }
}
