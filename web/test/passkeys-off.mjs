// Passkeys off (t/076-web-passkeys.t's second block: ten-factotum without
// -R): the login page offers no passkey, and the account page says why
// it cannot add one; the password login is as before.

import assert from 'node:assert/strict';
import { page, url, check, logIn, run } from './harness.mjs';

const cdp = await page.context().newCDPSession(page);
await cdp.send('WebAuthn.enable');
await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
               hasUserVerification: true, isUserVerified: true },
});

await run(async () => {
    await check('no passkey button when factotum offers none', async () => {
        await page.goto(url);
        await page.waitForSelector('#login-form:visible');
        // the page asks /dev/factotum/proto once it shows the login form
        await page.waitForTimeout(1000);
        assert.ok(await page.locator('#passkey-login').isHidden());
        assert.ok(await page.locator('#passkey-button').isHidden());
    });

    await check('the account page says passkeys are off', async () => {
        await logIn(page, 'adm', process.env.TEN_ADM_PASSWORD);
        await page.click('#account-link');
        await page.waitForSelector('#passkey-unavailable');
        assert.match(await page.locator('#passkey-unavailable').innerText(), /^Passkeys are not enabled on this server/);
        assert.ok(await page.locator('#passkey-add-button').isDisabled());
        await page.waitForSelector('#passkey-none');
    });
});
