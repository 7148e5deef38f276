// Journey f: a counter submission (issue 3). The reception officer at a desktop reads the demo
// citizen's e-card number on /admin/ecards, receives "Đăng ký khai sinh" at the counter for the
// citizen identified by that card, with two scans; the dossier is accepted at once (status
// "Được tiếp nhận", a due date, channel "Trực tiếp"/counter) and the citizen finds it in
// /my/dossiers.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEMO, DESKTOP, PHONE, checkCommon, checkNoHorizontalScroll, expectStatus, login, pathOf, screenshot,
  tempDir, textOf, visit, withBrowser, writePdf,
} from './lib.mjs';

const PROCEDURE = { code: '1.001193', name: 'Đăng ký khai sinh' };
const WARD = '19753';
const HOLDER = 'Nguyễn Văn An';
// The counter channel's label: "Trực tiếp" (in person at the desk) in the national vocabulary.
const COUNTER_LABELS = [/trực tiếp/i, /tại quầy/i, /in person/i, /counter/i];

test('reception receives a birth registration at the counter for a citizen identified by e-card', { timeout: 180_000 }, async () => {
  const files = tempDir();
  const scan1 = writePdf(files, 'scan-to-khai.pdf', 'Scan to khai - counter e2e');
  const scan2 = writePdf(files, 'scan-giay-chung-sinh.pdf', 'Scan giay chung sinh - counter e2e');
  let code = '';
  try {
    await withBrowser('f-counter-reception', { viewport: DESKTOP }, async (page) => {
      await login(page, DEMO.reception);

      // The citizen's active card number.
      await visit(page, '/admin/ecards');
      await checkCommon(page);
      const rows = page.locator('#ecards-table tbody tr', { hasText: HOLDER });
      assert.ok((await rows.count()) > 0, `#ecards-table has no card for ${HOLDER}`);
      let card = '';
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i);
        if ((await row.locator('.badge.ok').count()) > 0 || i === (await rows.count()) - 1) {
          card = ((await row.locator('td.mono').first().innerText()) || '').trim();
          if (card) break;
        }
      }
      assert.ok(card, `no card number (td.mono) in the row of ${HOLDER}`);

      // Counter submission: pick the procedure, identify the citizen by the card.
      await visit(page, '/desk/dossiers/new');
      await checkCommon(page);
      const pick = page.locator(`main a[href="/desk/dossiers/new/${PROCEDURE.code}"]`);
      const pickByName = page.locator('main a', { hasText: PROCEDURE.name });
      const target = (await pick.count()) > 0 ? pick : pickByName;
      assert.ok((await target.count()) > 0, `/desk/dossiers/new offers no link to "${PROCEDURE.name}" (${PROCEDURE.code})`);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.first().click()]);
      assert.equal(pathOf(page), `/desk/dossiers/new/${PROCEDURE.code}`);
      await page.fill('#applicant', card);
      if ((await page.locator('select#unit_code').count()) > 0) await page.selectOption('select#unit_code', WARD);
      await page.fill('#form-child_name', 'Nguyễn Thị Bảo Ngọc');
      await page.fill('#form-birth_date', '2026-11-18');
      await page.selectOption('#form-gender', 'Nữ');
      await page.fill('#form-birth_place', 'Trạm y tế phường Phú Xuân');
      await page.fill('#form-father_name', HOLDER);
      await page.fill('#form-mother_name', 'Lê Thị Mai');
      await page.setInputFiles('#doc-doc1', scan1);
      await page.setInputFiles('#doc-doc2', scan2);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button#dossier-submit')]);
      if (!/^\/dossiers\/[^/]+$/.test(pathOf(page))) {
        assert.fail(`the counter submission did not land on /dossiers/{code} but ${page.url()}; error shown: "${await textOf(page, '#submit-error, .error')}"`);
      }
      code = await textOf(page, '#dossier-code');
      assert.ok(code, 'no #dossier-code on the dossier page');
      await expectStatus(page, 'Được tiếp nhận', 'right after the counter submission');
      assert.ok(await textOf(page, '#dossier-due'), 'no #dossier-due on an accepted counter dossier');
      const facts = await textOf(page, 'dl.facts');
      assert.ok(COUNTER_LABELS.some((re) => re.test(facts)), `the channel is not shown as counter ("Trực tiếp"): ${facts}`);
      assert.ok(facts.includes(HOLDER), `the applicant is not ${HOLDER}: ${facts}`);
      assert.ok((await page.locator('a.form-link[href$="/forms/01"]').count()) > 0, 'no link to form 01 (receipt) on the accepted dossier');
      await screenshot(page, 'dossier-counter-1280.png');
    });

    await withBrowser('f-counter-citizen', { viewport: PHONE, mobile: true }, async (page) => {
      await login(page, DEMO.citizen);
      await visit(page, '/my/dossiers');
      await checkCommon(page);
      const link = page.locator('a.dossier-link', { hasText: code });
      assert.ok((await link.count()) > 0, `/my/dossiers of ${HOLDER} does not list the counter dossier ${code}`);
      await checkNoHorizontalScroll(page, PHONE.width);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.first().click()]);
      await expectStatus(page, 'Được tiếp nhận', 'for the citizen');
      assert.ok(await textOf(page, '#dossier-due'), 'the citizen sees no #dossier-due');
      await checkNoHorizontalScroll(page, PHONE.width);
    });
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
