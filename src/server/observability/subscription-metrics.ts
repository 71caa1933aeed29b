import { Gauge, type Registry } from "prom-client";
import type { SubscriptionStats } from "../subscriptions-server.js";

/** Open GraphQL WebSockets and the subscriptions on them, counted when Prometheus scrapes. */
export function observeSubscriptions(registry: Registry, stats: () => SubscriptionStats): void {
  new Gauge({
    name: "lookalike_websocket_connections",
    help: "Open WebSocket connections on the GraphQL path (graphql-ws).",
    registers: [registry],
    collect() {
      this.set(stats().connections);
    },
  });
  new Gauge({
    name: "lookalike_graphql_subscriptions",
    help: "GraphQL subscriptions running over WebSocket.",
    registers: [registry],
    collect() {
      this.set(stats().subscriptions);
    },
  });
}
