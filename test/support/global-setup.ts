// Placeholder until the embedded PostgreSQL test cluster lands (see db/).
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
