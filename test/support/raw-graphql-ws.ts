import WebSocket from "ws";

/** A graphql-transport-ws message, as a raw socket sees it. */
export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

/** A raw socket to the app's graphql-ws endpoint (no client library), once open; `headers` such as another Host. */
export function openGraphqlWs(appUrl: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const socket = new WebSocket(`${appUrl.replace("http", "ws")}/graphql`, "graphql-transport-ws", { headers });
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

export function nextMessage(socket: WebSocket): Promise<WsMessage> {
  return new Promise((resolve) => socket.once("message", (data) => resolve(JSON.parse(data.toString()) as WsMessage)));
}
