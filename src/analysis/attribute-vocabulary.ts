import type { AttributeKind } from "./features.js";
import { normalizeTagValue } from "./tags.js";

/**
 * Words that say what kind of attribute a bare word is, for taggers that
 * send attributes as plain strings ("red", "ceramic", "striped"). Written as
 * tag values are normalised (lower case, US spelling, singular), so a word is
 * looked up after normalizeTagValue. Anything not listed is "other".
 */

/** The local colour analyst's names (see local/colour/basic-colours.ts) and common others. */
const COLORS = words(`
  red orange yellow green teal blue navy purple pink brown beige white gray black
  gold silver bronze copper cream ivory tan khaki olive maroon burgundy crimson scarlet
  turquoise cyan aqua magenta lavender lilac violet indigo charcoal coral peach mint
  mustard rust taupe ecru off-white`);

const MATERIALS = words(`
  ceramic porcelain stoneware earthenware terracotta clay glass crystal wood wooden bamboo rattan wicker cork
  oak walnut pine teak birch mahogany metal metallic steel iron aluminum aluminium brass chrome titanium tin
  plastic acrylic resin vinyl rubber silicone foam leather suede fabric textile cotton linen wool woolen silk
  satin velvet polyester nylon denim canvas felt fleece cashmere jute knit lace tweed corduroy paper cardboard
  marble stone granite concrete slate`);

const PATTERNS = words(`
  striped stripe pinstripe pinstriped plaid tartan check checked checkered gingham dotted spotted polka-dot
  floral flowered paisley geometric houndstooth herringbone chevron argyle camouflage camo patterned printed
  plain solid quilted ribbed tie-dye ombre zigzag leopard zebra`);

const SHAPES = words(`
  round circular oval square rectangular triangular hexagonal octagonal cylindrical spherical conical cubic
  oblong curved flat angular tapered cylinder sphere cone cube rectangle circle triangle`);

const KINDS: ReadonlyArray<readonly [AttributeKind, ReadonlySet<string>]> = [
  ["color", COLORS],
  ["material", MATERIALS],
  ["pattern", PATTERNS],
  ["shape", SHAPES],
];

/** Multi-word phrases known whole ("polka dot", "stainless steel", "animal print"). */
const PHRASES: Readonly<Record<string, AttributeKind>> = {
  "polka dot": "pattern",
  "animal print": "pattern",
  "leopard print": "pattern",
  "zebra print": "pattern",
  "stainless steel": "material",
  "carbon fiber": "material",
  "faux leather": "material",
  "faux fur": "material",
};

/**
 * The kind of a bare attribute word or short phrase: a known phrase decides
 * ("polka dot", "stainless steel"), else its head, the last word ("dark
 * blue" and "red and white" are colors, "brushed steel" a material, "blue
 * stripes" a pattern, "heart-shaped" a shape). Unknown is "other".
 */
export function inferAttributeKind(raw: string): AttributeKind {
  const phrase = normalizeTagValue(raw);
  if (!phrase) return "other";
  if (/(^|[\s-])shaped$/.test(phrase)) return "shape";
  const parts = phrase.split(" ");
  const last = parts[parts.length - 1] ?? phrase;
  const candidates = [phrase, parts.slice(-2).join(" "), last, last.slice(last.lastIndexOf("-") + 1)];
  for (const candidate of candidates) {
    const kind = PHRASES[candidate] ?? KINDS.find(([, vocabulary]) => vocabulary.has(candidate))?.[0];
    if (kind) return kind;
  }
  return "other";
}

function words(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter(Boolean).map(normalizeTagValue));
}
