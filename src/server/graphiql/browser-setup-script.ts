/**
 * The page's own script, run by the browser as it is (no build step). It
 * reads its settings from the JSON the page embeds, and wires GraphiQL to:
 * - HTTP for queries and mutations, and graphql-ws for subscriptions (lazy:
 *   nothing connects until a subscription runs);
 * - an "Upload" plugin: the file chosen there goes with every operation that
 *   declares an Upload variable, as a GraphQL multipart request carrying the
 *   CSRF preflight header;
 * - an "API key" plugin: the key pasted there (kept for the browser tab only,
 *   in sessionStorage) goes as Authorization: Bearer over HTTP, unless the
 *   Headers editor sets its own, and as { apiKey } in graphql-ws's
 *   connection_init.
 * Plain ES2020 in a string, because the server's TypeScript has no DOM types
 * and the built server must find it without copying files (no backticks or
 * template substitutions inside).
 */
export const BROWSER_SETUP_SCRIPT = String.raw`(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("lookalike-graphiql-settings").textContent);
  var React = window.React;
  var h = React.createElement;
  var GraphQL = window.GraphiQL.GraphQL;
  var endpoint = new URL(settings.endpoint, window.location.href).href;
  var KEY_STORAGE = "lookalike-api-key";
  var apiKey = "";
  try { apiKey = window.sessionStorage.getItem(KEY_STORAGE) || ""; } catch (error) { /* storage may be off */ }
  var wsClient = null;
  var httpFetcher = null;
  /** A fresh connection for every key: connection_init carries the key only when a socket opens. */
  function connect() {
    if (wsClient) wsClient.dispose();
    wsClient = window.graphqlWs.createClient({
      url: endpoint.replace(/^http/, "ws"),
      lazy: true,
      retryAttempts: 0,
      connectionParams: function () { return apiKey ? { apiKey: apiKey } : {}; },
    });
    httpFetcher = window.GraphiQL.createFetcher({ url: endpoint, wsClient: wsClient });
  }
  connect();
  function setApiKey(key) {
    apiKey = key.trim();
    try { window.sessionStorage.setItem(KEY_STORAGE, apiKey); } catch (error) { /* kept in memory only */ }
    connect();
  }
  /** The Headers editor's own Authorization wins over the pasted key. */
  function withApiKey(headers) {
    var own = Object.keys(headers || {}).some(function (name) { return name.toLowerCase() === "authorization"; });
    return apiKey && !own ? Object.assign({ Authorization: "Bearer " + apiKey }, headers) : headers;
  }

  var chosenFile = null;
  var listeners = new Set();
  function chooseFile(file) {
    chosenFile = file;
    listeners.forEach(function (listener) { listener(file); });
  }

  function parseOrNull(query) {
    try {
      return GraphQL.parse(query);
    } catch (error) {
      return null; // the server reports the syntax error
    }
  }

  /** The operation about to run: the one named, or else the only one. */
  function operationToRun(document, operationName) {
    var operations = document.definitions.filter(function (d) { return d.kind === GraphQL.Kind.OPERATION_DEFINITION; });
    var named = operations.find(function (d) { return d.name && d.name.value === operationName; });
    return named || (operations.length === 1 ? operations[0] : null);
  }

  /** The operation's Upload variables: [{ name, list }]. */
  function uploadVariables(operation) {
    return (operation.variableDefinitions || []).flatMap(function (definition) {
      var type = definition.type;
      var list = false;
      while (type.kind !== GraphQL.Kind.NAMED_TYPE) {
        if (type.kind === GraphQL.Kind.LIST_TYPE) list = true;
        type = type.type;
      }
      return type.name.value === "Upload" ? [{ name: definition.variable.name.value, list: list }] : [];
    });
  }

  /** One file, at every Upload variable, per the GraphQL multipart request spec. */
  async function postMultipart(params, uploads, headers) {
    var variables = Object.assign({}, params.variables);
    var paths = uploads.map(function (upload) {
      variables[upload.name] = upload.list ? [null] : null;
      return "variables." + upload.name + (upload.list ? ".0" : "");
    });
    var form = new FormData();
    form.append("operations", JSON.stringify(Object.assign({}, params, { variables: variables })));
    form.append("map", JSON.stringify({ 0: paths }));
    form.append("0", chosenFile, chosenFile.name);
    var sent = {};
    Object.keys(headers || {}).forEach(function (key) {
      if (key.toLowerCase() !== "content-type") sent[key] = headers[key]; // the browser sets the multipart boundary
    });
    sent["apollo-require-preflight"] = "true";
    var response = await fetch(endpoint, { method: "POST", headers: sent, body: form });
    return response.json();
  }

  function fetcher(params, options) {
    options = Object.assign({}, options, { headers: withApiKey(options && options.headers) });
    var document = params.query ? parseOrNull(params.query) : null;
    var operation = document && operationToRun(document, params.operationName);
    if (!operation) return httpFetcher(params, options);
    // GraphiQL reads the editor after a debounce, so right after a tab switch its operation name and
    // document can still be the previous tab's: take both from the text actually sent.
    params = Object.assign({}, params, { operationName: operation.name ? operation.name.value : undefined });
    options = Object.assign({}, options, { documentAST: document });
    var uploads = uploadVariables(operation);
    if (uploads.length === 0) return httpFetcher(params, options);
    if (!chosenFile) {
      return Promise.resolve({ errors: [{ message: "This operation uploads a file: choose one in the Upload panel (the paperclip on the left) first." }] });
    }
    return postMultipart(params, uploads, options.headers);
  }

  function UploadIcon() {
    return h("svg", { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5, strokeLinecap: "round", strokeLinejoin: "round", "aria-hidden": true },
      h("path", { d: "M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" }));
  }

  function UploadPanel() {
    var state = React.useState(chosenFile);
    var file = state[0];
    React.useEffect(function () {
      listeners.add(state[1]);
      return function () { listeners.delete(state[1]); };
    }, []);
    return h("div", { className: "lookalike-upload" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Upload"),
      h("p", null, "Choose a photo. Operations with an Upload variable (addProduct, findSimilarProducts) send it as a multipart request."),
      h("input", { type: "file", accept: "image/*", "aria-label": "Photo to upload", onChange: function (event) { chooseFile(event.target.files[0] || null); } }),
      h("p", { className: "lookalike-upload-chosen" }, file ? "Chosen: " + file.name + " (" + Math.ceil(file.size / 1024) + " KiB)" : "No file chosen."),
      file ? h("button", { type: "button", className: "graphiql-button", onClick: function () { chooseFile(null); } }, "Clear") : null);
  }

  var uploadPlugin = { title: "Upload", icon: UploadIcon, content: UploadPanel };

  function KeyIcon() {
    return h("svg", { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5, strokeLinecap: "round", strokeLinejoin: "round", "aria-hidden": true },
      h("circle", { cx: 7.5, cy: 15.5, r: 4.5 }),
      h("path", { d: "M10.7 12.3L20 3M16 7l3 3M14 9l2 2" }));
  }

  function ApiKeyPanel() {
    var state = React.useState(apiKey);
    return h("div", { className: "lookalike-upload lookalike-api-key" },
      h("div", { className: "graphiql-doc-explorer-title" }, "API key"),
      h("p", null, "Paste a key (lk_…). It is sent as Authorization: Bearer over HTTP and in connection_init for subscriptions, and kept for this browser tab only."),
      h("input", {
        type: "password",
        autoComplete: "off",
        spellCheck: false,
        placeholder: "lk_…",
        "aria-label": "API key",
        value: state[0],
        onChange: function (event) { state[1](event.target.value); setApiKey(event.target.value); },
      }),
      h("p", { className: "lookalike-api-key-state" }, state[0].trim() ? "Requests carry this key." : "No key: requests are anonymous."),
      state[0] ? h("button", { type: "button", className: "graphiql-button", onClick: function () { state[1](""); setApiKey(""); } }, "Clear") : null);
  }

  var apiKeyPlugin = { title: "API key", icon: KeyIcon, content: ApiKeyPanel };
  window.ReactDOM.createRoot(document.getElementById("graphiql")).render(
    h(window.GraphiQL, {
      fetcher: fetcher,
      defaultTabs: settings.tabs,
      plugins: [uploadPlugin, apiKeyPlugin],
      defaultEditorToolsVisibility: "variables",
    }),
  );
})();
`;
