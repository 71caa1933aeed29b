import type { MikroORM } from "@mikro-orm/postgresql";

/** Reverts migrations one at a time, newest first, until `name` is reverted too; returns their names. */
export async function migrateDownThrough(orm: MikroORM, name: string): Promise<string[]> {
  const reverted: string[] = [];
  while (!reverted.includes(name)) {
    const step = await orm.getMigrator().down();
    if (step.length !== 1) throw new Error(`expected to revert one migration on the way to ${name}, reverted ${step.length}`);
    reverted.push(step[0]!.name);
  }
  return reverted;
}
