// The @octokit/request that @octokit/oauth-methods itself resolves, for tests that configure it
// with a base URL. Kept apart from support.js, which needs the suite's environment.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** The exact @octokit/request module that @octokit/oauth-methods itself resolves (v10, fetch based). */
export async function oauthMethodsRequest() {
  const requireFromOauthMethods = createRequire(import.meta.resolve("@octokit/oauth-methods"));
  const path = requireFromOauthMethods.resolve("@octokit/request");
  const { request } = await import(pathToFileURL(path).href);
  return request;
}
