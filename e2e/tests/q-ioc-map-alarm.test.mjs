// Journey q: an operator keeps the operations-centre dashboard open on a desktop. A citizen files a field report
// from a phone in another browser; its pin appears on the dashboard's map within seconds, without a reload. Then
// the Phú Ốc gauge's gateway sends storm readings above BĐ2 (as the simulator's storm does for Kim Long); the
// flood alarm arrives in the queue by itself, and the operator acknowledges it from the queue and ticks the first
// steps of its operating procedure with the keyboard.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DEMO, DESKTOP, PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, login, pathOf, screenshot, tempDir, url,
  visit, withBrowser,
} from './lib.mjs';

/** A point in Phường Thuận Hóa (19789). */
const PIN = { latitude: 16.4575, longitude: 107.5862 };
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('operations centre: a new report appears on the map; a flood alarm is acknowledged and its procedure ticked', { timeout: 180_000 }, async () => {
  const streams = await (await fetch(url("/sta/v1.1/Datastreams?$filter=properties/gauge%20eq%20'tram-thuy-van-phu-oc'"))).json();
  assert.equal(streams.value.length, 1, 'the Phú Ốc water-level Datastream');
  const ds = streams.value[0]['@iot.id'];
  const files = tempDir();
  const photo = join(files, 'o-ga.png');
  writeFileSync(photo, PNG);
  try {
    await withBrowser('q-ioc-operator', { viewport: DESKTOP }, async (operator) => {
      await login(operator, DEMO.ioc);
      await visit(operator, '/ioc');
      await checkCommon(operator, { lang: 'vi' });
      await operator.waitForFunction(() => {
        const s = document.getElementById('live-status');
        return s && s.dataset.live === s.textContent;
      }, null, { timeout: 10_000 }).catch(() => assert.fail('the dashboard never went live'));
      // Every layer loads; the reports layer holds the demo's reports.
      await operator.waitForFunction(() => ['reports', 'air', 'rivers', 'devices', 'warnings', 'heritage']
        .every((k) => document.getElementById('ioc-map').hasAttribute('data-' + k)), null, { timeout: 15_000 })
        .catch(() => assert.fail('the map layers did not load'));
      const before = Number(await operator.getAttribute('#ioc-map', 'data-reports'));
      assert.ok(before > 0, 'the demo reports are on the map');
      assert.ok(Number(await operator.getAttribute('#ioc-map', 'data-heritage')) > 0, 'heritage sites are on the map');
      const pageUrl = operator.url();

      // 1. A citizen reports from a phone.
      let reportId = '';
      await withBrowser('q-ioc-citizen', { viewport: PHONE, mobile: true }, async (citizen, ctx) => {
        await ctx.grantPermissions(['geolocation']);
        await ctx.setGeolocation(PIN);
        await login(citizen, DEMO.citizen);
        await visit(citizen, '/phan-anh');
        await citizen.selectOption('select#category', 'MT');
        await citizen.fill('textarea#description', `Rác thải đổ trộm bên đường Lê Lợi (e2e ${Date.now()})`);
        await citizen.setInputFiles('input#photos', photo);
        await citizen.click('button#use-location');
        await citizen.waitForFunction(() => document.querySelector('#lat').value !== '');
        await clickAndWait(citizen, 'button#send-report');
        assert.match(pathOf(citizen), /^\/phan-anh\/[0-9a-f-]{36}$/, `after sending: ${citizen.url()}`);
        reportId = pathOf(citizen).split('/').pop();
      });

      // 2. Its pin appears on the dashboard's map, untouched.
      await operator.waitForFunction((n) => Number(document.getElementById('ioc-map').dataset.reports) > n, before, { timeout: 10_000 })
        .catch(() => assert.fail('the new report did not reach the map within 10 s'));
      await operator.locator(`#ioc-map [data-id="${reportId}"]`).waitFor({ state: 'attached', timeout: 5_000 })
        .catch(() => assert.fail(`no pin for report ${reportId}`));
      assert.equal(operator.url(), pageUrl, 'the dashboard reloaded');
      await screenshot(operator, 'ioc-map-new-report.png');

      // 3. The storm at Phú Ốc: the river rises to 3.4 m, above BĐ2 (3.0 m).
      const csrf = await operator.evaluate(() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']);
      const now = Date.now();
      const rows = [2.2, 2.8, 3.4].map((v, i) => [new Date(now - (2 - i) * 600_000).toISOString(), v]);
      const status = await operator.evaluate(async ({ ds, rows, csrf }) => {
        const r = await fetch('/sta/v1.1/CreateObservations', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify([{ Datastream: { '@iot.id': ds }, components: ['phenomenonTime', 'result'], dataArray: rows }]),
        });
        return r.status;
      }, { ds, rows, csrf });
      assert.equal(status, 201, 'storm readings accepted');

      const alarm = operator.locator('#alarm-queue li.queue-item[data-type="flood_level"]', { hasText: 'Phú Ốc' });
      await alarm.first().waitFor({ state: 'visible', timeout: 10_000 })
        .catch(() => assert.fail('the flood alarm did not reach the queue within 10 s'));
      assert.equal(await alarm.getAttribute('data-status'), 'active_unack');
      assert.match(await alarm.innerText(), /3\.40 m/);

      // 4. Acknowledged from the queue, with a comment.
      await alarm.locator('input[name="comment"]').fill('Đã báo Ban chỉ huy PCTT');
      await alarm.locator('button.ack').click();
      await operator.waitForFunction(() => {
        const li = [...document.querySelectorAll('#alarm-queue li.queue-item[data-type="flood_level"]')].find((x) => x.textContent.includes('Phú Ốc'));
        return li && li.dataset.status === 'active_ack';
      }, null, { timeout: 10_000 }).catch(() => assert.fail('the alarm was not acknowledged in place'));

      // 5. The first two steps of the procedure, ticked with the keyboard (once htmx has bound the swapped-in queue).
      const settled = () => operator.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added'), null, { timeout: 5_000 });
      for (const n of [0, 1]) {
        await settled();
        const box = operator.locator('#alarm-queue li.queue-item[data-type="flood_level"]', { hasText: 'Phú Ốc' }).locator('input.sop-step').nth(n);
        await box.focus();
        await operator.keyboard.press('Space');
        await operator.waitForFunction((k) => {
          const li = [...document.querySelectorAll('#alarm-queue li.queue-item[data-type="flood_level"]')].find((x) => x.textContent.includes('Phú Ốc'));
          return li && li.querySelector('.sop-progress').textContent.trim().startsWith(`${k}/`);
        }, n + 1, { timeout: 10_000 }).catch(() => assert.fail(`step ${n + 1} was not recorded`));
      }
      const item = operator.locator('#alarm-queue li.queue-item[data-type="flood_level"]', { hasText: 'Phú Ốc' });
      assert.equal(await item.locator('input.sop-step:checked').count(), 2);
      assert.match(await item.innerText(), /Đặng Văn Hùng/, 'the ticks name the operator');
      assert.equal(operator.url(), pageUrl, 'the dashboard reloaded');
      await checkCommon(operator, { lang: 'vi' });
      await screenshot(operator, 'ioc-alarm-procedure.png');

      // The dashboard is usable on a tablet too.
      await operator.setViewportSize({ width: 768, height: 1024 });
      await checkNoHorizontalScroll(operator, 768);
    });
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
