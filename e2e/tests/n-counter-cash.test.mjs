// Journey n: cash at the one-stop desk (issue 4). The reception officer at a desktop receives "Chứng thực chữ
// ký" (2.000884, 10 000 đ) at the counter for the demo citizen identified by ID number, takes the fee in cash
// on the dossier page, and gets the 80 mm thermal receipt, ready to print.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEMO, DESKTOP, checkCommon, clickAndWait, login, pathOf, screenshot, tempDir, textOf, visit, withBrowser, writePdf,
} from './lib.mjs';

const PROCEDURE = '2.000884';

test('reception takes cash at the counter and opens a thermal receipt', { timeout: 180_000 }, async () => {
  const files = tempDir();
  try {
    await withBrowser('n-counter-cash', { viewport: DESKTOP }, async (page) => {
      await login(page, DEMO.reception);
      await visit(page, `/desk/dossiers/new/${PROCEDURE}`);
      await page.fill('#applicant', '046090001234');
      if ((await page.locator('select#unit_code').count()) > 0) await page.selectOption('select#unit_code', '19753');
      await page.fill('#form-request', 'Chứng thực chữ ký trên giấy ủy quyền');
      await page.setInputFiles('#doc-doc1', writePdf(files, 'cccd.pdf', 'CCCD scan'));
      await page.setInputFiles('#doc-doc2', writePdf(files, 'giay-uy-quyen.pdf', 'Giay uy quyen'));
      await clickAndWait(page, 'button#dossier-submit');
      assert.match(pathOf(page), /^\/dossiers\/[^/]+$/, `the counter submission landed on ${page.url()}: ${await textOf(page, '.error')}`);

      const form = page.locator('#counter-payment');
      assert.ok((await form.count()) > 0, 'the dossier page offers the desk no cash form');
      await page.selectOption('#counter-method', 'cash');
      await clickAndWait(page, '#counter-submit');
      assert.match(pathOf(page), /^\/bien-lai\/[A-Z0-9-]+\/\d+$/, `cash did not open the receipt: ${page.url()}`);
      assert.ok(page.url().endsWith('?format=thermal'), 'cash opens the thermal layout');
      await checkCommon(page);
      assert.ok(await page.locator('#receipt.thermal').isVisible(), 'no thermal receipt');
      assert.ok((await textOf(page, '#receipt-amount')).includes('10.000'), `amount: ${await textOf(page, '#receipt-amount')}`);
      assert.ok((await textOf(page, '#receipt')).includes('Tiền mặt'), 'the method is not cash');
      assert.equal(await textOf(page, '#receipt-words'), 'Mười nghìn đồng');
      await page.emulateMedia({ media: 'print' });
      const width = await page.locator('#receipt').evaluate((el) => el.getBoundingClientRect().width);
      assert.ok(width <= 80 * 96 / 25.4 + 1, `the thermal receipt is ${width}px wide, more than 80 mm`);
      assert.equal(await page.locator('header.site').isVisible(), false, 'the site header must not print');
      await screenshot(page, 'receipt-thermal-1280.png');
    });
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
