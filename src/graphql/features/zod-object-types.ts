import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import type { GraphQLScalarType } from "graphql";
import { z } from "zod";

/**
 * Builds type-graphql object types from zod object schemas, so the GraphQL
 * shape of ImageFeatures is derived from the one zod schema rather than
 * written a second time. Property keys stay as in the data (snake_case);
 * GraphQL field names are camelCase.
 */

type TypeRef = GraphQLScalarType | object | [TypeRef];
interface ResolvedType {
  type: TypeRef;
  nullable: boolean;
}

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/** `names` gives the GraphQL name of every zod object and enum reachable from the roots. */
export function buildObjectTypes(names: Map<z.ZodType, string>): Map<z.ZodType, Function> {
  const built = new Map<z.ZodType, Function>();
  const enums = new Map<z.ZodType, object>();

  const nameOf = (schema: z.ZodType): string => {
    const name = names.get(schema);
    if (!name) throw new Error(`No GraphQL name given for a nested zod ${schema.def.type} schema`);
    return name;
  };

  const resolve = (schema: z.ZodType): ResolvedType => {
    if (schema instanceof z.ZodNullable) return { type: resolve(schema.unwrap() as z.ZodType).type, nullable: true };
    // A default only fills in missing input; what is served has the inner type.
    if (schema instanceof z.ZodDefault) return resolve(schema.unwrap() as z.ZodType);
    if (schema instanceof z.ZodString) return { type: String, nullable: false };
    if (schema instanceof z.ZodNumber) return { type: schema.format === "safeint" ? Int : Float, nullable: false };
    if (schema instanceof z.ZodBoolean) return { type: Boolean, nullable: false };
    if (schema instanceof z.ZodArray) return { type: [resolve(schema.element as z.ZodType).type], nullable: false };
    if (schema instanceof z.ZodEnum) return { type: enumOf(schema), nullable: false };
    if (schema instanceof z.ZodObject) return { type: objectOf(schema), nullable: false };
    throw new Error(`Zod ${schema.def.type} has no GraphQL mapping`);
  };

  const enumOf = (schema: z.ZodEnum): object => {
    const existing = enums.get(schema);
    if (existing) return existing;
    const values = Object.fromEntries(schema.options.map((value) => [String(value).toUpperCase(), value]));
    registerEnumType(values, { name: nameOf(schema), description: schema.description });
    enums.set(schema, values);
    return values;
  };

  const objectOf = (schema: z.ZodObject): Function => {
    const existing = built.get(schema);
    if (existing) return existing;
    const name = nameOf(schema);
    const type = { [name]: class {} }[name]!;
    built.set(schema, type);
    for (const [key, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const { type: fieldType, nullable } = resolve(fieldSchema);
      Field(() => fieldType, { name: camelCase(key), nullable, description: fieldSchema.description })(type.prototype, key);
    }
    ObjectType(name, { description: schema.description })(type);
    return type;
  };

  for (const schema of names.keys()) if (schema instanceof z.ZodObject) objectOf(schema);
  return built;
}
