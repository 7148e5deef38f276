// Journey r: what is collected and on which receipts (issue 4). The city administrator registers a receipt
// series for a ward (a malformed symbol is refused with a clear message first) and retires it again, then sets
// the fees of a procedure version (a negative amount is refused, nothing saved, the typed rows come back). The
// reception officer replaces a receipt issued with the wrong payer (biên lai thay thế): the new receipt names
// the old one, the old one says it was replaced, and anyone checking the old code on a phone is told so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEMO, DESKTOP, PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, login, pathOf, screenshot, switchUser,
  textOf, visit, withBrowser,
} from './lib.mjs';

const PROCEDURE = '1.004873';
const WARD = '19753';

test('an administrator manages series and fees; the desk replaces a receipt', { timeout: 240_000 }, async () => {
  let oldCode = '';
  await withBrowser('r-payments-admin', { viewport: DESKTOP }, async (page) => {
    await login(page, DEMO.admin);
    await visit(page, '/admin');
    await clickAndWait(page, 'a[href="/admin/receipt-series"]');
    await checkCommon(page);
    assert.ok((await page.locator('#series tr[data-series="AA/26E"]').count()) === 1, 'the city desk series is listed');

    await page.selectOption('#unit_code', WARD);
    await page.fill('#template_symbol', '01BLP0-002');
    await page.fill('#series_symbol', 'PX/2026E');
    await page.fill('#collector_name', 'UBND phường Phú Xuân');
    await page.fill('#collector_tax_code', '3300101406');
    await clickAndWait(page, '#series-save');
    assert.match(await textOf(page, '#series-error'), /AA\/26E/, 'the error shows the expected shape');
    assert.equal(await page.inputValue('#series_symbol'), 'PX/2026E', 'what was typed comes back');
    await page.fill('#series_symbol', 'px/26e');
    await clickAndWait(page, '#series-save');
    assert.equal(pathOf(page), '/admin/receipt-series', `registering landed on ${page.url()}`);
    const row = page.locator('#series tr[data-series="PX/26E"]');
    assert.equal(await row.count(), 1, 'the new series is listed');
    // Retired again, so the ward's payments keep using the city desk's series in the other journeys.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), row.locator('button').click()]);
    assert.match(await textOf(page, '#series tr[data-series="PX/26E"]'), /Đã ngừng/);
    await screenshot(page, 'receipt-series-1280.png');

    await visit(page, `/admin/procedures/${PROCEDURE}`);
    await clickAndWait(page, '#fees-link');
    await checkCommon(page);
    await page.fill('#key_0', 'le_phi');
    await page.fill('#name_vi_0', 'Lệ phí cấp giấy');
    await page.fill('#amount_0', '-15.000');
    await page.check('#before_0');
    await clickAndWait(page, '#fees-save');
    assert.match(await textOf(page, '#fees-error'), /Dòng 1: Số tiền không được âm/);
    assert.equal(await page.inputValue('#amount_0'), '-15.000');
    await page.fill('#amount_0', '15.000');
    await page.selectOption('#collect_at_0', 'result');
    await clickAndWait(page, '#fees-save');
    assert.ok(await page.locator('#fees-saved').isVisible(), `the fees were not saved: ${await textOf(page, '#fees-error')}`);
    assert.equal(await page.inputValue('#amount_0'), '15.000');
    assert.equal(await page.inputValue('#collect_at_0'), 'result');

    // The desk: the demo's cash receipt for certified copies named the wrong payer.
    await switchUser(page, DEMO.reception);
    await visit(page, '/bien-lai/AA-26E/2');
    oldCode = (await textOf(page, '#receipt-code')).trim();
    await page.fill('#replace-payer', 'Phan Văn Nam');
    await page.fill('#replace-reason', ' ');
    await page.focus('#replace-submit');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match(await textOf(page, '#refund-error'), /lý do thay thế/, 'a replacement without a reason is refused');
    await page.fill('#replace-payer', 'Phan Văn Nam');
    await page.fill('#replace-reason', 'Ghi nhầm người nộp tiền');
    await clickAndWait(page, '#replace-submit');
    assert.match(pathOf(page), /^\/bien-lai\/AA-26E\/\d+$/, `the replacement did not open: ${page.url()}`);
    assert.notEqual(pathOf(page), '/bien-lai/AA-26E/2');
    assert.equal(await page.locator('#receipt').getAttribute('data-kind'), 'replacement');
    assert.match(await textOf(page, '#receipt-replaces'), /AA\/26E\/0000002/);
    assert.equal(await textOf(page, '#receipt-payer'), 'Phan Văn Nam');
    await checkCommon(page);
    await screenshot(page, 'receipt-replacement-1280.png');
    await visit(page, '/bien-lai/AA-26E/2');
    assert.match(await textOf(page, '#receipt-replaced'), /AA\/26E\/\d{7}/, 'the old receipt names its replacement');
    assert.equal(await page.locator('#replace-form').count(), 0, 'a replaced receipt is not replaced again');
  });

  await withBrowser('r-payments-admin-verify', { viewport: PHONE, mobile: true }, async (page) => {
    await visit(page, '/bien-lai/tra-cuu');
    await page.fill('#code', oldCode);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#verify-result');
    await checkCommon(page);
    assert.match(await textOf(page, '#verify-replaced'), /thay thế/);
    assert.match(await textOf(page, '#verify-replaced'), /AA\/26E\/\d{7}/);
    await checkNoHorizontalScroll(page, PHONE.width);
    await screenshot(page, 'receipt-verify-replaced-360.png');
  });
});
