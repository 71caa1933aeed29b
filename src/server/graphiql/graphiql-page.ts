import type { ExampleTab } from "./example-tabs.js";

export interface GraphiqlPageOptions {
  /** Path of the GraphQL endpoint, e.g. /graphql; subscriptions use the same path over ws. */
  endpoint: string;
  /** Path the browser assets are served under. */
  assetBase: string;
  tabs: readonly ExampleTab[];
}

/** JSON that is safe inside a <script> element: no "</script>" can close it early. */
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

export function renderGraphiqlPage({ endpoint, assetBase, tabs }: GraphiqlPageOptions): string {
  const asset = (name: string) => `${assetBase}/${name}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Lookalike · GraphiQL</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${asset("style.css")}">
  <style>
    html, body, #graphiql { height: 100%; margin: 0; }
    .lookalike-upload { display: flex; flex-direction: column; gap: 12px; }
    .lookalike-upload p { margin: 0; }
  </style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script type="application/json" id="lookalike-graphiql-settings">${scriptSafeJson({ endpoint, tabs })}</script>
  <script src="${asset("react.production.min.js")}"></script>
  <script src="${asset("react-dom.production.min.js")}"></script>
  <script src="${asset("index.umd.js")}"></script>
  <script src="${asset("graphql-ws.min.js")}"></script>
  <script src="${asset("lookalike-graphiql.js")}"></script>
</body>
</html>
`;
}
