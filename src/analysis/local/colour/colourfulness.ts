/**
 * Colourfulness of sRGB pixels after Hasler and Süsstrunk (2003), "Measuring
 * colourfulness in natural images": spread plus mean of the opponent channels
 * rg = R - G and yb = (R + G) / 2 - B. Their scale: 15 slightly, 33
 * moderately, 45 averagely, 59 quite, 82 highly, 109 extremely colourful.
 */
export function colourfulness(rgb: Uint8Array): number {
  const count = Math.floor(rgb.length / 3);
  if (count === 0) return 0;
  let sumRg = 0;
  let sumYb = 0;
  let sumRg2 = 0;
  let sumYb2 = 0;
  for (let offset = 0; offset + 2 < rgb.length; offset += 3) {
    const r = rgb[offset]!;
    const g = rgb[offset + 1]!;
    const b = rgb[offset + 2]!;
    const rg = r - g;
    const yb = (r + g) / 2 - b;
    sumRg += rg;
    sumYb += yb;
    sumRg2 += rg * rg;
    sumYb2 += yb * yb;
  }
  const meanRg = sumRg / count;
  const meanYb = sumYb / count;
  const spreadRg = Math.sqrt(Math.max(0, sumRg2 / count - meanRg ** 2));
  const spreadYb = Math.sqrt(Math.max(0, sumYb2 / count - meanYb ** 2));
  return Math.hypot(spreadRg, spreadYb) + 0.3 * Math.hypot(meanRg, meanYb);
}
