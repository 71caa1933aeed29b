/**
 * A seeded PRNG (mulberry32), so every run seeds the same catalogue and asks
 * the same queries: numbers from two runs are then comparable.
 */
export class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  gaussian(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** `count` distinct items in random order (partial Fisher-Yates). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = this.int(i, copy.length - 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  }

  /** A version-4-shaped UUID from this generator (crypto.randomUUID is not seedable). */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () => Math.floor(this.next() * 2 ** 32).toString(16).padStart(8, "0")).join("");
    const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/**
 * Draws from a list by Zipf's law: the item of rank r (1-based) comes with
 * weight 1 / r^exponent. Tags in real catalogues look like this: a few
 * objects and colours everywhere, a long tail of rare ones.
 */
export class ZipfPicker<T> {
  private readonly cumulative: number[];

  constructor(
    private readonly items: readonly T[],
    exponent = 1,
  ) {
    let total = 0;
    this.cumulative = items.map((_, index) => (total += 1 / (index + 1) ** exponent));
    this.cumulative = this.cumulative.map((sum) => sum / total);
  }

  pick(random: SeededRandom): T {
    const u = random.next();
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.cumulative[mid] as number) < u) low = mid + 1;
      else high = mid;
    }
    return this.items[low] as T;
  }
}
