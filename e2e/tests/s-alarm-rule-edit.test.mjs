// Journey s: an administrator lowers Phú Ốc's alarm levels on the alarm-rule page (a wrong value first: refused
// with the reason, nothing typed lost), a gauge gateway then posts 1.2 m — below the official BĐ1 of 1.5 m but
// above the new BĐ2 — and the operations centre shows a major flood alarm for Phú Ốc; the rivers API and the
// environment page carry the new levels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO, DESKTOP, checkCommon, login, screenshot, url, visit, withBrowser } from './lib.mjs';

test('an edited gauge level raises the flood alarm on the next reading', { timeout: 120_000 }, async () => {
  const streams = await (await fetch(url("/sta/v1.1/Datastreams?$filter=properties/gauge%20eq%20'tram-thuy-van-phu-oc'"))).json();
  assert.equal(streams.value.length, 1, 'the Phú Ốc water-level Datastream');
  const ds = streams.value[0]['@iot.id'];

  await withBrowser('s-alarm-rule-edit', { viewport: DESKTOP }, async (page) => {
    await login(page, DEMO.admin);
    await visit(page, '/admin/quy-tac-canh-bao');
    await checkCommon(page, { lang: 'vi' });
    const gauge = page.locator('#gauge-tram-thuy-van-phu-oc');
    assert.equal(await gauge.locator('input[name="bd1"]').inputValue(), '1.5', 'the official BĐ1');

    // Out of order: refused, the typed values stay.
    await gauge.locator('input[name="bd1"]').fill('1.1');
    await gauge.locator('input[name="bd2"]').fill('0.9');
    await Promise.all([page.waitForLoadState('load'), gauge.locator('button[type="submit"]').click()]);
    const refused = page.locator('#gauge-tram-thuy-van-phu-oc');
    assert.ok((await refused.locator('[role="alert"]').innerText()).includes('BĐ1 < BĐ2 < BĐ3'));
    assert.equal(await refused.locator('input[name="bd2"]').inputValue(), '0.9', 'what was typed is kept');

    // Keyboard only: type the new levels and press Enter in the last field.
    await refused.locator('input[name="bd1"]').fill('0.5');
    await refused.locator('input[name="bd2"]').fill('1.0');
    await refused.locator('input[name="bd3"]').fill('2.0');
    await Promise.all([page.waitForURL(/saved=1/), refused.locator('input[name="bd3"]').press('Enter')]);
    assert.ok(await page.locator('p.notice[role="status"]').isVisible(), 'saved');
    assert.equal(await page.locator('#gauge-tram-thuy-van-phu-oc input[name="bd2"]').inputValue(), '1');
    await screenshot(page, 'alarm-rules.png');

    // A reading of 1.2 m now stands above BĐ2.
    const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const status = await page.evaluate(async ({ ds, csrf }) => {
      const r = await fetch('/sta/v1.1/CreateObservations', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify([{ Datastream: { '@iot.id': ds }, components: ['phenomenonTime', 'result'], dataArray: [[new Date().toISOString(), 1.2]] }]),
      });
      return r.status;
    }, { ds, csrf });
    assert.equal(status, 201);

    await visit(page, '/ioc/canh-bao');
    const alarm = page.locator('li[data-type="flood_level"]').filter({ hasText: 'Phú Ốc' });
    assert.equal(await alarm.count(), 1, 'one active flood alarm for Phú Ốc');
    const text = await alarm.innerText();
    assert.ok(text.includes('1.20 m') && text.includes('Nghiêm trọng'), `a major alarm at 1.20 m: ${text}`);
    await screenshot(page, 'alarm-from-edited-rule.png');

    const rivers = await (await fetch(url('/api/v1/environment/rivers'))).json();
    const phuOc = rivers.find((r) => r.gauge_id === 'tram-thuy-van-phu-oc');
    assert.deepEqual([phuOc.bd1_m, phuOc.bd2_m, phuOc.bd3_m], [0.5, 1.0, 2.0]);
    await visit(page, '/moi-truong');
    assert.ok((await page.locator('li[data-gauge="tram-thuy-van-phu-oc"]').innerText()).includes('BĐ2 1 m'));
  });
});
