import type { ImageInput } from "./tagger.js";

/** Which model made a vector, and how long its vectors are: stored with every vector. */
export interface EmbeddingModel {
  /** Changes whenever vectors from the old model would not be comparable with new ones. */
  id: string;
  dimension: number;
}

/** What a photo looks like, as a unit-length vector: close vectors, similar-looking photos. */
export interface Embedding {
  model: string;
  vector: number[];
}

export interface EmbedderHealth {
  name: string;
  ready: boolean;
  detail?: string;
}

/** Turns an image into an Embedding. Knows nothing of GraphQL or the database. */
export interface Embedder {
  readonly model: EmbeddingModel;
  embed(image: ImageInput, options?: { signal?: AbortSignal }): Promise<Embedding>;
  health(): EmbedderHealth;
  close(): Promise<void>;
}
