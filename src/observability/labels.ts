/**
 * Label values must come from a small set, or every new value is a new time
 * series held in memory by this process and by Prometheus. These helpers turn
 * what may vary without bound into a bounded set.
 */

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** An error code or stage name of ours (UPPER_SNAKE, as every code we raise is); anything else is OTHER. */
export function boundedCode(code: unknown): string {
  return typeof code === "string" && CODE.test(code) ? code : "OTHER";
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * GraphQL operation names as labels. The name is the client's to choose, so a
 * hostile client could mint a series per request: names we know (the SDK's
 * operations) always count as themselves, and other well-formed names too,
 * up to `maxOthers` distinct ones per process; after that, and for malformed
 * names, "other". No name at all is "anonymous".
 */
export class OperationNameLabels {
  private readonly others = new Set<string>();

  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly maxOthers = 50,
  ) {}

  of(name: string | null | undefined): string {
    if (name === null || name === undefined || name === "") return "anonymous";
    if (this.known.has(name) || this.others.has(name)) return name;
    if (!NAME.test(name) || this.others.size >= this.maxOthers) return "other";
    this.others.add(name);
    return name;
  }
}
