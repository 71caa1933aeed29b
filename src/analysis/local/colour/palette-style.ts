import type { WholeImageColours } from "./colour-analyst.js";

export interface StyleEvidence {
  value: "colorful" | "muted" | "monochrome" | "dark" | "bright";
  confidence: number;
}

// Points on Hasler and Süsstrunk's scale (see colourfulness.ts).
const QUITE_COLOURFUL = 59;
const EXTREMELY_COLOURFUL = 109;
const MODERATELY_COLOURFUL = 33;
const GREY = 8;
// Mean CIELAB lightness of the photo.
const DARK_BELOW = 30;
const BRIGHT_ABOVE = 70;

/** Style words the palette itself proves; nothing is said without a measured reason. */
export function styleFromPalette(palette: Pick<WholeImageColours, "colourfulness" | "meanLightness">): StyleEvidence[] {
  const { colourfulness: m, meanLightness: lightness } = palette;
  const evidence: StyleEvidence[] = [];
  if (m >= QUITE_COLOURFUL) {
    evidence.push({ value: "colorful", confidence: scale(m, QUITE_COLOURFUL, EXTREMELY_COLOURFUL) });
  } else if (m < GREY) {
    evidence.push({ value: "monochrome", confidence: scale(GREY - m, 0, GREY) });
  } else if (m < MODERATELY_COLOURFUL) {
    evidence.push({ value: "muted", confidence: scale(MODERATELY_COLOURFUL - m, 0, MODERATELY_COLOURFUL - GREY) });
  }
  if (lightness < DARK_BELOW) evidence.push({ value: "dark", confidence: scale(DARK_BELOW - lightness, 0, DARK_BELOW) });
  if (lightness > BRIGHT_ABOVE) evidence.push({ value: "bright", confidence: scale(lightness - BRIGHT_ABOVE, 0, 100 - BRIGHT_ABOVE) });
  return evidence;
}

/** Maps value from [from, to] onto a confidence in [0.5, 1]: past the threshold is already evidence. */
function scale(value: number, from: number, to: number): number {
  const fraction = Math.min(1, Math.max(0, (value - from) / (to - from)));
  return Math.round((0.5 + fraction / 2) * 100) / 100;
}
