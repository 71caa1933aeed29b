import { deltaE2000, hexToLab, type Lab } from "./cielab.js";

/**
 * The basic colour names a shopper searches with, each with a few sRGB
 * prototypes (a light, a typical and a dark one where the name covers a range).
 * A colour takes the name of its nearest prototype by CIEDE2000.
 */
const PROTOTYPES = {
  red: ["#e02020", "#b22222", "#ff3b30", "#c8102e", "#dc143c", "#8b0000"],
  orange: ["#ff8c00", "#ff6600", "#e07b39", "#ffa040", "#cc5500"],
  yellow: ["#ffd700", "#ffff00", "#f0d000", "#ffe135", "#fff176", "#b5a642", "#bdb76b"],
  green: ["#008000", "#228b22", "#32cd32", "#6b8e23", "#90ee90", "#2e4d2e", "#556b2f"],
  teal: ["#008080", "#2a9d8f", "#00a693"],
  blue: ["#0000ff", "#1e90ff", "#4169e1", "#87ceeb", "#4682b4", "#0047ab"],
  navy: ["#000080", "#1f2a44", "#14213d"],
  purple: ["#800080", "#8a2be2", "#9370db", "#663399", "#4b0082", "#c8a2c8"],
  pink: ["#ffc0cb", "#ff69b4", "#ff1493", "#e75480", "#f4a6b7"],
  brown: ["#8b4513", "#a0522d", "#5c4033", "#6f4e37", "#3d2b1f", "#7b5c43", "#964b00"],
  beige: ["#f5f5dc", "#f5deb3", "#e1c699", "#d2b48c"],
  white: ["#ffffff", "#f5f5f5", "#e0e0e0"],
  gray: ["#808080", "#a9a9a9", "#505050", "#696969"],
  black: ["#000000", "#1c1c1c"],
} as const;

export type BasicColourName = keyof typeof PROTOTYPES;

const PALETTE: ReadonlyArray<{ name: BasicColourName; lab: Lab }> = Object.entries(PROTOTYPES).flatMap(([name, hexes]) =>
  hexes.map((hex) => ({ name: name as BasicColourName, lab: hexToLab(hex) })),
);

export function nameColour(colour: Lab): BasicColourName {
  let best = PALETTE[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const prototype of PALETTE) {
    const distance = deltaE2000(colour, prototype.lab);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = prototype;
    }
  }
  return best.name;
}
