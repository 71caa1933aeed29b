/**
 * Single-word brand names worth a `brand:` tag when read on a product. Short
 * on purpose: a word becomes a brand only on an exact match.
 */
const BRANDS = new Set([
  "adidas", "asics", "bosch", "canon", "casio", "chanel", "converse", "dell", "dior", "disney", "fila", "gucci",
  "heinz", "hermes", "huawei", "ikea", "lacoste", "lego", "lenovo", "levis", "logitech", "nestle", "nike", "nikon",
  "nintendo", "nivea", "nokia", "panasonic", "pepsi", "philips", "prada", "puma", "reebok", "rolex", "samsung",
  "sony", "starbucks", "toshiba", "unicef", "vans", "xiaomi", "zara",
]);

export function isKnownBrand(word: string): boolean {
  return BRANDS.has(word);
}
