// A real OpenID Connect provider for the real-name login tests: npm's `oidc-provider` (installed by
// scripts/test, pinned), standing in for the provincial unified identity platform. One client (Yiyin)
// and one test user whose claims carry the name and the citizen ID number (`name`, `id_number`);
// the interaction logs the user in and grants consent at once, as a user who clicks through would.
//
// Usage: node oidc_provider.mjs (configured by the environment):
//   OIDC_PROVIDER_MODULE  the path of oidc-provider's lib/index.js
//   OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI
//   OIDC_SUB, OIDC_NAME, OIDC_ID_NUMBER  the test user
//   OIDC_PASSWORD  optional: the login prompt is then a login form (account: the ID number), as a
//                  person meets it in a browser, instead of logging in at once
// Prints "ready" once it listens.

import http from 'node:http';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return value;
};

const { default: Provider } = await import(pathToFileURL(env('OIDC_PROVIDER_MODULE')).href);
const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const user = { sub: env('OIDC_SUB'), name: env('OIDC_NAME'), id_number: env('OIDC_ID_NUMBER') };

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('OIDC_CLIENT_ID'),
    client_secret: env('OIDC_CLIENT_SECRET'),
    redirect_uris: [env('OIDC_REDIRECT_URI')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], profile: ['name', 'id_number'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  async findAccount(ctx, id) {
    if (id !== user.sub) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: user.name, id_number: user.id_number };
      },
    };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const password = process.env.OIDC_PASSWORD || '';

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The platform's login page: the account is the ID number.
const loginForm = (res, uid, error) => {
  res.statusCode = error ? 401 : 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>统一身份认证平台</title></head>
<body><h1>统一身份认证平台</h1>${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" id="idp-login">
<label>证件号码 <input name="account" autocomplete="username"></label>
<label>密码 <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">登录</button></form></body></html>`);
};

const formBody = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  if (!req.url.startsWith('/interaction/')) {
    callback(req, res);
    return;
  }
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (password) {
        if (req.method !== 'POST') {
          loginForm(res, details.uid, '');
          return;
        }
        const form = await formBody(req);
        if (form.get('account') !== user.id_number || form.get('password') !== password) {
          loginForm(res, details.uid, '证件号码或密码错误');
          return;
        }
      }
      await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    console.error('interaction', err);
    res.statusCode = 500;
    res.end(String(err));
  }
});
server.listen(port, '127.0.0.1', () => console.log('ready'));
