import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";
import { shippedFolder } from "../package-paths.js";
import { graphModelFromFiles } from "./graph-model-files.js";
import { useWasmBackend } from "./tfjs-wasm.js";

// MobileNetV3 CenterNet trained on COCO, as shipped (converted) by @vladmandic/human.
const MODEL_JSON = () => `${shippedFolder("@vladmandic/human", "..", "models")}/centernet.json`;
export const CENTERNET_INPUT_NODE = "tower_0/images";

/**
 * The CenterNet graph, loaded once per thread and shared by the detector and
 * the embedder. The converted graph pins its input to one 512x512 image; the
 * batch and both sides are freed here so the embedder can run the backbone
 * on several views at once, at a smaller size.
 */
export async function loadCenterNetGraph(): Promise<GraphModel> {
  await useWasmBackend();
  return loadGraphModel(
    graphModelFromFiles(MODEL_JSON(), (topology) => {
      const input = topology.node.find((node) => node.name === CENTERNET_INPUT_NODE && node.op === "Placeholder");
      const dims = input?.attr?.shape?.shape?.dim;
      if (!dims || dims.length !== 4) throw new Error("The CenterNet graph has no 4-d image input to free.");
      dims[0] = { size: "-1" };
      dims[1] = { size: "-1" };
      dims[2] = { size: "-1" };
    }),
  );
}
