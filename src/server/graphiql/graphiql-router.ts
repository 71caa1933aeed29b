import express, { type Request, type Router } from "express";
import { resolveBrowserAssets } from "./browser-assets.js";
import { BROWSER_SETUP_SCRIPT } from "./browser-setup-script.js";
import { EXAMPLE_TABS } from "./example-tabs.js";
import { renderGraphiqlPage } from "./graphiql-page.js";

const ASSET_BASE = "/graphiql/assets";
const SETUP_SCRIPT_NAME = "lookalike-graphiql.js";

/**
 * GraphiQL at the endpoint itself, for browsers only: a GET that prefers HTML
 * gets the page; every other request (POST, GET from a client) goes on to
 * Apollo. The assets come from node_modules, never from a CDN.
 */
export function createGraphiqlRouter(endpoint: string): Router {
  const assets = resolveBrowserAssets();
  const page = renderGraphiqlPage({ endpoint, assetBase: ASSET_BASE, tabs: EXAMPLE_TABS });
  const router = express.Router();

  router.get(endpoint, (req, res, next) => {
    if (!prefersHtml(req)) return next();
    res.type("html").set("cache-control", "no-store").send(page);
  });
  router.get(`${ASSET_BASE}/${SETUP_SCRIPT_NAME}`, (_req, res) => {
    res.type("js").set("cache-control", "no-store").send(BROWSER_SETUP_SCRIPT);
  });
  router.get(`${ASSET_BASE}/:name`, (req, res, next) => {
    const file = assets.get(req.params.name);
    if (!file) return next();
    res.sendFile(file, { maxAge: "1d" });
  });
  return router;
}

/** A browser navigation puts text/html first; a bare wildcard (as curl sends) still means JSON. */
function prefersHtml(req: Request): boolean {
  return req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html";
}
