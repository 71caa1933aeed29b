/** One counter or gauge from the app's Prometheus /metrics. */
export async function metricValue(appUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}

/** The value of one sample in a /metrics exposition, the labels given in any order; undefined when absent. */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split("\n")) {
    const match = /^([^{\s]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** The response cache's counter (server/response-cache/), by result. */
export async function responseCacheCounts(appUrl: string): Promise<{ hit: number; miss: number; shared: number; waiting: number }> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const count = (result: string) => sample(text, "lookalike_graphql_response_cache_requests_total", { result }) ?? 0;
  return { hit: count("hit"), miss: count("miss"), shared: count("shared"), waiting: sample(text, "lookalike_graphql_response_cache_waiting") ?? 0 };
}
