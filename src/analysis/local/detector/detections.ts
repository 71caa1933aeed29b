import type { BoundingBox } from "../../features.js";

/** One object the detector found: a COCO class name, its score and where it is (fractions of the image). */
export interface Detection {
  label: string;
  score: number;
  box: BoundingBox;
}

export interface SuppressionRules {
  /** Two boxes of one class overlapping more than this are one object. */
  sameClassIou: number;
  /**
   * A box of another class on (nearly) the same spot survives only when its
   * score is close to the winner's: a real second reading (orange or apple?),
   * not the long tail of guesses CenterNet gives for one blob.
   */
  otherClassIou: number;
  otherClassScoreRatio: number;
  maxDetections: number;
}

export function intersectionOverUnion(a: BoundingBox, b: BoundingBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/** Greedy non-maximum suppression, best score first, per class and across classes. */
export function suppressOverlaps(candidates: readonly Detection[], rules: SuppressionRules): Detection[] {
  const kept: Detection[] = [];
  for (const candidate of [...candidates].sort((a, b) => b.score - a.score)) {
    if (kept.length >= rules.maxDetections) break;
    const suppressed = kept.some((winner) => {
      const iou = intersectionOverUnion(candidate.box, winner.box);
      if (candidate.label === winner.label) return iou > rules.sameClassIou;
      return iou > rules.otherClassIou && candidate.score < rules.otherClassScoreRatio * winner.score;
    });
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}
