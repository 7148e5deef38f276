// Journey p: an operator keeps the operations-centre dashboard open on a desktop; a citizen submits a
// dossier from a phone in another browser; the change appears on the dashboard and the "received
// today" figure goes up within a few seconds, without a reload. The change shows no personal data.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEMO, DESKTOP, PHONE, checkCommon, login, pathOf, screenshot, tempDir, visit, withBrowser, writePdf,
} from './lib.mjs';

const BIRTH = '1.001193';
const WARD = '19753';

function pdfBase64(dir, name, text) {
  return readFileSync(writePdf(dir, name, text)).toString('base64');
}

test('operations centre: a citizen\'s dossier appears live on the dashboard', { timeout: 120_000 }, async () => {
  const files = tempDir();
  try {
    await withBrowser('p-ioc-operator', { viewport: DESKTOP }, async (operator) => {
      await login(operator, DEMO.ioc);
      assert.ok(await operator.locator('a#nav-ioc').isVisible(), 'the IOC operator has no a#nav-ioc in the header');
      await visit(operator, '/ioc');
      await checkCommon(operator, { lang: 'vi' });
      const status = operator.locator('#live-status');
      await operator.waitForFunction(() => document.getElementById('live-status')?.dataset.live === document.getElementById('live-status')?.textContent, null, { timeout: 10_000 })
        .catch(async () => assert.fail(`the dashboard never went live: "${await status.textContent()}"`));
      const before = Number((await operator.locator('#tile-received-today').textContent()).trim());
      assert.ok(Number.isInteger(before), 'received-today tile is not a number');
      const pageUrl = operator.url();

      await withBrowser('p-ioc-citizen', { viewport: PHONE, mobile: true }, async (citizen) => {
        await login(citizen, DEMO.citizen);
        const body = {
          procedure_code: BIRTH,
          unit_code: WARD,
          form: { child_name: 'Lê Minh An', birth_date: '2026-11-20', gender: 'Nam', birth_place: 'Bệnh viện Trung ương Huế',
            father_name: 'Lê Văn Bình', mother_name: 'Trần Thị Hoa' },
          documents: [
            { document_key: 'doc1', file_name: 'to-khai.pdf', content_base64: pdfBase64(files, 'to-khai.pdf', 'To khai') },
            { document_key: 'doc2', file_name: 'giay-chung-sinh.pdf', content_base64: pdfBase64(files, 'giay-chung-sinh.pdf', 'Giay chung sinh') },
          ],
        };
        const answer = await citizen.evaluate(async (payload) => {
          const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
          const res = await fetch('/api/v1/dossiers', {
            method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Idempotency-Key': `ioc-live-${Date.now()}` },
            body: JSON.stringify(payload),
          });
          return { status: res.status, body: await res.json() };
        }, body);
        assert.equal(answer.status, 201, `submitting the dossier answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        const code = answer.body.code;

        // The dashboard, untouched, shows the change and the new figure.
        const item = operator.locator('#live-events li.live-event', { hasText: code });
        await item.first().waitFor({ state: 'visible', timeout: 10_000 })
          .catch(() => assert.fail(`dossier ${code} did not appear on the dashboard within 10 s`));
        assert.equal(await item.first().getAttribute('data-topic'), 'dossier.submitted');
        await operator.waitForFunction((n) => Number(document.getElementById('tile-received-today').textContent) > n, before, { timeout: 10_000 })
          .catch(() => assert.fail('the received-today tile did not go up without a reload'));
        const feed = await operator.locator('#live-events').innerText();
        assert.ok(!feed.includes('Lê Minh An') && !feed.includes('Trần Thị Hoa'), 'the live feed shows personal data');
        assert.equal(operator.url(), pageUrl, 'the dashboard reloaded');
      });
      await screenshot(operator, 'ioc-live.png');
      assert.equal(pathOf(operator), '/ioc');
    });
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
