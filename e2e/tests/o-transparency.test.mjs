// Journey o: a citizen at phone width opens the transparency page, reads the field-report statistics, compares
// two wards (dossier indices and report figures) and downloads the rankings as CSV and the report map as
// GeoJSON; the environment summary shows the month's air and river days; the pages pass axe-core's WCAG 2.1
// A/AA rules (labels, contrast, table headers) and are usable with the keyboard. The figures come from the
// demo's dossier and report history; no page may scroll sideways and no personal data may appear.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

    // Field-report statistics of the city, each figure linked to its formula, and the units' ranking.
    const figures = page.locator('#city-report-figures');
    assert.ok(await figures.isVisible(), 'no field-report figures on /minh-bach');
    const received = Number(await figures.locator('[data-figure="received"]').innerText());
    assert.ok(received > 0, `the city received ${received} reports: the demo reports are missing`);
    for (const f of ['processed_rate', 'on_time_rate', 'satisfaction_rate', 'median_hours']) {
      const text = await figures.locator(`[data-figure="${f}"]`).innerText();
      assert.ok(text && text !== 'N/A', `figure ${f} is ${text}`);
    }
    assert.equal(await figures.locator('a[href^="/minh-bach/cach-tinh#pa-"]').count(), 5, 'each report figure links to its formula');
    const reportRows = page.locator('table#report-ranking tbody tr');
    assert.ok((await reportRows.count()) >= 3, 'the report ranking lists the city and the units that handled reports');
    assert.ok(await page.locator('table#report-ranking caption').isVisible(), 'the report ranking has no caption');

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
    const reports = page.locator('table#report-comparison');
    assert.ok(await reports.isVisible(), 'the two wards\' report figures are not compared');
    const reportsBody = await reports.locator('tbody').innerText();
    assert.ok(/Tiếp nhận/.test(reportsBody) && /đúng hạn/.test(reportsBody), `report comparison: ${reportsBody}`);
    await screenshot(page, 'transparency-compare-360.png');

    // Download the report figures as CSV.
    const [reportDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-reports-csv')]);
    const reportCsv = readFileSync(await reportDownload.path(), 'utf8');
    assert.ok(reportCsv.startsWith('\ufeff'), 'the report CSV has no byte-order mark');
    const reportLines = reportCsv.replace(/^\ufeff/, '').trim().split('\n');
    assert.ok(reportLines[0].startsWith('from,to,group,rank,unit_code,name_vi,name_en,received,rejected,processed'), `report CSV header: ${reportLines[0]}`);
    assert.ok(reportLines.some((l) => l.includes(`,${KIM_LONG.code},${KIM_LONG.name},`)), 'the report CSV has no line for Kim Long');

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
    assert.ok(await page.locator('#pa-dung-han').isVisible(), 'the formulas page has no on-time report formula');
    await checkNoHorizontalScroll(page, PHONE.width);

    // The report map as GeoJSON: points with public fields only.
    await visit(page, '/minh-bach');
    const [geo] = await Promise.all([page.waitForEvent('download'), page.click('#download-reports-geojson')]);
    const map = JSON.parse(readFileSync(await geo.path(), 'utf8'));
    assert.equal(map.type, 'FeatureCollection');
    assert.ok(map.features.length > 0, 'the report map is empty');
    for (const f of map.features) {
      assert.equal(f.geometry.type, 'Point');
      for (const key of ['description', 'reporter_name', 'email', 'phone', 'answer', 'address']) {
        assert.ok(!(key in f.properties), `the report map carries ${key}`);
      }
    }

    // The environment over the period: air days per band and the rivers against the alarm levels.
    await clickAndWait(page, '#environment-summary-link');
    assert.equal(pathOf(page), '/minh-bach/moi-truong');
    await checkNoHorizontalScroll(page, PHONE.width);
    const cityDays = Number(await page.locator('table#air-days tr[data-place="city"] td').first().innerText());
    assert.ok(cityDays >= 20, `the city has ${cityDays} days of air data; the demo history is missing`);
    assert.equal(await page.locator('table#river-days tbody tr').count(), 2, 'Kim Long and Phú Ốc');
    assert.ok((await page.locator('table#river-days').innerText()).includes('Báo động 2'), 'the demo flood reached BĐ2 at Kim Long');
    assert.ok(await page.locator('a[href="/moi-truong"]').first().isVisible(), 'no link to the live environment page');
    await screenshot(page, 'transparency-environment-360.png');
  });
});

const AXE = join(dirname(createRequire(import.meta.url).resolve('axe-core/package.json')), 'axe.min.js');

test('transparency pages pass axe-core and work with the keyboard', { timeout: 120_000 }, async () => {
  await withBrowser('o-transparency-axe', { viewport: PHONE, mobile: true }, async (page) => {
    const pages = ['/minh-bach', `/minh-bach/so-sanh?a=${KIM_LONG.code}&b=${THUAN_HOA.code}`,
      `/minh-bach/don-vi/${KIM_LONG.code}`, '/minh-bach/moi-truong', '/minh-bach/cach-tinh', '/minh-bach?lang=en'];
    const problems = [];
    for (const path of pages) {
      await visit(page, path);
      await page.addScriptTag({ path: AXE });
      const found = await page.evaluate(async () => {
        const r = await globalThis.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      });
      for (const f of found) problems.push(`${path}: ${f}`);
      await checkNoHorizontalScroll(page, PHONE.width);
    }
    assert.deepEqual(problems, [], `serious axe-core violations:\n${problems.join('\n')}`);

    // Keyboard only: from the first compare select, Tab reaches the second and the button; Enter compares.
    await visit(page, '/minh-bach');
    await page.focus('#compare-a');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'compare-b');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'compare-submit');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(pathOf(page), '/minh-bach/so-sanh');
    assert.ok(await page.locator('table#report-comparison').isVisible(), 'the keyboard comparison shows no report figures');
  });
});
