import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { shippedFolder } from "../package-paths.js";

let ready: Promise<void> | undefined;

/**
 * Switches TensorFlow.js to its wasm backend, loading the .wasm binaries from
 * the package's own dist folder (never a CDN). Once per thread.
 */
export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    // A path prefix, not a URL: the backend reads it with fs in Node.
    setWasmPaths(`${shippedFolder("@tensorflow/tfjs-backend-wasm")}/`);
    const switched = await tf.setBackend("wasm");
    if (!switched) throw new Error("The TensorFlow.js wasm backend could not be initialised.");
    await tf.ready();
  })().catch((error: unknown) => {
    ready = undefined; // let a later load try again
    throw error;
  });
  return ready;
}
