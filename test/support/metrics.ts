/** One counter or gauge from the app's Prometheus /metrics. */
export async function metricValue(appUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${appUrl}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}
