/** CIELAB (D65): a colour space where distance roughly follows what people see. */
export interface Lab {
  l: number;
  a: number;
  b: number;
}

// sRGB byte -> linear light, computed once.
const LINEAR = Array.from({ length: 256 }, (_, byte) => {
  const c = byte / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const WHITE = { x: 0.95047, y: 1, z: 1.08883 };

/** Linear light of one sRGB byte, 0..1. */
export function srgbToLinear(byte: number): number {
  return LINEAR[byte] ?? 0;
}

export function srgbToLab(r: number, g: number, b: number): Lab {
  return linearRgbToLab(srgbToLinear(r), srgbToLinear(g), srgbToLinear(b));
}

/** Relative luminance (Y) of linear RGB, 0..1. */
export function luminance(lr: number, lg: number, lb: number): number {
  return 0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb;
}

export function linearRgbToLab(lr: number, lg: number, lb: number): Lab {
  const fx = labCurve((0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / WHITE.x);
  const fy = labCurve(luminance(lr, lg, lb) / WHITE.y);
  const fz = labCurve((0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / WHITE.z);
  return { l: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz) };
}

export function hexToLab(hex: string): Lab {
  const value = Number.parseInt(hex.replace("#", ""), 16);
  return srgbToLab((value >> 16) & 255, (value >> 8) & 255, value & 255);
}

export function chroma(colour: Lab): number {
  return Math.hypot(colour.a, colour.b);
}

/** Plain Euclidean distance (ΔE 1976): cheap, good enough to cluster pixels. */
export function deltaE76(x: Lab, y: Lab): number {
  return Math.hypot(x.l - y.l, x.a - y.a, x.b - y.b);
}

/** CIEDE2000 colour difference: corrects ΔE76 for blues, greys and saturated hues, so names match what people see. */
export function deltaE2000(x: Lab, y: Lab): number {
  const { PI, sqrt, atan2, cos, sin, exp, abs } = Math;
  const rad = (degrees: number) => (degrees * PI) / 180;
  const deg = (radians: number) => (radians * 180) / PI;
  const meanC = (chroma(x) + chroma(y)) / 2;
  const g = 0.5 * (1 - sqrt(meanC ** 7 / (meanC ** 7 + 25 ** 7)));
  const a1 = x.a * (1 + g);
  const a2 = y.a * (1 + g);
  const c1 = Math.hypot(a1, x.b);
  const c2 = Math.hypot(a2, y.b);
  const hue = (a: number, b: number) => (a === 0 && b === 0 ? 0 : (deg(atan2(b, a)) + 360) % 360);
  const h1 = hue(a1, x.b);
  const h2 = hue(a2, y.b);
  const dL = y.l - x.l;
  const dC = c2 - c1;
  let dh = 0;
  if (c1 * c2 !== 0) dh = abs(h2 - h1) <= 180 ? h2 - h1 : h2 - h1 > 180 ? h2 - h1 - 360 : h2 - h1 + 360;
  const dH = 2 * sqrt(c1 * c2) * sin(rad(dh / 2));
  const meanL = (x.l + y.l) / 2;
  const meanC2 = (c1 + c2) / 2;
  let meanH = h1 + h2;
  if (c1 * c2 !== 0) meanH = abs(h1 - h2) <= 180 ? (h1 + h2) / 2 : h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
  const t = 1 - 0.17 * cos(rad(meanH - 30)) + 0.24 * cos(rad(2 * meanH)) + 0.32 * cos(rad(3 * meanH + 6)) - 0.2 * cos(rad(4 * meanH - 63));
  const sL = 1 + (0.015 * (meanL - 50) ** 2) / sqrt(20 + (meanL - 50) ** 2);
  const sC = 1 + 0.045 * meanC2;
  const sH = 1 + 0.015 * meanC2 * t;
  const rT = -2 * sqrt(meanC2 ** 7 / (meanC2 ** 7 + 25 ** 7)) * sin(rad(60 * exp(-(((meanH - 275) / 25) ** 2))));
  return sqrt((dL / sL) ** 2 + (dC / sC) ** 2 + (dH / sH) ** 2 + rT * (dC / sC) * (dH / sH));
}

function labCurve(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116;
}
