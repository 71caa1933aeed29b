// Tesseract's confidence is 0..100; in sparse mode on photos it reads texture as
// glyphs, but those guesses score low. Real sign and label words score 85+.
const MIN_CONFIDENCE = 75;
const MIN_LENGTH = 3;
const MIN_LETTER_SHARE = 0.75;

/** The word as a tag value when it looks like a real word read with confidence, else null. */
export function readableWord(raw: string, confidence: number): string | null {
  if (confidence < MIN_CONFIDENCE) return null;
  const word = raw
    .normalize("NFKC")
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
  if (word.length < MIN_LENGTH) return null;
  const letters = word.match(/\p{L}/gu)?.length ?? 0;
  if (letters / word.length < MIN_LETTER_SHARE) return null;
  // Glyph noise: no vowel at all, or one character repeated (lll, iii).
  if (!/[aeiouy]/.test(word) || /^(.)\1+$/.test(word)) return null;
  return word;
}
