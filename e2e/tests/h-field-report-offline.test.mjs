// Journey h: the reporting page as an offline app (issue 5, "during a flood the connection drops").
// An anonymous visitor on a 360×740 phone opens /phan-anh once online (the service worker keeps the
// page), loses the connection, reloads the page from the cache, composes a report with a photo and
// sends it: the page keeps it on the phone. When the connection returns the draft is sent by
// itself, once: reloading the page later sends nothing more.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PHONE, screenshot, tempDir, textOf, visit, withBrowser } from './lib.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const DESCRIPTION = `Nước ngập ngang đầu gối trên đường Lê Lợi (e2e offline ${Date.now()})`;

async function countMine(page) {
  return page.evaluate(async (text) => {
    const geo = await (await fetch('/phan-anh/ban-do.geojson?category=CTN')).json();
    let n = 0;
    for (const f of geo.features) {
      const html = await (await fetch(f.properties.url)).text();
      if (html.includes(text)) n += 1;
    }
    return n;
  }, DESCRIPTION);
}

test('a report composed offline is kept on the phone and sent once when the connection returns', { timeout: 180_000 }, async () => {
  const files = tempDir();
  const photo = join(files, 'ngap.png');
  writeFileSync(photo, PNG);
  try {
    await withBrowser('h-report-offline', { viewport: PHONE, mobile: true }, async (page, ctx) => {
      await visit(page, '/phan-anh');
      await page.evaluate(async () => { await navigator.serviceWorker.ready; });
      assert.equal(await page.evaluate(async () => (await fetch('/phan-anh/manifest.webmanifest')).status), 200);

      await ctx.setOffline(true);
      await page.reload({ waitUntil: 'load' });
      assert.ok((await page.locator('form#report-form').count()) === 1, 'the page opens offline from the cache');
      await page.selectOption('select#category', 'CTN');
      await page.fill('textarea#description', DESCRIPTION);
      await page.setInputFiles('input#photos', photo);
      await page.fill('#lat', '16.4561');
      await page.fill('#lon', '107.5846');
      await page.fill('#name', 'Phạm Thị Lụa');
      await page.fill('#phone', '0914000111');
      await page.click('button#send-report');
      await page.waitForSelector('#offline-status:not([hidden])');
      assert.match(await textOf(page, '#offline-status'), /lưu trên máy/);
      await screenshot(page, 'report-offline-360.png');

      await ctx.setOffline(false);
      await page.waitForFunction(() => /\/phan-anh\/[0-9a-f-]{36}/.test(document.querySelector('#offline-status').textContent), null, { timeout: 30_000 });
      const sent = (await textOf(page, '#offline-status')).match(/\/phan-anh\/[0-9a-f-]{36}/)[0];
      await visit(page, sent);
      assert.ok((await page.content()).includes('Nước ngập ngang đầu gối'), 'the sent report is the draft');
      assert.equal(await page.locator('#report-photos img').count(), 1, 'with its photo');

      // Coming back to the reporting page later sends nothing again.
      await visit(page, '/phan-anh');
      await page.waitForTimeout(1500);
      assert.equal(await countMine(page), 1, 'the draft became exactly one report');
    });
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
