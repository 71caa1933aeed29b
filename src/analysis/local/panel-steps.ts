/** The experts of the panel, as reported to AnalyzeOptions.onStep when each one finishes. */
export const PANEL_STEPS = ["detector", "colour", "ocr"] as const;
export type PanelStep = (typeof PANEL_STEPS)[number];

/** Steps an analysis can do without: it still has objects and colours without them. */
export const OPTIONAL_PANEL_STEPS = ["ocr"] as const satisfies readonly PanelStep[];

/** An expert left out of one analysis, and why (for analysis.error on a READY analysis). */
export interface SkippedStep {
  step: PanelStep;
  reason: string;
}
