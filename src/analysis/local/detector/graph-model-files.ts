import { readFile } from "node:fs/promises";
import path from "node:path";
import type { io } from "@tensorflow/tfjs-core";

/** The part of a graph's topology a loader may adjust (for example an input's shape). */
export interface GraphTopology {
  node: Array<{ name: string; op: string; attr?: { shape?: { shape?: { dim?: Array<{ size: string }> } } } }>;
}

interface GraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: GraphTopology;
  signature?: object;
  weightsManifest: io.WeightsManifestConfig;
}

/**
 * A tf.io handler that reads a converted graph model (model.json + .bin shards)
 * from disk; `adjust` may change the topology before it is built.
 */
export function graphModelFromFiles(modelJsonPath: string, adjust?: (topology: GraphTopology) => void): io.IOHandler {
  return {
    async load(): Promise<io.ModelArtifacts> {
      const model = JSON.parse(await readFile(modelJsonPath, "utf8")) as GraphModelJson;
      if (!model.modelTopology || !Array.isArray(model.weightsManifest)) {
        throw new Error(`${path.basename(modelJsonPath)} is not a TensorFlow.js graph model.`);
      }
      adjust?.(model.modelTopology);
      const folder = path.dirname(modelJsonPath);
      const shardPaths = model.weightsManifest.flatMap((group) => group.paths);
      const shards = await Promise.all(shardPaths.map((shard) => readFile(path.join(folder, shard))));
      return {
        format: model.format,
        generatedBy: model.generatedBy,
        convertedBy: model.convertedBy,
        modelTopology: model.modelTopology,
        signature: model.signature,
        weightSpecs: model.weightsManifest.flatMap((group) => group.weights),
        weightData: shards.map((shard) => shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength) as ArrayBuffer),
      };
    },
  };
}
