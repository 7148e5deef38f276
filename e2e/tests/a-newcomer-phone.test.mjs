// Journey a: a newcomer on a phone (360×740) switches to English, registers,
// logs out and logs back in. No page of the journey may scroll sideways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, htmlLang, login, logout,
  newCitizen, pathOf, register, screenshot, visit, withBrowser,
} from './lib.mjs';

test('newcomer on a phone: English, register, log out, log back in', { timeout: 120_000 }, async () => {
  await withBrowser('a-newcomer-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const citizen = newCitizen();

    // Home, Vietnamese by default.
    await visit(page, '/');
    await checkCommon(page, { lang: 'vi' });
    assert.ok(await page.locator('h1').first().isVisible(), 'home: no visible h1');
    assert.ok((await page.locator('main a[href]').count()) > 0, 'home: no links to capabilities in <main>');
    assert.ok(await page.locator('a#nav-login').isVisible(), 'home: a#nav-login not visible when logged out');
    assert.ok(await page.locator('a#nav-register').isVisible(), 'home: a#nav-register not visible when logged out');
    await checkNoHorizontalScroll(page, PHONE.width);
    await screenshot(page, 'home-360.png');

    // Switch to English: same page, lang=en, switch offers Vietnamese.
    await clickAndWait(page, 'a#lang-switch');
    assert.equal(pathOf(page), '/', 'language switch did not reload the same page');
    await checkCommon(page, { lang: 'en' });
    await checkNoHorizontalScroll(page, PHONE.width);
    await screenshot(page, 'home-360-en.png');

    // Register through the header link; the language choice sticks.
    await clickAndWait(page, 'a#nav-register');
    assert.equal(pathOf(page), '/register', 'a#nav-register did not open /register');
    await checkCommon(page, { lang: 'en' });
    await checkNoHorizontalScroll(page, PHONE.width);
    await register(page, citizen);
    await checkCommon(page);
    await checkNoHorizontalScroll(page, PHONE.width);
    assert.ok(await page.locator('h1').first().isVisible(), '/account: no visible h1');
    assert.ok((await page.locator('main').innerText()).includes(citizen.fullName), `/account does not show the name ${citizen.fullName}`);
    assert.ok((await page.locator('#nav-account').innerText()).includes(citizen.fullName), '#nav-account does not show the display name');
    assert.equal(await htmlLang(page), 'en', '/account after registering: language switched back from English');

    // Log out: back home, the account page now asks for a login.
    await logout(page);
    await checkNoHorizontalScroll(page, PHONE.width);
    assert.ok(await page.locator('a#nav-login').isVisible(), 'after logout: a#nav-login not visible');
    await page.goto(new URL('/account', page.url()).href, { waitUntil: 'load' });
    assert.equal(pathOf(page), '/login', 'after logout /account did not redirect to /login');
    await checkCommon(page, { lang: 'en' });
    await checkNoHorizontalScroll(page, PHONE.width);

    // Log back in with the same credentials.
    await login(page, { identifier: citizen.email, password: citizen.password });
    assert.ok((await page.locator('main').innerText()).includes(citizen.fullName), `/account after login does not show ${citizen.fullName}`);
    await checkNoHorizontalScroll(page, PHONE.width);
    await screenshot(page, 'account-360-en.png');
  });
});
