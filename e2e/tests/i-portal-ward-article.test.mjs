// Journey i: an editor of Phường Kim Long drafts an article with an image, the ward leader approves it, and it
// appears on the ward site and in the city portal's "from the wards" feed.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DESKTOP, PHONE, checkCommon, checkNoHorizontalScroll, clickAndWait, login, pathOf, screenshot, switchUser, tempDir,
  visit, withBrowser,
} from './lib.mjs';

const EDITOR = { identifier: 'editor.kimlong@hue.demo', password: 'demo-editor-kimlong-2026' };
const LEADER = { identifier: 'leader.kimlong@hue.demo', password: 'demo-leader-kimlong-2026' };
/** A 1×1 PNG: the server checks the type by content. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('Kim Long: editor drafts with an image, leader approves, ward site and city feed show it', { timeout: 120_000 }, async () => {
  const title = `Kim Long ra quân làm sạch bờ sông ${Date.now()}`;
  const dir = tempDir();
  const image = join(dir, 'anh.png');
  writeFileSync(image, PNG);
  let articlePath = '';
  await withBrowser('i-portal-ward-article', { viewport: DESKTOP }, async (page) => {
    await login(page, EDITOR);
    await visit(page, '/bien-tap');
    await checkCommon(page);
    await clickAndWait(page, 'a#new-article-19774');
    await page.selectOption('#a-kind', 'news');
    await page.fill('#a-title-vi', title);
    await page.fill('#a-title-en', 'Kim Long cleans the river bank');
    await page.fill('#a-sum-vi', 'Đoàn viên phường Kim Long thu gom rác ven sông Hương.');
    await page.fill('#a-body-vi', '<p>Sáng chủ nhật, hơn 200 đoàn viên tham gia.</p><script>alert(1)</script>');
    await page.setInputFiles('#a-image', image);
    await clickAndWait(page, 'button#save-draft');
    assert.match(pathOf(page), /^\/bien-tap\/bai-viet\//, `after saving: ${page.url()}`);
    assert.equal(await page.locator('#cleaned').count(), 1, 'the editor is told the script was removed');
    articlePath = pathOf(page);
    await clickAndWait(page, 'button#submit-article');
    assert.equal(await page.locator('#article-status').getAttribute('data-status'), 'submitted');
    assert.equal(await page.locator('button#approve-article').count(), 0, 'an editor cannot approve');
    await screenshot(page, 'portal-editor-submitted-1280.png');

    await switchUser(page, LEADER);
    await visit(page, articlePath);
    await clickAndWait(page, 'button#approve-article');
    assert.equal(await page.locator('#article-status').getAttribute('data-status'), 'published');
    await clickAndWait(page, 'a#public-link');
    assert.ok((await page.locator('h1').textContent()).includes(title));
    const img = page.locator('img.illustration');
    assert.equal(await img.count(), 1, 'the article shows its image');
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the image loads');
    assert.equal(await page.locator('article script').count(), 0);
  });

  await withBrowser('i-portal-ward-article-reader', { viewport: PHONE, mobile: true }, async (page) => {
    await visit(page, '/phuong-kim-long/');
    await checkCommon(page, { lang: 'vi' });
    assert.ok((await page.locator('#news-list').innerText()).includes(title), 'on the ward site');
    await checkNoHorizontalScroll(page, PHONE.width);
    await screenshot(page, 'portal-ward-360.png');
    await visit(page, '/thanh-pho-hue/');
    assert.ok((await page.locator('#children-list').innerText()).includes(title), 'in the city portal\'s "from the wards"');
    await visit(page, '/thanh-pho-hue/tu-cac-phuong');
    assert.ok((await page.locator('main').innerText()).includes(title));
    await checkNoHorizontalScroll(page, PHONE.width);
  });
});
