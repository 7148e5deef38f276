// Journey o: a citizen at phone width opens the transparency page, compares two wards and downloads the
// ranking as CSV. The figures come from the demo's dossier history; no page may scroll sideways and no
// personal data may appear.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, pathOf, screenshot, visit, withBrowser,
} from './lib.mjs';

const KIM_LONG = { code: '19774', name: 'Phường Kim Long' };
const THUAN_HOA = { code: '19789', name: 'Phường Thuận Hóa' };

test('transparency on a phone: ranking, two wards compared, CSV downloaded', { timeout: 120_000 }, async () => {
  await withBrowser('o-transparency', { viewport: PHONE, mobile: true }, async (page) => {
    await visit(page, '/');
    await clickAndWait(page, 'header a[href="/minh-bach"]');
    assert.equal(pathOf(page), '/minh-bach', 'the header link did not open /minh-bach');
    await checkCommon(page, { lang: 'vi' });
    await checkNoHorizontalScroll(page, PHONE.width);
    const rows = page.locator('table#ranking tbody tr');
    assert.ok((await rows.count()) >= 40, `the ranking lists ${await rows.count()} units, expected the city, 40 wards and communes, agencies`);
    const ranked = await page.locator('table#ranking tbody tr td:first-child').allInnerTexts();
    assert.ok(ranked.some((r) => r.trim() === '1'), 'no unit is ranked first: the demo history is missing');
    await screenshot(page, 'transparency-360.png');

    // Compare two wards.
    await page.selectOption('#compare-a', KIM_LONG.code);
    await page.selectOption('#compare-b', THUAN_HOA.code);
    await clickAndWait(page, '#compare-submit');
    assert.equal(pathOf(page), '/minh-bach/so-sanh', 'the compare form did not open /minh-bach/so-sanh');
    await checkNoHorizontalScroll(page, PHONE.width);
    const table = page.locator('table#comparison');
    assert.ok(await table.isVisible(), 'no comparison table');
    const head = await table.locator('thead').innerText();
    assert.ok(head.includes(KIM_LONG.name) && head.includes(THUAN_HOA.name), `comparison header: ${head}`);
    const body = await table.locator('tbody').innerText();
    for (const id of ['2.1', '3.3', '4.2', '4.3', '5.4']) assert.ok(body.includes(id), `indicator ${id} missing from the comparison`);
    // Every figure links to how it is computed.
    const how = table.locator('a[href^="/minh-bach/cach-tinh#chi-so-"]');
    assert.ok((await how.count()) >= 5, 'the indicators do not link to their formulas');
    await screenshot(page, 'transparency-compare-360.png');

    // Download the ranking as CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\ufeff'), 'the CSV has no byte-order mark for spreadsheets');
    const lines = csv.replace(/^\ufeff/, '').trim().split('\n');
    assert.ok(lines[0].startsWith('from,to,group,rank,unit_code'), `CSV header: ${lines[0]}`);
    assert.ok(lines.some((l) => l.includes(`,${KIM_LONG.code},${KIM_LONG.name},`)), 'the CSV has no line for Kim Long');
    assert.ok(lines.some((l) => l.includes(`,${THUAN_HOA.code},${THUAN_HOA.name},`)), 'the CSV has no line for Thuận Hóa');
    assert.ok(!csv.includes('046090001234') && !csv.includes('@hue.demo'), 'the CSV carries personal data');

    // The formula of an indicator, reached from the comparison.
    await clickAndWait(page, 'table#comparison a[href="/minh-bach/cach-tinh#chi-so-2-1"]');
    assert.ok(await page.locator('#chi-so-2-1').isVisible(), 'the formulas page has no 2.1 section');
    await checkNoHorizontalScroll(page, PHONE.width);
  });
});
