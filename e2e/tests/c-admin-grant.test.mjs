// Journey c: an administrator on a desktop grants a freshly registered citizen
// the processing-officer role on Phường Phú Xuân (unit 19753).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEMO, DESKTOP, checkCommon, checkNoHorizontalScroll, clickAndWait, login, logout, newCitizen,
  pathOf, register, screenshot, url, visit, withBrowser,
} from './lib.mjs';

const ROLE_LABELS = ['Cán bộ xử lý', 'Processing officer'];
const UNIT = { code: '19753', name: 'Phú Xuân' };

/**
 * Finds the a.user-link for `email` on /admin/users: on the first page, else through the
 * page's search box (if it has one), else following rel=next pagination.
 */
async function openUserFromList(page, email) {
  await visit(page, '/admin/users');
  await checkCommon(page);
  assert.ok((await page.locator('a.user-link').count()) > 0, '/admin/users lists no a.user-link at all');
  const search = page.locator('main form input[name="q"]');
  if ((await page.locator('a.user-link', { hasText: email }).count()) === 0 && (await search.count()) > 0) {
    await search.first().fill(email);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), search.first().press('Enter')]);
  }
  for (let pageNo = 1; pageNo <= 50; pageNo++) {
    const link = page.locator('a.user-link', { hasText: email });
    if ((await link.count()) > 0) {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.first().click()]);
      return;
    }
    const next = page.locator('a[rel="next"]');
    if ((await next.count()) === 0) break;
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), next.first().click()]);
  }
  const shown = await page.locator('a.user-link').count();
  assert.fail(`no a.user-link containing ${email} on /admin/users (${shown} user links on the last page seen, ${page.url()})`);
}

async function grantRows(page) {
  return (await page.locator('table#grants tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

const isNewGrant = (row) => ROLE_LABELS.some((l) => row.includes(l)) && row.includes(UNIT.name);

test('administrator grants processing_officer on unit 19753 to a new citizen', { timeout: 120_000 }, async () => {
  await withBrowser('c-admin-grant', { viewport: DESKTOP }, async (page) => {
    // Home at desktop width, for the record.
    await visit(page, '/');
    await checkCommon(page, { lang: 'vi' });
    await checkNoHorizontalScroll(page, DESKTOP.width);
    await screenshot(page, 'home-1280.png');

    // A new citizen to receive the grant (only the citizen role so far).
    const citizen = newCitizen();
    await register(page, citizen);

    // A plain citizen does not get the user administration.
    const res = await page.goto(url('/admin/users'), { waitUntil: 'load' });
    assert.equal(await page.locator('a.user-link').count(), 0, `a citizen sees the user list on /admin/users (HTTP ${res?.status()})`);
    await visit(page, '/account');
    await logout(page);

    // The administrator logs in through the header link.
    await clickAndWait(page, 'a#nav-login');
    assert.equal(pathOf(page), '/login');
    await login(page, DEMO.admin);

    await openUserFromList(page, citizen.email);
    assert.match(pathOf(page), /^\/admin\/users\/[^/]+$/, 'the user link did not open /admin/users/{id}');
    await checkCommon(page);
    assert.ok((await page.locator('main').innerText()).includes(citizen.email), 'the user page does not show the email');
    assert.ok((await page.locator('table#grants').count()) === 1, 'no table#grants on the user page');
    assert.ok(!(await grantRows(page)).some(isNewGrant), 'the new citizen already has the grant before granting');

    // Grant processing_officer on Phường Phú Xuân.
    const roles = await page.locator('#grant-form select[name="role"] option').evaluateAll((os) => os.map((o) => o.value));
    for (const r of ['citizen', 'reception_officer', 'processing_officer', 'unit_leader', 'editor', 'ioc_operator', 'administrator']) {
      assert.ok(roles.includes(r), `select[name=role] lacks option ${r} (has ${JSON.stringify(roles)})`);
    }
    const units = await page.locator('#grant-form select[name="unit_code"] option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(units.includes('46') && units.includes(UNIT.code), `select[name=unit_code] lacks 46 or ${UNIT.code} (${units.length} options)`);
    await page.selectOption('#grant-form select[name="role"]', 'processing_officer');
    await page.selectOption('#grant-form select[name="unit_code"]', UNIT.code);
    await clickAndWait(page, 'button#grant-submit');

    assert.match(pathOf(page), /^\/admin\/users\/[^/]+$/, `after granting, not on the user page but ${page.url()}`);
    const rows = await grantRows(page);
    assert.ok(rows.some(isNewGrant), `table#grants shows no "${ROLE_LABELS.join('" / "')}" row for ${UNIT.name}: ${JSON.stringify(rows)}`);
    await screenshot(page, 'admin-user-1280.png');

    // The other admin pages answer too.
    for (const path of ['/admin/units', '/admin/ecards']) {
      await visit(page, path);
      await checkCommon(page);
      assert.ok(await page.locator('h1').first().isVisible(), `${path}: no visible h1`);
    }
  });
});
