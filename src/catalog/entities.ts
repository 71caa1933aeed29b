import { analysisSchema } from "./analysis.entity.js";
import { photoSchema } from "./photo.entity.js";
import { productSchema } from "./product.entity.js";

/** The catalogue's entities, handed to the ORM by whoever opens it (db/ knows no entity by name). */
export const catalogEntities = [productSchema, photoSchema, analysisSchema];
