import type { ServerResponse } from 'node:http';

// A small, dependency-free explorer served at GET /graphql for browsers: sign in, edit, run. Works offline.
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OmniRoute GraphQL</title>
<style>body{font:14px system-ui,sans-serif;margin:0;display:grid;grid-template-rows:auto 1fr;height:100vh}
header{background:#0b3d2e;color:#fff;padding:8px 12px;display:flex;gap:8px;align-items:center}
header input{padding:4px}main{display:grid;grid-template-columns:1fr 1fr;gap:8px;padding:8px;min-height:0}
textarea,pre{font:13px ui-monospace,monospace;border:1px solid #ccc;border-radius:4px;padding:8px;margin:0;overflow:auto}
.col{display:grid;grid-template-rows:3fr 1fr auto;gap:8px;min-height:0}button{padding:6px 14px}</style></head>
<body><header><b>OmniRoute GraphQL</b><input id="email" value="ops@lagos.demo" size="18"><input id="pw" type="password" value="omniroute-demo" size="14">
<button id="login">Sign in</button><span id="who"></span></header>
<main><div class="col"><textarea id="q">query OrderDetail($id: ID!) {
  order(id: $id) {
    number status total { amount currencyCode }
    customer { name type creditLine { limit { amount currencyCode } available { amount currencyCode } } }
    lines { quantity unitPrice { amount } variant { sku product { name } } }
    shipment { status vehicle { plate lastPosition { lat lng recordedAt } } rider { name level { name } } }
    invoice { status amountDue { amount currencyCode } }
  }
}
# First run: { orders(first: 5) { edges { node { id number status } } } }</textarea>
<textarea id="v">{ "id": "ord_LAGOS000240" }</textarea><button id="run">Run ▶</button></div><pre id="out"></pre></main>
<script>
let token = sessionStorage.getItem('omniroute-token') || '';
const $ = (id) => document.getElementById(id);
async function gql(query, variables) {
  const r = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) }, body: JSON.stringify({ query, variables }) });
  return r.json();
}
$('login').onclick = async () => {
  const r = await gql('mutation($i: LoginInput!) { login(input: $i) { accessToken user { name } userErrors { message } } }', { i: { email: $('email').value, password: $('pw').value } });
  token = r.data?.login?.accessToken || ''; sessionStorage.setItem('omniroute-token', token);
  $('who').textContent = token ? 'signed in as ' + r.data.login.user.name : (r.data?.login?.userErrors?.[0]?.message || 'failed');
};
$('run').onclick = async () => {
  let vars = {}; try { vars = JSON.parse($('v').value || '{}'); } catch { $('out').textContent = 'variables are not JSON'; return; }
  const q = $('q').value.split('\\n').filter((l) => !l.startsWith('#')).join('\\n');
  $('out').textContent = JSON.stringify(await gql(q, vars), null, 2);
};
if (token) $('who').textContent = 'signed in';
</script></body></html>`;

export function explorerPage(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(PAGE);
}
