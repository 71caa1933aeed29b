export { createLocalPanel, createLocalPanelTagger } from "./local-panel-tagger.js";
export { BACKBONE_EMBEDDING } from "./embedding/backbone-embedder.js";
export type { LocalPanel, LocalPanelLogger, LocalPanelStats, LocalPanelTagger, LocalPanelTaggerOptions } from "./local-panel-tagger.js";
export { ImageAnalysisFailedError, LocalTaggerFailedError } from "./errors.js";
export { PANEL_STEPS, type PanelStep } from "./panel-steps.js";
export { UNIDENTIFIED_OBJECT_TYPE } from "./unidentified-object.js";
