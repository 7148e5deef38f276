// Shared helpers for the browser journeys: launching Debian's Chromium through
// playwright-core, per-journey isolation, failure artefacts and common checks.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const E2E_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const SCREENSHOT_DIR = join(E2E_DIR, 'screenshots');
export const RESULTS_DIR = join(E2E_DIR, 'test-results');

const rawBase = process.env.SMARTCITY_URL;
if (!rawBase) {
  throw new Error('SMARTCITY_URL is not set (e.g. SMARTCITY_URL=http://127.0.0.1:8080); use e2e/run.sh to start a server');
}
export const BASE_URL = rawBase.replace(/\/+$/, '');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

export const DEMO = {
  admin: { identifier: 'admin@hue.demo', password: 'demo-admin-2026' },
  processing: { identifier: 'processing@hue.demo', password: 'demo-processing-2026' },
  citizen: { identifier: 'citizen@hue.demo', password: 'demo-citizen-2026' },
};

/** Absolute URL on the server under test. */
export function url(path) {
  return BASE_URL + path;
}

/** Pathname of the page's current URL. */
export function pathOf(page) {
  return new URL(page.url()).pathname;
}

function digits(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

/**
 * A fresh, valid-looking citizen: 12-digit ID (province 046 Thừa Thiên Huế,
 * century/gender digit 0 = male born 19xx, year 80–99, 6 random digits),
 * a unique email and a strong password.
 */
export function newCitizen() {
  const family = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Phan', 'Võ', 'Đặng'];
  const middle = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Hữu', 'Thanh'];
  const given = ['An', 'Bình', 'Châu', 'Dũng', 'Hương', 'Khánh', 'Lan', 'Phúc', 'Quỳnh', 'Tâm'];
  const pick = (xs) => xs[randomInt(xs.length)];
  const tag = `${Date.now().toString(36)}${digits(4)}`;
  return {
    fullName: `${pick(family)} ${pick(middle)} ${pick(given)}`,
    citizenId: `0460${80 + randomInt(20)}${digits(6)}`,
    email: `e2e-${tag}@example.com`,
    password: `Hue-e2e-${digits(6)}-Pass!`,
  };
}

/**
 * Runs `fn(page, ctx)` in a fresh Chromium with its own empty profile (cookies
 * are never shared between journeys). On failure a screenshot and the page HTML
 * go to e2e/test-results/<name>.{png,html}. Uncaught page JavaScript errors and
 * HTTP 5xx answers fail the journey.
 */
export async function withBrowser(name, { viewport = DESKTOP, mobile = false, locale = 'vi-VN' } = {}, fn) {
  const profile = mkdtempSync(join(tmpdir(), 'smartcity-e2e-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    screen: viewport,
    isMobile: mobile,
    hasTouch: mobile,
    deviceScaleFactor: mobile ? 2 : 1,
    locale,
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  ctx.setDefaultTimeout(Number(process.env.E2E_TIMEOUT_MS || 15000));
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const pageErrors = [];
  const serverErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    // 4xx/5xx answers are reported below with their URL instead.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) console.log(`[${name}] console error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    const req = res.request();
    if (res.status() >= 500) serverErrors.push(`${res.status()} ${req.method()} ${res.url()}`);
    else if (res.status() >= 400 && req.resourceType() !== 'document' && !res.url().endsWith('/favicon.ico')) {
      console.log(`[${name}] note: ${req.resourceType()} ${res.url()} answered ${res.status()}`);
    }
  });
  try {
    await fn(page, ctx);
    assert.deepEqual(pageErrors, [], 'uncaught JavaScript errors on the page');
    assert.deepEqual(serverErrors, [], 'the server answered with 5xx');
  } catch (err) {
    try {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
      writeFileSync(join(RESULTS_DIR, `${name}.html`), await page.content());
      console.log(`[${name}] failed at ${page.url()}; artefacts in ${RESULTS_DIR}/${name}.{png,html}`);
    } catch (artefactErr) {
      console.log(`[${name}] could not save failure artefacts: ${artefactErr}`);
    }
    throw err;
  } finally {
    await ctx.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Navigates and asserts the final answer is not an HTTP error. */
export async function visit(page, path) {
  const res = await page.goto(url(path), { waitUntil: 'load' });
  assert.ok(res, `no response for ${path}`);
  assert.ok(res.status() < 400, `GET ${path} answered ${res.status()}`);
  return res;
}

/** Clicks something that submits a form or follows a link and waits for the next page. */
export async function clickAndWait(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

export async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

/** Checks every page of the site shares: lang attribute, language switch, a main landmark. */
export async function checkCommon(page, { lang } = {}) {
  const where = pathOf(page);
  const actual = await htmlLang(page);
  assert.ok(actual === 'vi' || actual === 'en', `${where}: <html lang> is ${JSON.stringify(actual)}, expected vi or en`);
  if (lang) assert.equal(actual, lang, `${where}: <html lang>`);
  const sw = await page.locator('a#lang-switch').textContent();
  assert.equal(sw?.trim(), actual === 'vi' ? 'English' : 'Tiếng Việt', `${where}: a#lang-switch text`);
  assert.ok((await page.locator('main').count()) >= 1, `${where}: no <main> element`);
}

/** Asserts the page does not scroll sideways at its current viewport width. */
export async function checkNoHorizontalScroll(page, width) {
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(sw <= width + 1, `${pathOf(page)}: horizontal scroll at ${width}px (documentElement.scrollWidth=${sw})`);
}

export async function screenshot(page, file, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, file), fullPage });
}

/** Fills and submits the login form on the current page; expects to land on /account. */
export async function login(page, { identifier, password }) {
  if (pathOf(page) !== '/login') await visit(page, '/login');
  await page.fill('#login-form input[name="identifier"]', identifier);
  await page.fill('#login-form input[name="password"]', password);
  await clickAndWait(page, 'button#login-submit');
  if (pathOf(page) !== '/account') {
    const errors = await page.locator('.error').allTextContents();
    assert.fail(`login as ${identifier} did not land on /account but ${page.url()}; errors shown: ${JSON.stringify(errors.map((e) => e.trim()))}`);
  }
}

/** Fills the registration form (already open) with `c`; does not submit. */
export async function fillRegistration(page, c) {
  await page.fill('#register-form input[name="full_name"]', c.fullName);
  await page.fill('#register-form input[name="citizen_id"]', c.citizenId);
  await page.fill('#register-form input[name="contact"]', c.email);
  await page.fill('#register-form input[name="password"]', c.password);
  await page.fill('#register-form input[name="password_confirm"]', c.password);
}

/** Registers `c` through /register; expects to be logged in on /account. */
export async function register(page, c) {
  if (pathOf(page) !== '/register') await visit(page, '/register');
  await fillRegistration(page, c);
  await clickAndWait(page, 'button#register-submit');
  if (pathOf(page) !== '/account') {
    const errors = await page.locator('.field-error, .error').allTextContents();
    assert.fail(`registration of ${c.email} (ID ${c.citizenId}) did not land on /account but ${page.url()}; errors shown: ${JSON.stringify(errors.map((e) => e.trim()))}`);
  }
}

/** Logs out with the header button; expects to land on /. */
export async function logout(page) {
  await clickAndWait(page, 'button#logout-button');
  assert.equal(pathOf(page), '/', 'logout did not redirect to /');
}
