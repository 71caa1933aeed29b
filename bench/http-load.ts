import autocannon from "autocannon";

/** What autocannon sends, in turn, on every connection: GraphQL POST bodies. */
export interface HttpWorkload {
  name: string;
  /** JSON bodies ({ query, variables }); each connection cycles through them in order. */
  bodies: readonly string[];
  /**
   * Instead of bodies: the body of every next request, whichever connection
   * sends it (one stream shared by all connections, in the order drawn).
   */
  next?: () => string;
}

/** One timed autocannon run against one app with one workload. */
export interface LoadRun {
  /** Responses received, whatever their status. */
  responses: number;
  /** Wall time of the run, in seconds. */
  seconds: number;
  requestsPerSecond: number;
  /** Responses with a status outside 200-299. */
  non2xx: number;
  /** 2xx responses whose body carries GraphQL errors or no data (a resolver failed: the run measures nothing useful). */
  graphqlErrors: number;
  /** Connection errors and timeouts (autocannon's `errors`, which include `timeouts`). */
  errors: number;
  timeouts: number;
  /** Response statuses seen, with counts. */
  statuses: Record<string, number>;
  /** autocannon's own percentiles of this run, in ms. */
  latency: { p50: number; p97_5: number; p99: number; max: number };
  /** Every response's latency in ms, so runs of one configuration can be pooled into exact percentiles. */
  samples: number[];
}

export interface LoadOptions {
  /** Seconds. */
  duration: number;
  connections: number;
  /** Seconds without a response before a request counts as a timeout. */
  timeout?: number;
}

/**
 * Drives `url` (the app's /graphql) with real HTTP POSTs from autocannon:
 * `connections` keep-alive connections, each sending the workload's bodies
 * in turn, one request in flight per connection, for `duration` seconds.
 * Every response body is checked for GraphQL errors.
 */
export async function runLoad(url: string, headers: Readonly<Record<string, string>>, workload: HttpWorkload, options: LoadOptions): Promise<LoadRun> {
  let graphqlErrors = 0;
  const samples: number[] = [];
  let finish: (error: unknown, result: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => (finish = (error, result) => (error ? reject(error) : resolve(result))));
  const instance = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    connections: options.connections,
    pipelining: 1,
    duration: options.duration,
    timeout: options.timeout ?? 10,
    requests: (workload.next ? [null] : workload.bodies).map((body) => ({
      method: "POST" as const,
      ...(body === null ? { setupRequest: (request: autocannon.Request) => ({ ...request, body: workload.next!() }) } : { body }),
      // Only 2xx responses are looked into: the others are counted as non-2xx already.
      onResponse: (status: number, responseBody: string) => {
        if (status >= 200 && status < 300 && !isCleanResult(responseBody)) graphqlErrors++;
      },
    })),
  }, (error, result) => finish(error, result));
  instance.on("response", (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  const result = await done;
  const statuses: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = stats.count ?? 0;
  const responses = result.requests.total;
  return {
    responses,
    seconds: result.duration,
    requestsPerSecond: result.duration > 0 ? responses / result.duration : 0,
    non2xx: result.non2xx,
    graphqlErrors,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    latency: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
    samples,
  };
}

/**
 * A GraphQL response with data and without errors. A string check, not a
 * parse: the load generator shares the machine with the app, and should
 * spend as little of it as it can. Apollo writes `data` first and an
 * `errors` list whenever there is one.
 */
function isCleanResult(body: string): boolean {
  return body.startsWith('{"data":{') && !body.includes('"errors":[');
}
