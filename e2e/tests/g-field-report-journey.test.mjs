// Journey g: a field report (phản ánh hiện trường, issue 5). A citizen on a 360×740 phone reports a
// broken street light with a photo and a pin in Phường Thuận Hóa ("Dùng vị trí của tôi"); the IOC
// operator (desktop) sees the reporter, accepts the report and routes it to the proposed unit
// (the ward); the ward's officer starts and answers with a photo; the citizen rates the answer;
// the report is on the public map with its timeline — and no page the unit saw contained the
// reporter's name.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DESKTOP, PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, login, pathOf, screenshot, tempDir, textOf,
  visit, withBrowser,
} from './lib.mjs';

const CITIZEN = { identifier: 'citizen@hue.demo', password: 'demo-citizen-2026', name: 'Nguyễn Văn An' };
const IOC = { identifier: 'ioc@hue.demo', password: 'demo-ioc-2026' };
const UNIT = { identifier: 'unit@hue.demo', password: 'demo-unit-2026' };
/** A point in Phường Thuận Hóa (19789). */
const PIN = { latitude: 16.4561, longitude: 107.5846 };
/** A 1 × 1 PNG; the server re-encodes it as JPEG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const DESCRIPTION = `Đèn đường trước số 7 Lê Lợi bị hỏng, tối om (e2e ${Date.now()})`;
const ANSWER = 'Đã thay bóng đèn LED mới, đèn sáng bình thường.';

test('a street-light report: sent with photo and pin, verified, routed, answered, rated, on the map', { timeout: 300_000 }, async () => {
  const files = tempDir();
  const photo = join(files, 'den-hong.png');
  writeFileSync(photo, PNG);
  const unitPages = [];
  let reportPath = '';
  try {
    // 1. The citizen reports from the phone.
    await withBrowser('g-report-citizen', { viewport: PHONE, mobile: true }, async (page, ctx) => {
      await ctx.grantPermissions(['geolocation']);
      await ctx.setGeolocation(PIN);
      await login(page, CITIZEN);
      await visit(page, '/phan-anh');
      await checkCommon(page, { lang: 'vi' });
      await checkNoHorizontalScroll(page, PHONE.width);
      await page.selectOption('select#category', 'CS');
      await page.fill('textarea#description', DESCRIPTION);
      await page.setInputFiles('input#photos', photo);
      await page.click('button#use-location');
      await page.waitForFunction(() => document.querySelector('#lat').value !== '');
      assert.ok(Math.abs(Number(await page.inputValue('#lat')) - PIN.latitude) < 1e-4, 'the pin is where the phone is');
      // Nearby reports of the same category load while reporting (the demo has two street lights close by).
      await page.waitForSelector('#nearby-h', { timeout: 10_000 }).catch(() => {});
      await screenshot(page, 'report-form-360.png');
      await clickAndWait(page, 'button#send-report');
      assert.match(pathOf(page), /^\/phan-anh\/[0-9a-f-]{36}$/, `after sending: ${page.url()}`);
      reportPath = pathOf(page);
      assert.equal(await textOf(page, '#report-status'), 'Mới gửi');
      assert.match(await textOf(page, '#report-place'), /Thuận Hóa/);
      assert.ok((await page.locator('#report-photos img').count()) === 1, 'the photo is shown');
      // The header names the logged-in citizen to themself; the report itself names nobody.
      assert.ok(!(await page.locator('main').innerHTML()).includes(CITIZEN.name), 'the public page does not name the reporter');
      await checkNoHorizontalScroll(page, PHONE.width);
      await screenshot(page, 'report-sent-360.png');
    });
    const id = reportPath.split('/').pop();

    // 2. The IOC verifies and routes it to the proposed unit.
    await withBrowser('g-report-ioc', { viewport: DESKTOP }, async (page) => {
      await login(page, IOC);
      await visit(page, '/ioc/phan-anh');
      assert.ok((await page.locator(`a[href="/ioc/phan-anh/${id}"]`).count()) === 1, 'the new report is in the IOC queue');
      await visit(page, `/ioc/phan-anh/${id}`);
      assert.match(await textOf(page, '#reporter'), new RegExp(CITIZEN.name), 'the IOC sees the reporter');
      assert.match(await textOf(page, '#proposal'), /Phường Thuận Hóa/, 'routing proposes the ward of the pin');
      await clickAndWait(page, '#action-accept button');
      assert.equal(await textOf(page, '#report-status'), 'Đã xác minh');
      const chosen = await page.locator('#route-unit').inputValue();
      assert.equal(chosen, '19789', 'the proposal is preselected');
      await clickAndWait(page, '#action-route button');
      assert.equal(await textOf(page, '#report-status'), 'Đã chuyển đơn vị xử lý');
      assert.match(await textOf(page, '#report-unit'), /Thuận Hóa/);
      await screenshot(page, 'report-ioc-1280.png');
    });

    // 3. The ward's officer starts and answers with a photo; the unit never sees who reported.
    await withBrowser('g-report-unit', { viewport: DESKTOP }, async (page) => {
      await login(page, UNIT);
      await visit(page, '/don-vi/phan-anh');
      unitPages.push(await page.content());
      assert.ok((await page.locator(`a[href="/don-vi/phan-anh/${id}"]`).count()) === 1, 'routed to this unit');
      await visit(page, `/don-vi/phan-anh/${id}`);
      unitPages.push(await page.content());
      await clickAndWait(page, '#action-start button');
      unitPages.push(await page.content());
      assert.equal(await textOf(page, '#report-status'), 'Đang xử lý');
      await page.fill('#answer-text', ANSWER);
      await page.setInputFiles('#answer-photos', photo);
      await clickAndWait(page, '#action-answer button');
      unitPages.push(await page.content());
      assert.equal(await textOf(page, '#report-status'), 'Đã trả lời');
      await screenshot(page, 'report-unit-1280.png');
    });
    for (const [i, html] of unitPages.entries()) {
      assert.ok(!html.includes(CITIZEN.name), `unit page ${i} contained the reporter's name`);
      assert.ok(!html.includes('citizen@hue.demo') && !html.includes('0905123456'), `unit page ${i} contained the reporter's contact`);
    }

    // 4. The citizen rates the answer; the report is on the public map with its timeline.
    await withBrowser('g-report-rate', { viewport: PHONE, mobile: true }, async (page) => {
      await login(page, CITIZEN);
      await visit(page, reportPath);
      assert.equal(await textOf(page, '#report-answer'), ANSWER);
      assert.ok((await page.locator('#answer-photos img').count()) === 1, 'the answer photo is shown');
      await page.check('#rate-form input[value="satisfied"]');
      await clickAndWait(page, '#rate-form button[type="submit"]');
      assert.equal(await textOf(page, '#report-rating'), 'Hài lòng');
      assert.equal(await page.locator('#rate-form').count(), 0, 'rated once');
      const timeline = await textOf(page, '#report-timeline');
      for (const step of ['Gửi phản ánh', 'Tiếp nhận phản ánh', 'Chuyển đơn vị xử lý', 'Bắt đầu xử lý', 'Trả lời phản ánh']) {
        assert.ok(timeline.includes(step), `timeline lacks "${step}": ${timeline}`);
      }
      await checkNoHorizontalScroll(page, PHONE.width);
      await screenshot(page, 'report-rated-360.png');

      await visit(page, '/phan-anh/ban-do?status=answered');
      await checkNoHorizontalScroll(page, PHONE.width);
      assert.ok((await page.locator(`#report-list a[href="${reportPath}"]`).count()) === 1, 'listed on the public map page');
      const geo = await page.evaluate(async (p) => (await fetch(p)).json(), '/phan-anh/ban-do.geojson?status=answered');
      const feature = geo.features.find((f) => f.properties.url === reportPath);
      assert.ok(feature, 'the report is a point of the map');
      assert.ok(!JSON.stringify(geo).includes(CITIZEN.name), 'the map data names nobody');
      await page.waitForSelector('#public-map .leaflet-interactive', { timeout: 10_000 });
      await screenshot(page, 'report-map-360.png');
    });
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
