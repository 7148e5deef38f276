// Journey b: registering with a malformed ID number shows a field error next to
// the field and keeps what was typed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHONE, checkCommon, clickAndWait, fillRegistration, newCitizen, pathOf, visit, withBrowser } from './lib.mjs';

test('registration with a malformed ID number shows a field error and keeps the full name', { timeout: 120_000 }, async () => {
  await withBrowser('b-register-bad-id', { viewport: PHONE, mobile: true }, async (page) => {
    const citizen = { ...newCitizen(), citizenId: '04609000123' }; // 11 digits: malformed

    await visit(page, '/register');
    await checkCommon(page, { lang: 'vi' });
    await fillRegistration(page, citizen);

    // If the browser's own validation stops the form (pattern/maxlength), that is
    // fine for a person, but the server must still reject it: submit again
    // without client-side validation.
    const clientInvalid = await page.locator('#register-form input[name="citizen_id"]').evaluate((el) => !el.checkValidity());
    if (clientInvalid) {
      console.log('[b-register-bad-id] the browser flags the ID as invalid before sending; checking the server without client validation');
      await page.locator('#register-form').evaluate((form) => { form.noValidate = true; });
    }
    await clickAndWait(page, 'button#register-submit');

    assert.notEqual(pathOf(page), '/account', 'a malformed ID number was accepted');
    const fieldErrors = page.locator('.field-error');
    assert.ok((await fieldErrors.count()) > 0, 'no .field-error shown for the malformed ID number');
    assert.ok(await fieldErrors.first().isVisible(), '.field-error is not visible');
    const text = (await fieldErrors.allTextContents()).join(' ').trim();
    assert.ok(text.length > 0, '.field-error is empty');
    assert.equal(await page.inputValue('#register-form input[name="full_name"]'), citizen.fullName, 'the typed full name was not kept');
    assert.equal(await page.inputValue('#register-form input[name="contact"]'), citizen.email, 'the typed contact was not kept');
    await checkCommon(page, { lang: 'vi' });

    // The error sits with the ID field: the nearest form group holding the input also holds an error,
    // or the input points at it with aria-describedby.
    const nearId = await page.locator('#register-form input[name="citizen_id"]').evaluate((input) => {
      const described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
        .map((id) => document.getElementById(id)).filter(Boolean);
      if (described.some((el) => el.matches('.field-error'))) return true;
      for (let el = input.parentElement; el && el.tagName !== 'FORM'; el = el.parentElement) {
        if (el.querySelector('.field-error')) return true;
      }
      // Sibling right after the input (label/input/error in a flat form).
      let sib = input.nextElementSibling;
      for (let i = 0; sib && i < 3; i++, sib = sib.nextElementSibling) if (sib.matches('.field-error')) return true;
      return false;
    });
    assert.ok(nearId, 'the .field-error is not next to the citizen_id field (same wrapper, following sibling or aria-describedby)');
  });
});
