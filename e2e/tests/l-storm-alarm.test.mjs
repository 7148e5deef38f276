// Journey l: the storm scenario raises Kim Long above BĐ2 (readings posted to SensorThings as a gauge gateway
// would); the IOC operator sees the flood alarm, acknowledges it and clears it with comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, checkCommon, login, screenshot, url, visit, withBrowser } from './lib.mjs';

const IOC = { identifier: 'ioc@hue.demo', password: 'demo-ioc-2026' };

test('storm: Kim Long above BĐ2 raises an alarm the operator acknowledges and clears', { timeout: 120_000 }, async () => {
  const streams = await (await fetch(url("/sta/v1.1/Datastreams?$filter=properties/gauge%20eq%20'tram-thuy-van-kim-long'"))).json();
  assert.equal(streams.value.length, 1, 'the Kim Long water-level Datastream');
  const ds = streams.value[0]['@iot.id'];

  await withBrowser('l-storm-alarm', { viewport: DESKTOP }, async (page) => {
    await login(page, IOC);
    // The storm: the river rises 0.6 m every ten minutes up to 2.6 m, above BĐ2 (2.0 m).
    const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const now = Date.now();
    const rows = [0.8, 1.4, 2.0, 2.6].map((v, i) => [new Date(now - (3 - i) * 600_000).toISOString(), v]);
    const status = await page.evaluate(async ({ ds, rows, csrf }) => {
      const r = await fetch('/sta/v1.1/CreateObservations', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify([{ Datastream: { '@iot.id': ds }, components: ['phenomenonTime', 'result'], dataArray: rows }]),
      });
      return r.status;
    }, { ds, rows, csrf });
    assert.equal(status, 201, 'storm readings accepted');

    await visit(page, '/ioc/canh-bao');
    await checkCommon(page, { lang: 'vi' });
    const alarm = page.locator('li[data-type="flood_level"]').filter({ hasText: 'Kim Long' });
    assert.equal(await alarm.count(), 1, 'one active flood alarm for Kim Long');
    assert.equal(await alarm.getAttribute('data-status'), 'active_unack');
    assert.ok((await alarm.innerText()).includes('2.60 m'), 'the level that raised it');
    assert.ok((await alarm.innerText()).includes('Nghiêm trọng'), 'BĐ2 is a major alarm');
    await screenshot(page, 'alarm-raised.png');

    await alarm.locator('input[name="comment"]').fill('Đã báo Ban chỉ huy PCTT');
    await Promise.all([page.waitForLoadState('load'), alarm.locator('button.ack').click()]);
    await page.waitForURL(/done=1/);
    const acked = page.locator('li[data-type="flood_level"]').filter({ hasText: 'Kim Long' });
    assert.equal(await acked.getAttribute('data-status'), 'active_ack');

    await acked.locator('input[name="comment"]').fill('Nước đã rút dưới BĐ1');
    await Promise.all([page.waitForLoadState('load'), acked.locator('button.clear').click()]);
    await page.waitForURL(/done=1/);
    assert.equal(await page.locator('li[data-type="flood_level"]').filter({ hasText: 'Kim Long' }).count(), 0, 'cleared alarm leaves the active list');

    await visit(page, '/ioc/canh-bao?all=1');
    const cleared = page.locator('li[data-type="flood_level"]').filter({ hasText: 'Kim Long' }).first();
    assert.equal(await cleared.getAttribute('data-status'), 'cleared_ack');
    const history = await cleared.locator('details').textContent();
    assert.ok(history.includes('Nước đã rút dưới BĐ1') && history.includes('acknowledged'), `history: ${history}`);
    await screenshot(page, 'alarm-cleared.png');
  });
});
