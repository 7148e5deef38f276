// Journey m: paying a fee online (issue 4). The demo citizen on a phone opens the demo dossier that waits in
// status 6 ("Yêu cầu thực hiện nghĩa vụ tài chính"), presses "Thanh toán trực tuyến", lands on the built-in
// VNPay sandbox, cancels; the return page says it did not go through and the dossier still waits. She pays
// again, picks a bank and succeeds: the return page says paid, the dossier moves on ("Đang xử lý"), the receipt
// opens with the amount in words and prints (print media hides the site chrome, the receipt stays), and its
// code checks out on the public verification page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEMO, PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, expectStatus, login, pathOf, screenshot,
  textOf, visit, withBrowser,
} from './lib.mjs';

const WAITING = 'Yêu cầu thực hiện nghĩa vụ tài chính';

async function openWaitingDossier(page) {
  await visit(page, '/my/dossiers');
  const links = page.locator('a.dossier-link');
  let href = '';
  for (let i = 0; i < (await links.count()); i++) {
    const tr = links.nth(i).locator('xpath=ancestor::tr[1]');
    const text = (await tr.count()) > 0 ? await tr.innerText() : '';
    if (text.includes(WAITING)) {
      href = await links.nth(i).getAttribute('href');
      break;
    }
  }
  assert.ok(href, `/my/dossiers lists no dossier in status "${WAITING}"`);
  await visit(page, href);
  await expectStatus(page, WAITING, 'before paying');
  return href;
}

test('a citizen cancels a payment, pays again through the sandbox and prints the receipt', { timeout: 180_000 }, async () => {
  await withBrowser('m-pay-online', { viewport: PHONE, mobile: true }, async (page) => {
    await login(page, DEMO.citizen);
    const dossier = await openWaitingDossier(page);
    await checkNoHorizontalScroll(page, PHONE.width);
    const pay = page.locator('button.pay-button');
    assert.ok((await pay.count()) > 0, 'the dossier in status 6 offers no pay button');

    // First attempt: cancelled at the gateway.
    await clickAndWait(page, 'button.pay-button');
    assert.equal(pathOf(page), '/sandbox/vnpay/pay', 'pay did not lead to the sandbox gateway');
    await checkCommon(page);
    assert.ok((await textOf(page, '#sandbox-amount')).includes('đ'), 'the sandbox shows no amount');
    await checkNoHorizontalScroll(page, PHONE.width);
    await clickAndWait(page, '#sandbox-cancel');
    assert.equal(pathOf(page), '/payments/vnpay/return');
    assert.equal(await page.locator('#payment-result').getAttribute('data-status'), 'failed', 'a cancelled payment must not show as paid');
    await visit(page, dossier);
    await expectStatus(page, WAITING, 'after the cancelled payment');

    // Retry: succeed with a chosen bank.
    await clickAndWait(page, 'button.pay-button');
    await page.check('input[name="bank"][value="VCB"]');
    await clickAndWait(page, '#sandbox-success');
    assert.equal(await page.locator('#payment-result').getAttribute('data-status'), 'paid', `the return page: ${await textOf(page, '#payment-result')}`);
    await screenshot(page, 'payment-paid-360.png');
    await checkNoHorizontalScroll(page, PHONE.width);

    // The receipt, on screen and in print.
    await clickAndWait(page, '#receipt-link');
    assert.match(pathOf(page), /^\/bien-lai\/[A-Z0-9-]+\/\d+$/);
    assert.ok((await textOf(page, '#receipt-words')).endsWith('đồng'), 'no amount in words');
    const code = await textOf(page, '#receipt-code');
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.site').isVisible(), false, 'the site header must not print');
    assert.equal(await page.locator('#print-receipt').isVisible(), false, 'the print button must not print');
    assert.ok(await page.locator('#receipt').isVisible(), 'the receipt must print');
    await screenshot(page, 'receipt-print-360.png');
    await page.emulateMedia({ media: 'screen' });

    // The dossier went on, and the receipt is genuine on the public page.
    await visit(page, dossier);
    await expectStatus(page, 'Đang xử lý', 'once paid');
    assert.ok((await page.locator('#dossier-receipts a.receipt-link').count()) > 0, 'the dossier lists no receipt');
    await visit(page, `/bien-lai/tra-cuu?code=${encodeURIComponent(code)}`);
    assert.ok((await page.locator('#verify-result').count()) > 0, `the code ${code} did not verify: ${await textOf(page, '.error')}`);
    assert.ok(!(await textOf(page, '#verify-result')).includes('046090001234'), 'the public check shows the ID number');
    await checkNoHorizontalScroll(page, PHONE.width);
  });
});
