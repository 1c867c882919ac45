// @octokit/oauth-methods@6.0.5's web application flow, one step per run, for the browser suite
// (clients/browser/tests/test_clients.py), which drives the person's side in Chromium between the
// two steps. Reads one JSON object on standard input, writes one on standard output:
//
//   node web-flow.mjs url       {base, clientId, redirectUrl, state, scopes}
//     → getWebFlowAuthorizationUrl's result (its `url` is what the browser opens)
//   node web-flow.mjs exchange  {base, clientId, clientSecret, code, redirectUrl}
//     → {authentication, check, user}: exchangeWebFlowCode's authentication, then checkToken's
//       answer and GET /user with the new token
//
// `base` is the API base URL the app configures octokit with (`request.defaults({baseUrl})`):
// octokit derives the OAuth host from it (FLOWS 1). Failures are printed and exit non-zero.
import { checkToken, exchangeWebFlowCode, getWebFlowAuthorizationUrl } from "@octokit/oauth-methods";
import { oauthMethodsRequest } from "./lib/oauth-request.js";

async function readStdin() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text);
}

async function main() {
  const step = process.argv[2];
  const input = await readStdin();
  const request = (await oauthMethodsRequest()).defaults({ baseUrl: input.base });
  const app = { clientType: "oauth-app", clientId: input.clientId, request };
  if (step === "url") {
    return getWebFlowAuthorizationUrl({
      ...app, redirectUrl: input.redirectUrl, state: input.state, scopes: input.scopes,
    });
  }
  if (step === "exchange") {
    const { authentication } = await exchangeWebFlowCode({
      ...app, clientSecret: input.clientSecret, code: input.code, redirectUrl: input.redirectUrl,
    });
    const check = await checkToken({ ...app, clientSecret: input.clientSecret, token: authentication.token });
    const user = await request("GET /user", { headers: { authorization: `token ${authentication.token}` } });
    return {
      authentication,
      check: { status: check.status, data: check.data },
      user: { status: user.status, data: user.data, scopes: user.headers["x-oauth-scopes"] ?? null },
    };
  }
  throw new Error(`unknown step ${JSON.stringify(step)} (url or exchange)`);
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error) => {
    const data = error.response ? ` ${JSON.stringify(error.response.data)}` : "";
    process.stderr.write(`${error.name}: ${error.message}${data}\n`);
    process.exit(1);
  },
);
