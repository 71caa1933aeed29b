import DataLoader from "dataloader";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { CatalogService } from "../catalog/catalog-service.js";
import type { Photo } from "../catalog/photo.entity.js";

export interface RequestContext {
  catalog: CatalogService;
  loaders: { photosByProductId: DataLoader<string, Photo[]> };
  /** Absolute base of links handed to clients, such as Photo.url. */
  publicUrl: string;
}

export interface ContextDependencies {
  orm: MikroORM;
  /** Builds the catalogue over one request's EntityManager. */
  createCatalog: (em: EntityManager) => CatalogService;
  /** Configured public URL; when absent, links are built from the request's own host. */
  publicUrl: string | undefined;
}

interface RequestLike {
  protocol: string;
  get(header: string): string | undefined;
}

/** A fresh EntityManager (identity map) and fresh DataLoaders for every request. */
export function createContextFactory(deps: ContextDependencies) {
  return async ({ req }: { req: RequestLike }): Promise<RequestContext> => {
    const catalog = deps.createCatalog(deps.orm.em.fork());
    return {
      catalog,
      loaders: {
        photosByProductId: new DataLoader(async (ids: readonly string[]) => {
          const byProduct = await catalog.photosOfProducts(ids);
          return ids.map((id) => byProduct.get(id) ?? []);
        }),
      },
      publicUrl: deps.publicUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`,
    };
  };
}
