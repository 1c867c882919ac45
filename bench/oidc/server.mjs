// oidc-provider's token introspection, the second baseline of grantd's check-token benchmark.
//   node bench/oidc/server.mjs DATADIR PORT
// Registers the seeded app (DATADIR/app.json) as a confidential client (client_secret_basic) and
// serves RFC 7662 introspection at POST /token/introspection. The adapter knows every token of
// DATADIR/tokens.txt as an opaque AccessToken of the seeded user for that client, scope "repo".
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [dir, port = '8092'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node server.mjs DATADIR [PORT]');
  process.exit(2);
}
const app = JSON.parse(readFileSync(`${dir}/app.json`, 'utf8'));
const user = JSON.parse(readFileSync(`${dir}/user.json`, 'utf8'));
const tokens = new Set(readFileSync(`${dir}/tokens.txt`, 'utf8').split('\n').filter(Boolean));
const iat = Math.floor(Date.now() / 1000);
const exp = iat + 365 * 24 * 3600;

const stores = new Map();
class Adapter {
  constructor(name) {
    this.name = name;
    if (!stores.has(name)) stores.set(name, new Map());
    this.store = stores.get(name);
  }

  async upsert(id, payload) { this.store.set(id, payload); }

  async find(id) {
    if (this.name === 'AccessToken' && tokens.has(id)) {
      return {
        iat, exp, jti: id, kind: 'AccessToken', accountId: user.login, clientId: app.client_id,
        scope: 'repo', gty: 'authorization_code',
      };
    }
    return this.store.get(id);
  }

  async findByUserCode() { return undefined; }

  async findByUid() { return undefined; }

  async consume(id) { const p = this.store.get(id); if (p) p.consumed = iat; }

  async destroy(id) { this.store.delete(id); }

  async revokeByGrantId() {}
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: Adapter,
  clients: [{
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uris: ['https://bench.example.com/callback'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  features: { introspection: { enabled: true }, devInteractions: { enabled: false } },
  scopes: ['openid', 'repo'],
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(Number(port), '127.0.0.1', () => {
  console.error(`oidc-provider: ${tokens.size} tokens, listening on 127.0.0.1:${port}`);
});
