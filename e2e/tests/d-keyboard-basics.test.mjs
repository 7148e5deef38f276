// Journey d: accessibility and keyboard basics on the public pages: labelled
// inputs, image alt text, named buttons, a keyboard-only login and an
// announced error for a wrong password.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO, DESKTOP, checkCommon, pathOf, visit, withBrowser } from './lib.mjs';

/** Problems with labels, alt text and button names on the current page. */
async function a11yProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const describe = (el) => `${el.tagName.toLowerCase()}${el.name ? `[name=${el.name}]` : ''}${el.id ? `#${el.id}` : ''}`;
    for (const input of document.querySelectorAll('input, select, textarea')) {
      if (input.type === 'hidden' || input.type === 'submit' || input.type === 'button') continue;
      if (!input.labels || input.labels.length === 0) problems.push(`${describe(input)} has no <label>`);
      else if (![...input.labels].some((l) => l.textContent.trim())) problems.push(`${describe(input)} has an empty <label>`);
    }
    for (const img of document.querySelectorAll('img')) {
      if (!img.hasAttribute('alt')) problems.push(`img[src=${img.getAttribute('src')}] has no alt`);
    }
    for (const b of document.querySelectorAll('button, input[type=submit]')) {
      const name = (b.getAttribute('aria-label') || b.textContent || b.value || '').trim();
      if (!name) problems.push(`${describe(b)} has no accessible name`);
    }
    return problems;
  });
}

test('login page: labelled inputs, alt text, keyboard-only login, announced error', { timeout: 120_000 }, async () => {
  await withBrowser('d-keyboard-basics', { viewport: DESKTOP }, async (page) => {
    for (const path of ['/', '/register', '/login']) {
      await visit(page, path);
      await checkCommon(page, { lang: 'vi' });
      assert.deepEqual(await a11yProblems(page), [], `${path}: accessibility basics`);
    }

    // The identifier field carries the contract's label.
    const label = await page.locator('#login-form input[name="identifier"]').evaluate((el) => [...el.labels].map((l) => l.textContent.trim()).join(' '));
    assert.ok(label.includes('Email hoặc số điện thoại'), `identifier label is "${label}"`);

    // A wrong password is refused with an alert.
    await page.fill('#login-form input[name="identifier"]', DEMO.citizen.identifier);
    await page.fill('#login-form input[name="password"]', 'not-the-password');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button#login-submit')]);
    assert.notEqual(pathOf(page), '/account', 'a wrong password logged in');
    const alert = page.locator('.error[role="alert"]');
    assert.ok((await alert.count()) > 0, 'no .error[role=alert] after a wrong password');
    assert.ok((await alert.first().innerText()).trim().length > 0, 'the .error is empty');
    assert.deepEqual(await a11yProblems(page), [], 'login page with error: accessibility basics');

    // Keyboard only: Tab from the top of a fresh /login reaches the identifier, then the password; Enter logs in.
    await visit(page, '/login');
    await page.evaluate(() => { document.activeElement?.blur(); });
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('name') === 'identifier');
    }
    assert.ok(reached, 'Tab never reaches the identifier input');
    await page.keyboard.type(DEMO.citizen.identifier);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password', 'Tab after the identifier does not go to the password');
    await page.keyboard.type(DEMO.citizen.password);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.equal(pathOf(page), '/account', 'Enter in the password field did not log in');

    // Focus is visible on the logout button (some outline or box-shadow when focused by keyboard).
    await page.focus('button#logout-button');
    const focusStyle = await page.locator('button#logout-button').evaluate((el) => {
      const s = getComputedStyle(el);
      return { outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow !== 'none' };
    });
    if (!focusStyle.outline && !focusStyle.shadow) console.log('[d-keyboard-basics] note: no visible focus style on button#logout-button (outline/box-shadow)');
  });
});
