import DataLoader from "dataloader";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { ApiKeys } from "../auth/api-keys.js";
import type { RequestAuth } from "../auth/request-auth.js";
import type { CatalogService } from "../catalog/catalog-service.js";
import type { Analysis } from "../catalog/analysis.entity.js";
import type { AnalysisWatch } from "../catalog/analysis-watch.js";
import type { Photo } from "../catalog/photo.entity.js";
import type { NearDuplicate } from "../catalog/product-repository.js";
import type { SimilarityService } from "../catalog/similarity-service.js";

export interface RequestContext {
  catalog: CatalogService;
  similarity: SimilarityService;
  analysis: AnalysisWatch;
  loaders: {
    photosByProductId: DataLoader<string, Photo[]>;
    analysisByProductId: DataLoader<string, Analysis | null>;
    nearDuplicatesByPhotoId: DataLoader<string, NearDuplicate[]>;
  };
  /** Absolute base of links handed to clients, such as Photo.url. */
  publicUrl: string;
  /** Who is asking: the verified API key (id, scopes) or null; checked before execution, kept for per-key limits. */
  auth: RequestAuth;
  apiKeys: ApiKeys;
  /** The client's address (behind TRUST_PROXY_HOPS proxies, the one they forwarded); null over WebSocket. Anonymous requests are rate-limited by it. */
  clientAddress: string | null;
  /** Products whose analysis this request queued (addProduct, retryAnalysis): the rate limiter counts them against the key's pending analyses. */
  queuedAnalyses: string[];
}

export interface ContextDependencies {
  orm: MikroORM;
  /** Builds the catalogue over one request's EntityManager. */
  createCatalog: (em: EntityManager) => CatalogService;
  createSimilarity: (em: EntityManager) => SimilarityService;
  analysis: AnalysisWatch;
  /** Configured public URL; when absent, links are built from the request's own host. */
  publicUrl: string | undefined;
  apiKeys: ApiKeys;
}

/** What links are built from: the request's scheme and Host header. */
export interface RequestOrigin {
  protocol: string;
  host: string | undefined;
  /** The credentials the request carried, as the server verified them. */
  auth: RequestAuth;
  /** The client's address, for the rate limits of anonymous requests. */
  clientAddress?: string;
}

/** A fresh EntityManager (identity map) and fresh DataLoaders for every request. */
export function createContextFactory(deps: ContextDependencies) {
  return async (origin: RequestOrigin): Promise<RequestContext> => {
    const em = deps.orm.em.fork();
    const catalog = deps.createCatalog(em);
    return {
      catalog,
      similarity: deps.createSimilarity(em),
      analysis: deps.analysis,
      loaders: {
        photosByProductId: new DataLoader(async (ids: readonly string[]) => {
          const byProduct = await catalog.photosOfProducts(ids);
          return ids.map((id) => byProduct.get(id) ?? []);
        }),
        analysisByProductId: new DataLoader(async (ids: readonly string[]) => {
          const byProduct = await catalog.analysesOfProducts(ids);
          return ids.map((id) => byProduct.get(id) ?? null);
        }),
        nearDuplicatesByPhotoId: new DataLoader(async (ids: readonly string[]) => {
          const byPhoto = await catalog.nearDuplicatesOfPhotos(ids);
          return ids.map((id) => byPhoto.get(id) ?? []);
        }),
      },
      publicUrl: deps.publicUrl ?? `${origin.protocol}://${origin.host ?? "localhost"}`,
      auth: origin.auth,
      apiKeys: deps.apiKeys,
      clientAddress: origin.clientAddress ?? null,
      queuedAnalyses: [],
    };
  };
}
