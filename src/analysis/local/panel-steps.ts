/** The experts of the panel, as reported to AnalyzeOptions.onStep when each one finishes. */
export const PANEL_STEPS = ["detector", "colour", "ocr"] as const;
export type PanelStep = (typeof PANEL_STEPS)[number];
