import DataLoader from "dataloader";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { ApiKeys } from "../auth/api-keys.js";
import type { RequestAuth } from "../auth/request-auth.js";
import type { CatalogService } from "../catalog/catalog-service.js";
import type { Analysis } from "../catalog/analysis.entity.js";
import type { AnalysisWatch } from "../jobs/analysis-watch.js";
import type { Photo } from "../catalog/photo.entity.js";
import type { Product } from "../catalog/product.entity.js";
import type { NearDuplicate } from "../catalog/product-repository.js";
import type { SimilarityService } from "../search/similarity-service.js";
import type { ImportService } from "../imports/import-service.js";
import type { PhotoUrls } from "../media/storage/photo-urls.js";

export interface RequestContext {
  catalog: CatalogService;
  similarity: SimilarityService;
  analysis: AnalysisWatch;
  /** Bulk imports by URL (one service per process: it opens its own EntityManagers). */
  imports: ImportService;
  loaders: {
    /** One read per product per request (or per subscription event, shared by every subscriber that gets it). */
    productById: DataLoader<string, Product>;
    photosByProductId: DataLoader<string, Photo[]>;
    analysisByProductId: DataLoader<string, Analysis | null>;
    nearDuplicatesByPhotoId: DataLoader<string, NearDuplicate[]>;
  };
  /** Absolute base of links handed to clients, such as Photo.url. */
  publicUrl: string;
  /** Photo.url: through the API, or presigned to the bucket. */
  photoUrls: PhotoUrls;
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
  imports: ImportService;
  /** Configured public URL; when absent, links are built from the request's own host. */
  publicUrl: string | undefined;
  photoUrls: PhotoUrls;
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

/** The data side of a context: one EntityManager (identity map) and its DataLoaders. */
type RequestScope = Pick<RequestContext, "catalog" | "similarity" | "loaders">;

export type ContextFactory = ((origin: RequestOrigin) => Promise<RequestContext>) & {
  /**
   * The context one subscription event runs in. A subscription lives for
   * hours, so it holds only its light context (origin, auth); each event gets
   * a fresh data scope, shared by every subscriber the same event reaches in
   * this process (one read of the product for all of them, not one each).
   */
  forEvent(subscription: RequestContext, event: unknown): RequestContext;
  /** What of a subscription's context its resolvers may answer by: subscriptions alike in it may share one answer to an event. */
  shareKey(subscription: RequestContext): string;
};

/**
 * Contexts over a fresh data scope each. The scope is made on first use, so
 * a subscription that never reads holds no EntityManager.
 */
export function createContextFactory(deps: ContextDependencies): ContextFactory {
  const eventScopes = new WeakMap<object, RequestScope>();
  const scopeOfEvent = (event: unknown): RequestScope => {
    if (typeof event !== "object" || event === null) return createRequestScope(deps);
    let scope = eventScopes.get(event);
    if (!scope) eventScopes.set(event, (scope = createRequestScope(deps)));
    return scope;
  };
  const forRequest = async (origin: RequestOrigin): Promise<RequestContext> =>
    new HttpRequestContext(new LazyScope(deps), {
      analysis: deps.analysis,
      imports: deps.imports,
      publicUrl: deps.publicUrl ?? `${origin.protocol}://${origin.host ?? "localhost"}`,
      photoUrls: deps.photoUrls,
      auth: origin.auth,
      apiKeys: deps.apiKeys,
      clientAddress: origin.clientAddress ?? null,
      queuedAnalyses: [],
    });
  return Object.assign(forRequest, {
    forEvent: (subscription: RequestContext, event: unknown): RequestContext => {
      const { catalog, similarity, loaders } = scopeOfEvent(event);
      const { analysis, imports, publicUrl, photoUrls, auth, apiKeys, clientAddress } = subscription;
      return { catalog, similarity, loaders, analysis, imports, publicUrl, photoUrls, auth, apiKeys, clientAddress, queuedAnalyses: [] };
    },
    // The links' base and the key (its scopes, and anything a later field may check of it); not the client's address.
    shareKey: (subscription: RequestContext) => JSON.stringify([subscription.publicUrl, subscription.auth.mode, subscription.auth.key?.id ?? null]),
  });
}

/** A request's data scope, made on first use and shared by every copy of the context that holds this. */
class LazyScope {
  #scope: RequestScope | undefined;
  constructor(private readonly deps: ContextDependencies) {}
  get(): RequestScope {
    return (this.#scope ??= createRequestScope(this.deps));
  }
}

/**
 * An HTTP request's context. Apollo Server hands the resolvers a shallow copy
 * of it (Object.assign onto the same prototype), and Object.assign reads
 * every own getter: getters on the object itself would make the data scope
 * (an EntityManager and its loaders) for every request, `{ __typename }`
 * included. Here they live on the prototype, and the copy shares the holder.
 */
class HttpRequestContext implements RequestContext {
  analysis!: AnalysisWatch;
  imports!: ImportService;
  publicUrl!: string;
  photoUrls!: PhotoUrls;
  auth!: RequestAuth;
  apiKeys!: ApiKeys;
  clientAddress!: string | null;
  queuedAnalyses!: string[];
  constructor(
    private readonly dataScope: LazyScope,
    fields: Omit<RequestContext, keyof RequestScope>,
  ) {
    Object.assign(this, fields);
  }
  get catalog(): CatalogService {
    return this.dataScope.get().catalog;
  }
  get similarity(): SimilarityService {
    return this.dataScope.get().similarity;
  }
  get loaders(): RequestContext["loaders"] {
    return this.dataScope.get().loaders;
  }
}

function createRequestScope(deps: ContextDependencies): RequestScope {
  const em = deps.orm.em.fork();
  const catalog = deps.createCatalog(em);
  return {
    catalog,
    similarity: deps.createSimilarity(em),
    loaders: {
      // Per id, as catalog.product answers it (NOT_FOUND, BAD_USER_INPUT); one read for all the ids of a tick.
      productById: new DataLoader((ids: readonly string[]) => catalog.readProducts(ids)),
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
  };
}
