import sharp from "sharp";

const SOURCES = ["coffee.png", "chelsea.png", "fruits.jpg", "scenetext01.jpg", "astronaut.png", "smarties.png"];

/**
 * Distinct, realistic photos from the fixtures: each variant is resized,
 * cropped, maybe mirrored and re-encoded, so every upload has its own bytes.
 */
export async function photoVariants(count: number): Promise<Array<{ name: string; bytes: Buffer }>> {
  const photos: Array<{ name: string; bytes: Buffer }> = [];
  for (let index = 0; index < count; index += 1) {
    const source = SOURCES[index % SOURCES.length]!;
    const image = sharp(`test/fixtures/${source}`);
    const { width = 400, height = 300 } = await image.metadata();
    const trim = 1 + (index % 17);
    let variant = image
      .extract({ left: trim, top: trim, width: width - 2 * trim, height: height - 2 * trim })
      .resize(Math.round(width * (0.6 + (index % 5) * 0.08)));
    if (index % 2 === 1) variant = variant.flop();
    photos.push({ name: `${index}.jpg`, bytes: await variant.jpeg({ quality: 70 + (index % 20) }).toBuffer() });
  }
  return photos;
}
