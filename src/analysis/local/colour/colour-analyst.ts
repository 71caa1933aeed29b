import sharp from "sharp";
import type { BoundingBox } from "../../features.js";
import type { RgbImage } from "../rgb-image.js";
import { type BasicColourName, nameColour } from "./basic-colours.js";
import { linearRgbToLab, luminance, srgbToLinear, type Lab } from "./cielab.js";
import { colourfulness } from "./colourfulness.js";
import { kMeans, type ColourCluster } from "./kmeans.js";

export interface NamedColour {
  name: BasicColourName;
  /** Fraction of the region's pixels with this colour name, 0..1. */
  share: number;
}

export interface RegionColours {
  /** Dominant colour names, largest share first. */
  named: NamedColour[];
  /** The clusters behind the names, largest first. */
  clusters: ColourCluster[];
}

export interface WholeImageColours extends RegionColours {
  /** Applied to every region of this photo before naming (see exposureGain). */
  exposureGain: number;
  /** Mean CIELAB lightness of the photo as shot, before any gain, 0..100. */
  meanLightness: number;
  /** Hasler and Süsstrunk's colourfulness of the photo as shot (0 for grey, above 100 for vivid). */
  colourfulness: number;
}

interface RegionSampling {
  thumbnailSide: number;
  clusters: number;
  /** A name needs this share of the region's pixels... */
  minShare: number;
  /** ...or this smaller share when it is vivid: a small saturated patch still catches the eye. */
  minVividShare: number;
  maxNames: number;
}

const WHOLE_IMAGE: RegionSampling = { thumbnailSide: 96, clusters: 12, minShare: 0.05, minVividShare: 0.025, maxNames: 6 };
const OBJECT_BOX: RegionSampling = { thumbnailSide: 48, clusters: 6, minShare: 0.15, minVividShare: 0.1, maxNames: 3 };
const VIVID_CHROMA = 45;
// A box also holds background at its edges; its middle is mostly the object.
const BOX_MARGIN = 0.1;
// Exposure: the photo's near-brightest pixels (98th percentile of luminance) are taken as a
// light surface, as the eye does; capped so a truly dark photo stays dark.
const WHITE_PERCENTILE = 0.98;
const TARGET_WHITE_LUMINANCE = 0.8;
const MAX_GAIN = 2;

type LinearPixels = Float32Array;

export async function wholeImageColours(image: RgbImage): Promise<WholeImageColours> {
  const thumbnail = await thumbnailOf(image, null, WHOLE_IMAGE.thumbnailSide);
  const pixels = toLinear(thumbnail);
  const gain = exposureGain(pixels);
  return {
    ...nameRegion(pixels, gain, WHOLE_IMAGE),
    exposureGain: gain,
    meanLightness: meanLightness(pixels),
    colourfulness: colourfulness(thumbnail),
  };
}

export async function objectColours(image: RgbImage, box: BoundingBox, gain: number): Promise<RegionColours> {
  const inner = {
    x: box.x + box.width * BOX_MARGIN,
    y: box.y + box.height * BOX_MARGIN,
    width: box.width * (1 - 2 * BOX_MARGIN),
    height: box.height * (1 - 2 * BOX_MARGIN),
  };
  return nameRegion(toLinear(await thumbnailOf(image, inner, OBJECT_BOX.thumbnailSide)), gain, OBJECT_BOX);
}

/**
 * Under-exposed photos turn every colour a shade darker and orange reads as
 * brown; people see the fruit as orange anyway (colour constancy). So the
 * light is scaled until the photo's near-brightest pixels are a light surface.
 */
function exposureGain(pixels: LinearPixels): number {
  const luminances: number[] = [];
  for (let offset = 0; offset + 2 < pixels.length; offset += 3) {
    luminances.push(luminance(pixels[offset]!, pixels[offset + 1]!, pixels[offset + 2]!));
  }
  if (luminances.length === 0) return 1;
  luminances.sort((a, b) => a - b);
  const white = luminances[Math.floor(WHITE_PERCENTILE * (luminances.length - 1))] ?? 0;
  if (white <= 0) return MAX_GAIN;
  return Math.min(MAX_GAIN, Math.max(1, TARGET_WHITE_LUMINANCE / white));
}

/** Dominant colours by k-means in CIELAB, each cluster named perceptually, shares summed by name. */
function nameRegion(pixels: LinearPixels, gain: number, sampling: RegionSampling): RegionColours {
  const points: Lab[] = [];
  const lift = (value: number) => Math.min(1, value * gain);
  for (let offset = 0; offset + 2 < pixels.length; offset += 3) {
    points.push(linearRgbToLab(lift(pixels[offset]!), lift(pixels[offset + 1]!), lift(pixels[offset + 2]!)));
  }
  const clusters = kMeans(points, sampling.clusters);
  const byName = new Map<BasicColourName, { share: number; vivid: boolean }>();
  for (const cluster of clusters) {
    const name = nameColour(cluster.centre);
    const entry = byName.get(name) ?? { share: 0, vivid: false };
    entry.share += cluster.share;
    entry.vivid ||= Math.hypot(cluster.centre.a, cluster.centre.b) >= VIVID_CHROMA;
    byName.set(name, entry);
  }
  const named = [...byName]
    .filter(([, entry]) => entry.share >= (entry.vivid ? sampling.minVividShare : sampling.minShare))
    .map(([name, entry]) => ({ name, share: entry.share }))
    .sort((a, b) => b.share - a.share)
    .slice(0, sampling.maxNames);
  return { named, clusters };
}

function meanLightness(pixels: LinearPixels): number {
  let sum = 0;
  const count = Math.floor(pixels.length / 3);
  for (let offset = 0; offset + 2 < pixels.length; offset += 3) {
    sum += linearRgbToLab(pixels[offset]!, pixels[offset + 1]!, pixels[offset + 2]!).l;
  }
  return count > 0 ? sum / count : 0;
}

/** A small sRGB thumbnail of the region; sharp averages while it shrinks, which smooths noise and texture. */
async function thumbnailOf(image: RgbImage, box: BoundingBox | null, side: number): Promise<Buffer> {
  let pipeline = sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (box) pipeline = pipeline.extract(pixelRegion(image, box));
  return pipeline.resize(side, side, { fit: "inside", withoutEnlargement: true }).raw().toBuffer();
}

function toLinear(thumbnail: Buffer): LinearPixels {
  return Float32Array.from(thumbnail, srgbToLinear);
}

function pixelRegion(image: RgbImage, box: BoundingBox): { left: number; top: number; width: number; height: number } {
  const left = Math.min(image.width - 1, Math.max(0, Math.floor(box.x * image.width)));
  const top = Math.min(image.height - 1, Math.max(0, Math.floor(box.y * image.height)));
  const width = Math.max(1, Math.min(image.width - left, Math.round(box.width * image.width)));
  const height = Math.max(1, Math.min(image.height - top, Math.round(box.height * image.height)));
  return { left, top, width, height };
}
