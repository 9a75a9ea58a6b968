// The eIM operator console: every page works through the documented REST
// API (docs/rest-api.yaml) with the operator's API key, which is kept in
// session storage only. No framework: small functions that build the DOM
// (never HTML from data), one per page.

const KEY = 'iotrsp-api-key';
const RANK = { auditor: 1, operator: 2, approver: 3, admin: 4 };
let me = null;
let timer = null;

// ---- helpers ----

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) { logout('That key is not valid here.'); throw new Error('unauthorized'); }
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: r.status, json };
}

const can = (role) => me && RANK[me.role] >= RANK[role];
const when = (t) => (t ? new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : 'never');
const main = () => document.getElementById('main');

function page(title, ...kids) {
  // a page whose data came back after signing out shows nothing (the sign-in form stays)
  if (!me) return;
  const m = main();
  m.replaceChildren(h('h1', { text: title }), ...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
  document.title = title + ' — iotrsp eIM console';
}

function table(headers, rows, empty) {
  if (!rows.length) return h('p', { class: 'muted', text: empty || 'Nothing yet.' });
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col', class: x.num ? 'num' : null, text: x.name || x })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { class: headers[i].num ? 'num' : null }, c))))));
}

function message(kind, text) {
  return h('div', { class: 'msg ' + kind, role: kind === 'error' ? 'alert' : 'status', text });
}

function stateCell(s) { return h('span', { class: 'state-' + s, text: s }); }

// an operation from the quick form: {psmos:[...]} etc.
function operationFrom(kind, iccid, custom) {
  switch (kind) {
    case 'listProfileInfo': case 'getRAT': case 'unsetFallbackAttribute':
      return { psmos: [{ [kind]: {} }] };
    case 'enable': case 'disable': case 'delete': case 'setFallbackAttribute':
      return { psmos: [{ [kind]: kind === 'enable' ? { iccid, rollback: true } : { iccid } }] };
    default:
      return JSON.parse(custom || '{}');
  }
}

function operationFields(prefix) {
  const kinds = ['listProfileInfo', 'getRAT', 'enable', 'disable', 'delete', 'setFallbackAttribute', 'custom'];
  return [
    h('label', {}, 'Operation', h('select', { id: prefix + '-kind' }, kinds.map((k) => h('option', { value: k, text: k })))),
    h('label', {}, 'ICCID (enable, disable, delete, fallback)', h('input', { id: prefix + '-iccid', size: 22, inputmode: 'numeric' })),
    h('label', {}, 'Or the API\'s JSON', h('input', { id: prefix + '-json', size: 28, placeholder: '{"psmos":[...]}' })),
  ];
}

function readOperation(prefix) {
  return operationFrom(document.getElementById(prefix + '-kind').value,
    document.getElementById(prefix + '-iccid').value.trim(), document.getElementById(prefix + '-json').value.trim());
}

// what a submitted change came to, as a person reads it
function changeOutcome(r) {
  if (r.status === 201) return message('ok', `Queued (change ${r.json.change}).`);
  if (r.status === 202) return message('info', `Waiting for an approver: change ${r.json.change} (hash ${r.json.hash.slice(0, 16)}…).`);
  return message('error', (r.json && r.json.error) || `Refused (${r.status}).`);
}

// ---- pages ----

function loginPage(reason) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  const input = h('input', { id: 'key', type: 'password', autocomplete: 'off', required: true });
  const form = h('form', { class: 'box login', onsubmit: async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    location.hash = '#/fleet';
    await start();
  } },
  h('h1', { text: 'Sign in' }),
  reason ? message('error', reason) : null,
  h('label', {}, 'API key', input),
  h('p', { class: 'muted', text: 'The key stays in this tab (session storage) and goes to this eIM only.' }),
  h('button', { type: 'submit', text: 'Sign in' }));
  main().replaceChildren(form);
  document.title = 'Sign in — iotrsp eIM console';
}

function chart(title, minutes, series) {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': title });
  const xs = minutes.map((m) => m * 60);
  if (window.uPlot && xs.length) {
    requestAnimationFrame(() => new window.uPlot({ title, width: Math.max(300, box.clientWidth - 16), height: 200,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))] }, [xs, ...series.map((s) => s.data)], box));
  } else {
    box.append(h('p', { text: `${title}: ` + series.map((s) => `${s.label} ${s.data.reduce((a, b) => a + b, 0)}`).join(', ') }));
  }
  return box;
}

async function fleetPage() {
  const [sum, mins] = await Promise.all([api('GET', '/fleet/summary'), api('GET', '/fleet/minutes')]);
  const s = sum.json;
  const card = (n, l) => h('div', { class: 'card' }, h('div', { class: 'n', text: n }), h('div', { class: 'l', text: l }));
  const polls = mins.json.esipaRequests;
  const ended = {};
  for (const o of mins.json.operations) (ended[o.minute] ||= {})[o.state] = o.count;
  const xs = polls.map((p) => p.minute);
  page('Fleet',
    h('div', { class: 'cards' },
      card(s.euiccs, 'eUICCs'), card(s.learned, 'first contact done'), card(s.withWork, 'with work queued'),
      card(s.silent, 'silent for a day or more'), card(s.euiccs - s.coaps, 'polling over HTTPS'),
      card(s.coaps, 'over CoAP/DTLS'), card(s.jsonBinding, 'on the JSON binding')),
    h('div', { class: 'grid2' },
      chart('ESipa requests per minute (this node)', xs, [{ label: 'requests', color: '#0b57a4', data: polls.map((p) => p.count) }]),
      chart('Operations ended per minute', xs, [
        { label: 'done', color: '#11692f', data: xs.map((m) => (ended[m] || {})[2] || 0) },
        { label: 'failed', color: '#a4160b', data: xs.map((m) => (ended[m] || {})[3] || 0) },
        { label: 'expired', color: '#7a5b00', data: xs.map((m) => (ended[m] || {})[5] || 0) }])),
    h('div', { class: 'grid2' },
      h('section', {}, h('h2', { text: 'Profiles held' }),
        table(['ICCID', 'state', { name: 'eUICCs', num: true }], s.profiles.map((p) =>
          [h('a', { href: `#/euiccs?profile=${p.iccid}`, class: 'mono', text: p.iccid }), p.state, p.count]))),
      h('section', {}, h('h2', { text: 'Operators (enabled profiles by issuer)' }),
        table(['issuer', { name: 'eUICCs', num: true }], s.operators.map((o) => [h('span', { class: 'mono', text: o.key }), o.count]))),
      h('section', {}, h('h2', { text: 'Labels' }),
        table(['label', { name: 'eUICCs', num: true }], s.labels.map((l) =>
          [h('a', { href: `#/euiccs?label=${encodeURIComponent(l.key)}`, text: l.key }), l.count])))));
}

async function euiccsPage(params) {
  const q = new URLSearchParams(params);
  const r = await api('GET', '/euiccs?' + q.toString());
  const list = r.status === 200 ? r.json : [];
  const filter = (name, label) => h('label', {}, label, h('input', { name, value: q.get(name) || '', size: 18 }));
  const form = h('form', { class: 'box row', onsubmit: (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const el of ev.target.querySelectorAll('input,select')) if (el.value) p.set(el.name, el.value);
    location.hash = '#/euiccs?' + p.toString();
  } }, filter('label', 'Label'), filter('profile', 'Holds ICCID'),
  h('label', {}, 'Work', h('select', { name: 'pending' }, h('option', { value: '', text: 'any' }),
    h('option', { value: '1', text: 'queued', selected: q.get('pending') === '1' }))),
  h('button', { type: 'submit', text: 'Filter' }));
  const next = list.length === 500 ? (() => { const p = new URLSearchParams(q); p.set('after', list[list.length - 1].eid);
    return h('a', { href: '#/euiccs?' + p.toString(), text: 'Next 500 →' }); })() : null;
  page('eUICCs', form, r.status === 200 ? null : message('error', r.json.error),
    table(['EID', 'first contact', 'last contact', { name: 'work', num: true }, 'labels'], list.map((u) => [
      h('a', { href: '#/euicc/' + u.eid, class: 'mono', text: u.eid }), u.learned ? 'yes' : 'no', when(u.lastContact),
      u.pendingOperations, u.labels])), next);
}

async function euiccPage(eid) {
  const [u, ops, audit, notes] = await Promise.all([api('GET', '/euiccs/' + eid), api('GET', `/euiccs/${eid}/operations?limit=50`),
    api('GET', `/audit?limit=20&subject=${encodeURIComponent('euicc:' + eid)}`), api('GET', `/euiccs/${eid}/notifications`)]);
  if (u.status !== 200) { page('eUICC ' + eid, message('error', u.json.error)); return; }
  const d = u.json;
  const result = h('div', { 'aria-live': 'polite' });
  const reason = h('input', { id: 'op-reason', size: 30 });
  const start = can('operator') ? h('form', { class: 'box', onsubmit: async (ev) => {
    ev.preventDefault();
    let body;
    try { body = readOperation('op'); } catch { result.replaceChildren(message('error', 'That JSON does not parse.')); return; }
    if (reason.value) body.reason = reason.value;
    const r = await api('POST', `/euiccs/${eid}/operations`, body);
    result.replaceChildren(changeOutcome(r));
    if (r.status === 201) setTimeout(route, 800);
  } }, h('h2', { text: 'Start an operation (decided by the policy)' }),
  h('div', { class: 'row' }, operationFields('op'), h('label', {}, 'Reason', reason), h('button', { type: 'submit', text: 'Submit' })),
  result) : null;
  page('eUICC ' + eid,
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'l', text: 'labels' }), h('div', { text: d.labels || '—' })),
      h('div', { class: 'card' }, h('div', { class: 'l', text: 'last contact' }), h('div', { text: when(d.lastContact) })),
      h('div', { class: 'card' }, h('div', { class: 'l', text: 'counterValue' }), h('div', { text: d.counter })),
      h('div', { class: 'card' }, h('div', { class: 'l', text: 'last state change' }),
        h('div', { text: d.lastStateChange ? `${d.lastStateChange.cause} at ${when(d.lastStateChange.at)}` : '—' }))),
    h('h2', { text: 'Profiles, as the eUICC last reported them' }),
    table(['ICCID', 'state'], (d.profiles || []).map((p) => [h('span', { class: 'mono', text: p.iccid }), p.state]), 'None reported yet.'),
    start,
    h('h2', { text: 'Operations' }),
    table([{ name: 'id', num: true }, 'kind', 'state', { name: 'result', num: true }, 'updated', 'results'],
      (ops.json || []).map((o) => [o.id, o.kind, stateCell(o.state), o.resultCode, when(o.updated),
        h('span', { class: 'mono', text: o.results ? JSON.stringify(o.results).slice(0, 160) : '' })])),
    h('h2', { text: 'Notifications (to the SM-DP+s)' }),
    table([{ name: 'seq', num: true }, 'event', 'ICCID', 'to', 'state', 'received'],
      (notes.json || []).map((x) => [x.seq, x.event || '?', h('span', { class: 'mono', text: x.iccid || '' }), x.address || '',
        x.state, when(x.received)]), 'None.'),
    h('h2', { text: 'Audit entries' }),
    table([{ name: 'id', num: true }, 'when', 'who', 'action', 'outcome'],
      (audit.json || []).map((a) => [a.id, when(a.ts), a.actor, a.action, a.outcome])));
}

async function campaignsPage() {
  const r = await api('GET', '/campaigns?limit=50');
  const out = h('div', { 'aria-live': 'polite' });
  const field = (id, label, attrs) => h('label', {}, label, h('input', { id, ...attrs }));
  const body = () => {
    const b = readOperation('camp');
    b.name = document.getElementById('camp-name').value || 'campaign';
    b.label = document.getElementById('camp-label').value;
    const stages = document.getElementById('camp-stages').value.trim();
    if (stages) b.stages = stages.split(',').map((x) => (x.trim().endsWith('%') ? x.trim() : Number(x)));
    const halt = document.getElementById('camp-halt').value;
    if (halt) b.haltFailureRate = Number(halt);
    const reason = document.getElementById('camp-reason').value;
    if (reason) b.reason = reason;
    return b;
  };
  const form = can('operator') ? h('form', { class: 'box', onsubmit: async (ev) => {
    ev.preventDefault();
    const res = await api('POST', '/campaigns', body());
    out.replaceChildren(changeOutcome(res));
    if (res.status === 201) location.hash = '#/campaign/' + res.json.id;
  } }, h('h2', { text: 'New campaign' }),
  h('div', { class: 'row' }, field('camp-name', 'Name', { size: 14 }), field('camp-label', 'Label', { size: 14, required: true }),
    operationFields('camp')),
  h('div', { class: 'row' }, field('camp-stages', 'Stages (canary first)', { size: 14, placeholder: '2,10%,100%' }),
    field('camp-halt', 'Halt above failure rate', { size: 6, placeholder: '0.2', inputmode: 'decimal' }),
    field('camp-reason', 'Reason', { size: 24 }),
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      const res = await api('POST', '/policy/evaluate', body());
      out.replaceChildren(res.status === 200 ? message(res.json.decision === 'refuse' ? 'error' : 'info',
        `Dry run: ${res.json.decision} for ${res.json.devices} eUICCs` + (res.json.rules.length ? ' — ' +
        res.json.rules.map((x) => `${x.rule} (${x.effect})`).join(', ') : '') + (res.json.why ? ': ' + res.json.why : ''))
        : message('error', res.json.error));
    }, text: 'Dry run' }),
    h('button', { type: 'submit', text: 'Start' })), out) : null;
  page('Campaigns', form, table([{ name: 'id', num: true }, 'name', 'state', 'stage', { name: 'done', num: true },
    { name: 'failed', num: true }, { name: 'pending', num: true }, 'halted because'],
  (r.json || []).map((c) => [h('a', { href: '#/campaign/' + c.id, text: c.id }), c.name, stateCell(c.state),
    `${c.stage} of ${c.stages}`, c.states.done, c.states.failed, c.states.pending, c.haltReason || ''])));
}

async function campaignPage(id) {
  const r = await api('GET', '/campaigns/' + id);
  if (r.status !== 200) { page('Campaign ' + id, message('error', r.json.error)); return; }
  const c = r.json;
  const out = h('div', { 'aria-live': 'polite' });
  const control = (action, cls) => h('button', { type: 'button', class: cls, onclick: async () => {
    const res = await api('POST', `/campaigns/${id}/${action}`);
    out.replaceChildren(res.status === 200 ? message('ok', `${action}: now ${res.json.state}`) : message('error', res.json.error));
    setTimeout(route, 300);
  }, text: action[0].toUpperCase() + action.slice(1) });
  page(`Campaign ${id}: ${c.name}`,
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'l', text: 'state' }), h('div', { class: 'n' }, stateCell(c.state))),
      h('div', { class: 'card' }, h('div', { class: 'l', text: 'stage' }), h('div', { class: 'n', text: `${c.stage} of ${c.stages}` })),
      ...Object.entries(c.states).map(([k, v]) => h('div', { class: 'card' }, h('div', { class: 'l', text: k }), h('div', { class: 'n', text: v })))),
    c.haltReason ? message('error', 'Halted: ' + c.haltReason) : null,
    can('operator') ? h('div', { class: 'row box' }, control('pause', 'secondary'), control('resume'), control('abort', 'danger')) : null,
    out, h('p', { class: 'muted' }, 'Change ', h('a', { href: '#/changes', text: String(c.change) }), ' · refreshed every 2 s'));
  timer = setTimeout(route, 2000);
}

function changeRow(c, withActions) {
  const out = h('span', { 'aria-live': 'polite' });
  const decide = (verb) => h('button', { type: 'button', class: verb === 'reject' ? 'danger' : null, onclick: async () => {
    const res = await api('POST', `/changes/${c.id}/${verb}`, { hash: c.hash, note: 'from the console' });
    out.replaceChildren(res.status === 200 ? message('ok', `${verb}: ${res.json.state}`) : message('error', res.json.error));
    setTimeout(route, 800);
  }, text: verb === 'approve' ? 'Approve' : 'Reject' });
  const actions = !withActions ? [] : c.requester === me.name ? [h('span', { class: 'muted', text: 'your own change' })]
    : can('approver') ? [decide('approve'), ' ', decide('reject'), out] : [h('span', { class: 'muted', text: 'an approver decides' })];
  return [c.id, stateCell(c.state), c.requester, c.reason || '', c.ticket || '', c.devices,
    h('span', { class: 'mono', text: JSON.stringify(c.change.operation).slice(0, 80) }),
    c.rules.map((x) => `${x.rule} (${x.effect})`).join(', '), ...(withActions ? [h('span', {}, actions)] : [])];
}

async function approvalsPage() {
  const r = await api('GET', '/changes?state=pending');
  page('Approvals', h('p', { class: 'muted', text: 'Changes the policy sends to a second person. Approving applies exactly the change shown (its hash).' }),
    table([{ name: 'id', num: true }, 'state', 'requester', 'reason', 'ticket', { name: 'eUICCs', num: true }, 'operation', 'rules', 'decision'],
      (r.json || []).map((c) => changeRow(c, true)), 'Nothing waits for approval.'));
}

async function changesPage(params) {
  const state = new URLSearchParams(params).get('state') || '';
  const r = await api('GET', '/changes?limit=500' + (state ? '&state=' + state : ''));
  const list = (r.json || []).slice().reverse();
  page('Changes', h('div', { class: 'row box' }, ['', 'applied', 'pending', 'refused', 'rejected', 'expired'].map((s) =>
    h('a', { href: '#/changes' + (s ? '?state=' + s : ''), text: s || 'all' }))),
  table([{ name: 'id', num: true }, 'state', 'requester', 'reason', 'ticket', { name: 'eUICCs', num: true }, 'operation', 'rules'],
    list.map((c) => changeRow(c, false))));
}

async function auditPage() {
  const [v, list] = await Promise.all([api('GET', '/audit/verify'), api('GET', '/audit?limit=100')]);
  const out = h('div', { 'aria-live': 'polite' });
  page('Audit log',
    v.json.intact ? message('ok', `Verified: the hash chain of ${v.json.entries} entries is intact.`)
      : message('error', `Broken at entry ${v.json.firstBadEntry}.`),
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: async () => {
      const res = await fetch('/api/v1/audit/export', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) } });
      const blob = await res.blob();
      const a = h('a', { href: URL.createObjectURL(blob), download: 'audit.jsonl' });
      a.click();
      out.replaceChildren(message('ok', 'Exported: check it offline with eimd --audit-verify audit.jsonl'));
    }, text: 'Export (signed JSON lines)' }), out),
    table([{ name: 'id', num: true }, 'when', 'who', 'action', 'subject', 'outcome'],
      (list.json || []).map((a) => [a.id, when(a.ts), a.actor, a.action, h('span', { class: 'mono', text: a.subject }), a.outcome])));
}

async function adminPage() {
  if (!can('admin')) { page('Admin', message('error', 'An admin key is needed.')); return; }
  const [keys, settings, policy] = await Promise.all([api('GET', '/keys'), api('GET', '/settings'), api('GET', '/policy')]);
  page('Admin',
    h('h2', { text: 'API keys (made here)' }), table(['name', 'role'], (keys.json || []).map((k) => [k.name, k.role])),
    h('h2', { text: 'Settings' }), table(['setting', 'value'], Object.entries(settings.json || {}).map(([k, v]) => [k, v])),
    h('h2', { text: 'Policy in force' }), h('pre', { class: 'box mono', text: JSON.stringify(policy.json, null, 2) }));
}

// The autopilot: what it saw (each alert with its numbers), what it did
// (the changes), the marks on profiles, and the switches to undo it.
async function alertsPage() {
  const [alerts, ap, marks] = await Promise.all([api('GET', '/alerts?limit=500'), api('GET', '/autopilot'),
    api('GET', '/autopilot/marks')]);
  const out = h('div', { 'aria-live': 'polite' });
  const s = (ap.json && ap.json.settings) || {};
  const post = async (path, label) => {
    const r = await api('POST', path, {});
    out.replaceChildren(message(r.status < 300 ? 'ok' : 'error',
      r.status < 300 ? label : (r.json && r.json.error) || `failed (${r.status})`));
    setTimeout(route, 800);
  };
  const toggle = can('admin') ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
    const r = await api('PUT', '/autopilot', { enabled: !s.enabled });
    out.replaceChildren(message(r.status === 200 ? 'ok' : 'error', r.status === 200
      ? `Autopilot ${r.json.settings.enabled ? 'on' : 'off'}.` : (r.json && r.json.error) || 'failed'));
    setTimeout(route, 800);
  }, text: s.enabled ? 'Switch the autopilot off (detection goes on)' : 'Switch the autopilot on' }) : null;
  const list = (alerts.json || []).slice().reverse();
  page('Alerts',
    h('p', { class: 'muted', text: `Autopilot ${s.enabled ? 'on' : 'off'}: actions ` +
      Object.entries(s.actions || {}).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ') +
      `; at most ${s.maxDevicesPerHour} devices an hour. Each action is a change of the key "autopilot", under the policy.` }),
    h('div', { class: 'row' }, toggle, out),
    table([{ name: 'id', num: true }, 'when', 'signal', 'cohort', 'subject', { name: 'observed', num: true },
      { name: 'threshold', num: true }, { name: 'baseline', num: true }, 'unit', 'state', 'actions', ''],
    list.map((a) => [a.id, when(Math.floor(a.at / 1000)), a.signal, a.cohort, h('span', { class: 'mono', text: a.subject }),
      a.observed, a.threshold, a.baseline, a.unit, h('span', { class: 'state-' + a.state.replace(' ', '-'), text: a.state }),
      a.actions.map((x) => `${x.action}: ${x.state}` + (x.change ? ` (change ${x.change})` : '')).join('; '),
      a.state !== 'closed' && can('operator') ? h('button', { type: 'button', class: 'secondary',
        onclick: () => post(`/alerts/${a.id}/close`, `Alert ${a.id} closed.`), text: 'Close' }) : '']),
    'No alert: nothing in the fleet looks wrong.'),
    h('h2', { text: 'Profiles blocked or at risk' }),
    table([{ name: 'id', num: true }, 'operator (IIN)', 'cohort', 'kind', 'since', { name: 'change', num: true }, ''],
      ((marks.json && marks.json.marks) || []).filter((m) => m.active).map((m) => [m.id, m.iin, m.cohort, m.kind,
        when(m.created), m.change, can('operator') ? h('button', { type: 'button', class: 'secondary',
          onclick: () => post(`/autopilot/marks/${m.id}/clear`, `Mark ${m.id} lifted (a change).`), text: 'Lift' }) : '']),
      'No profile is blocked or at risk.'),
    h('h2', { text: 'Switches by operator and cohort' }),
    table(['operator (IIN)', 'cohort', { name: 'held', num: true }, { name: 'failed', num: true },
      { name: 'silent', num: true }, { name: 'rolled back', num: true }, { name: 'fell back', num: true }],
    ((marks.json && marks.json.outcomes) || []).map((o) => [o.iin, o.cohort, o.held, o.failed, o.silent, o.rolledBack,
      o.fellBack]), 'No profile switch seen yet.'));
}

// ---- routing ----

async function route() {
  clearTimeout(timer);
  // a refresh queued before signing out has nothing to show
  if (!me) return;
  const [path, params] = (location.hash.slice(1) || '/fleet').split('?');
  const parts = path.split('/').filter(Boolean);
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.getAttribute('href') === '#/' + parts[0]);
  try {
    switch (parts[0]) {
      case 'euiccs': await euiccsPage(params); break;
      case 'euicc': await euiccPage(parts[1]); break;
      case 'campaigns': await campaignsPage(); break;
      case 'campaign': await campaignPage(parts[1]); break;
      case 'approvals': await approvalsPage(); break;
      case 'changes': await changesPage(params); break;
      case 'alerts': await alertsPage(); break;
      case 'audit': await auditPage(); break;
      case 'admin': await adminPage(); break;
      default: await fleetPage();
    }
  } catch (e) {
    if (e.message !== 'unauthorized') page('Error', message('error', String(e)));
  }
}

function logout(reason) {
  sessionStorage.removeItem(KEY);
  me = null;
  clearTimeout(timer);
  loginPage(reason);
}

async function start() {
  if (!sessionStorage.getItem(KEY)) { loginPage(); return; }
  let r;
  try { r = await api('GET', '/me'); } catch { return; }
  if (r.status !== 200) { logout('That key is not valid here.'); return; }
  me = r.json;
  document.getElementById('who-name').textContent = `${me.name} (${me.role})`;
  document.getElementById('who').hidden = false;
  const nav = document.getElementById('nav');
  nav.hidden = false;
  for (const a of nav.querySelectorAll('[data-role]')) a.hidden = !can(a.dataset.role);
  await route();
}

document.getElementById('logout').addEventListener('click', () => logout());
window.addEventListener('hashchange', () => { if (me) route(); });
start();
