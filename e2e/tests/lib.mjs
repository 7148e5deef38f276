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
  reception: { identifier: 'reception@hue.demo', password: 'demo-reception-2026' },
  leader: { identifier: 'leader@hue.demo', password: 'demo-leader-2026' },
  ioc: { identifier: 'ioc@hue.demo', password: 'demo-ioc-2026' },
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

/**
 * Writes a small but well-formed one-page PDF saying `text` (ASCII) to `dir/name` and returns
 * its path; the server sniffs the type from the content, so it must start with `%PDF-`.
 */
export function writePdf(dir, name, text) {
  const stream = `BT /F1 12 Tf 40 780 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const path = join(dir, name);
  writeFileSync(path, body, 'latin1');
  return path;
}

/** A temp directory for generated upload files (remove it with rmSync when done). */
export function tempDir(prefix = 'smartcity-e2e-files-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Text of an element, whitespace collapsed ('' when absent). */
export async function textOf(page, selector) {
  const loc = page.locator(selector);
  if ((await loc.count()) === 0) return '';
  return ((await loc.first().innerText()) || '').replace(/\s+/g, ' ').trim();
}

/** Logs out (when logged in) and logs in as `creds`. */
export async function switchUser(page, creds) {
  if ((await page.locator('button#logout-button').count()) === 0) await visit(page, '/account').catch(() => {});
  if ((await page.locator('button#logout-button').count()) > 0) await logout(page);
  await login(page, creds);
}

/** Ids of the action forms (`form.action-form`) on the current dossier page. */
export async function actionIds(page) {
  return page.locator('form.action-form').evaluateAll((fs) => fs.map((f) => f.id));
}

/**
 * On a dossier page: fills the action form `#action-<name>` with `fill(form)` (optional),
 * presses its submit button, waits for the next page and checks no `#action-error` is shown.
 */
export async function dossierAction(page, name, fill) {
  const id = `action-${name}`;
  const form = page.locator(`form#${id}`);
  if ((await form.count()) === 0) {
    assert.fail(`${pathOf(page)}: no form#${id}; status "${await textOf(page, '#dossier-status')}", action forms offered: ${JSON.stringify(await actionIds(page))}; error shown: "${await textOf(page, '.error')}"`);
  }
  if (fill) await fill(form);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button[type="submit"]').first().click()]);
  const err = await textOf(page, '#action-error, main .error');
  assert.equal(err, '', `action ${name} on ${page.url()} showed an error`);
}

/** Asserts the dossier page shows status `expected` (Vietnamese label). */
export async function expectStatus(page, expected, when = '') {
  const status = await textOf(page, '#dossier-status');
  assert.equal(status, expected, `#dossier-status${when ? ` ${when}` : ''} on ${page.url()}`);
}
