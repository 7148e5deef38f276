// Journey k: a visitor on a phone (360×740) opens the environment page and sees every air-quality station's
// VN_AQI with its band colour (and readable text on it), the map with the stations and gauges coloured the same
// way, both river gauges against their alarm levels, and the rainfall with its daily totals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, screenshot, url, visit, withBrowser } from './lib.mjs';

const BAND_COLOURS = ['#00e400', '#ffff00', '#ff7e00', '#ff0000', '#8f3f97', '#7e0023'];

test('visitor on a phone sees every station AQI with its colour', { timeout: 120_000 }, async () => {
  const api = await (await fetch(url('/api/v1/environment/aqi'))).json();
  assert.ok(api.length >= 3, `expected the demo's air stations, got ${api.length}`);

  await withBrowser('k-environment-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await visit(page, '/');
    await clickAndWait(page, 'a#nav-environment');
    await checkCommon(page, { lang: 'vi' });
    await checkNoHorizontalScroll(page, PHONE.width);

    const stations = page.locator('#aqi-list li.station');
    assert.equal(await stations.count(), api.length, 'one list item per station of the API');
    for (let i = 0; i < api.length; i++) {
      const s = api[i];
      const item = page.locator(`#aqi-list li[data-station="${s.id}"]`);
      assert.ok((await item.innerText()).includes(s.name), `station ${s.name} not shown`);
      assert.ok(s.hourly, `demo station ${s.name} has no hourly AQI`);
      const badge = item.locator('.aqi-now .aqi-badge');
      assert.equal((await badge.innerText()).trim(), String(s.hourly.aqi));
      const style = await badge.getAttribute('style');
      assert.ok(style.includes(`background:${s.hourly.colour}`), `badge colour ${style}`);
      assert.ok(BAND_COLOURS.includes(s.hourly.colour), `unknown band colour ${s.hourly.colour}`);
      assert.ok(style.includes(`color:${s.hourly.text_colour}`), 'badge text colour');
    }
    const rivers = page.locator('#river-list li.station');
    assert.equal(await rivers.count(), 2, 'Kim Long and Phú Ốc');
    assert.ok((await page.locator('#river-list').innerText()).includes('BĐ2'), 'alarm levels shown');
    assert.ok((await page.locator('svg.chart').count()) >= 2, 'charts drawn');

    // The map: one point per station and gauge, drawn by Leaflet inside the phone's width.
    const map = page.locator('#env-map');
    await page.waitForFunction(() => document.getElementById('env-map').hasAttribute('data-points'));
    assert.equal(Number(await map.getAttribute('data-points')), api.length + 2, 'stations and gauges on the map');
    const box = await map.boundingBox();
    assert.ok(box.width <= PHONE.width && box.height > 150, `map box ${JSON.stringify(box)}`);
    assert.equal(await page.locator('#env-map path.leaflet-interactive').count(), api.length + 2, 'one marker per point');
    for (const s of api) {
      const point = page.locator('#env-map-points li[data-kind="station"]').filter({ hasText: s.name });
      assert.equal(await point.getAttribute('data-colour'), s.hourly.colour, `map colour of ${s.name}`);
    }
    // Rainfall beside the rivers: the demo rain gauge with seven daily totals.
    const rain = page.locator('#rain-list li.station');
    assert.ok((await rain.count()) >= 1, 'the demo rain gauge');
    assert.equal(await rain.first().locator('table.rain-days tbody tr').count(), 7);
    await screenshot(page, 'environment-360.png');

    await visit(page, '/moi-truong?lang=en');
    await checkCommon(page, { lang: 'en' });
    assert.ok((await page.locator('h1').innerText()).includes('Environment'));
    await checkNoHorizontalScroll(page, PHONE.width);
  });
});
