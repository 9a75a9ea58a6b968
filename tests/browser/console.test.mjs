// The operator console in a real browser: Debian's Chromium, headless,
// driven by Playwright (playwright-core: no browser of its own), against
// eimd with a simulated fleet polling (tests/integration/test_console.sh
// sets it all up). Every request must go to eimd; axe-core finds no
// serious accessibility violation on any page.
// Environment: BASE (https://eim.iotrsp.test:PORT), CHROMIUM, CONSOLE_DIR,
// OPERATOR_KEY, APPROVER_KEY, ADMIN_KEY, EID, BOOT_ICCID, SCREENSHOTS (optional).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const env = process.env;
const require = createRequire(join(env.CONSOLE_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = env.BASE;
const origin = new URL(base).origin;
let browser, context, page;
const elsewhere = [];

async function shot(name) {
  if (env.SCREENSHOTS) await page.screenshot({ path: join(env.SCREENSHOTS, name + '.png'), fullPage: true });
}

// no serious or critical accessibility violation (axe-core, evaluated outside the page's CSP)
async function accessible(what) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.length})`));
  assert.deepEqual(r, [], `${what}: accessibility violations`);
}

async function signIn(key) {
  await page.goto(base + '/console/#/fleet');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

before(async () => {
  browser = await chromium.launch({ executablePath: env.CHROMIUM, headless: true,
    args: ['--no-sandbox', `--host-resolver-rules=MAP eim.iotrsp.test 127.0.0.1`] });
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(Number(env.IOTRSP_TEST_WAIT || 120) * 1000);
  page.on('request', (r) => { if (!r.url().startsWith(origin + '/') && !r.url().startsWith('blob:')) elsewhere.push(r.url()); });
});

after(async () => { await browser?.close(); });

test('a wrong key gets the login page', async () => {
  await signIn('not-a-key');
  await page.getByRole('alert').filter({ hasText: 'That key is not valid here.' }).waitFor();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await accessible('login');
  await shot('login');
});

test('an operator sees the fleet, no admin controls', async () => {
  await signIn(env.OPERATOR_KEY);
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  const card = page.locator('.card', { hasText: 'eUICCs' }).first();
  assert.equal((await card.locator('.n').textContent()).trim(), '10');
  assert.equal(await page.getByRole('link', { name: 'Admin' }).isVisible(), false);
  await page.getByText('fleet=sim').first().waitFor();
  await accessible('fleet');
  await shot('fleet');
});

test('a device: its profiles, and a change the policy refuses with its reason', async () => {
  await page.getByRole('link', { name: 'eUICCs' }).click();
  await page.getByRole('link', { name: env.EID }).click();
  await page.getByRole('heading', { name: 'eUICC ' + env.EID }).waitFor();
  await page.getByRole('cell', { name: env.BOOT_ICCID, exact: true }).waitFor();
  await page.getByLabel('Operation').selectOption('disable');
  await page.getByLabel('ICCID (enable, disable, delete, fallback)').fill(env.BOOT_ICCID);
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('alert').filter({ hasText: 'refused by policy: keep-connectivity' }).waitFor();
  // and one that waits for a second person (the policy's four-eyes rule on deletes)
  await page.getByLabel('Operation').selectOption('delete');
  await page.getByLabel('ICCID (enable, disable, delete, fallback)').fill('89000000000000000009');
  await page.getByLabel('Reason').fill('clean up an old order');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByText(/Waiting for an approver: change \d+/).waitFor();
  await accessible('device');
  await shot('device');
});

test('a staged campaign: dry run, start, watched until done', async () => {
  await page.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByRole('heading', { name: 'New campaign' }).waitFor();
  await page.getByLabel('Name').fill('inventory');
  await page.getByLabel('Label').fill('fleet=sim');
  await page.getByLabel('Operation').selectOption('getRAT');
  await page.getByLabel('Stages (canary first)').fill('2,100%');
  await page.getByLabel('Halt above failure rate').fill('0.5');
  await page.getByRole('button', { name: 'Dry run' }).click();
  await page.getByText('Dry run: allow for 10 eUICCs').waitFor();
  await accessible('campaigns');
  await shot('campaigns');
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('heading', { name: /Campaign \d+: inventory/ }).waitFor();
  // the simulated fleet polls: the canary, then the rest (the page refreshes itself)
  await page.locator('.card', { hasText: 'state' }).filter({ hasText: 'done' }).waitFor();
  await page.locator('.card', { hasText: 'stage' }).filter({ hasText: '2 of 2' }).waitFor();
  await accessible('campaign');
  await shot('campaign');
});

test('a second key approves the change; the requester could not', async () => {
  await page.getByRole('link', { name: 'Approvals' }).click();
  await page.getByText('your own change').waitFor();              // the requester gets no buttons
  await signOut();
  await signIn(env.APPROVER_KEY);
  await page.getByRole('link', { name: 'Approvals' }).click();
  await page.getByRole('cell', { name: 'clean up an old order' }).waitFor();
  await accessible('approvals');
  await shot('approvals');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText('approve: applied').waitFor();
  await page.getByRole('link', { name: 'Changes' }).click();
  await page.getByRole('cell', { name: 'clean up an old order' }).waitFor();
  await accessible('changes');
  await shot('changes');
});

test('the autopilot alerts, each with its numbers', async () => {
  await page.getByRole('link', { name: 'Alerts' }).click();
  await page.getByRole('cell', { name: 'unknown-eids' }).waitFor();
  await page.getByText('alert only').first().waitFor();
  await accessible('alerts');
  await shot('alerts');
  await page.getByRole('button', { name: 'Close' }).first().click();
  await page.getByRole('cell', { name: 'closed', exact: true }).waitFor();
});

test('the audit log, verified', async () => {
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByText(/Verified: the hash chain of \d+ entries is intact/).waitFor();
  await page.locator('tbody tr').first().waitFor();
  await accessible('audit');
  await shot('audit');
});

test('an admin sees the admin page', async () => {
  await signOut();
  await signIn(env.ADMIN_KEY);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Policy in force' }).waitFor();
  await accessible('admin');
});

test('no request went anywhere but eimd', () => {
  assert.deepEqual(elsewhere, []);
});
