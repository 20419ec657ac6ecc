// Passkeys with user presence alone (t/076-web-passkeys.t's third block:
// ten-factotum -U, so its options say uv=preferred): a security key that
// cannot verify its user (no PIN, no biometrics) and keeps no
// discoverable credentials registers a passkey and logs in with it by
// the user's name; without the name the page says to type it.

import assert from 'node:assert/strict';
import { page, url, check, text, logIn, run } from './harness.mjs';

const cdp = await page.context().newCDPSession(page);
await cdp.send('WebAuthn.enable');
const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false,
               hasUserVerification: false, automaticPresenceSimulation: true },
});

async function passkeyLogIn(user) {
    await page.fill('#user', user);
    await page.click('#passkey-button');
    await Promise.race([
        page.waitForSelector('#listing tbody tr'),
        page.waitForFunction(() => /\.\)?$/.test(document.querySelector('#login-status').textContent)),
    ]);
    return text('#login-status');
}

await run(async () => {
    await check('a security key without user verification registers a passkey', async () => {
        await logIn(page, 'adm', process.env.TEN_ADM_PASSWORD);
        await page.click('#account-link');
        await page.fill('#passkey-name', 'key ring');
        await page.click('#passkey-add-button');
        await page.waitForSelector('#passkey-list');
        assert.match(await text('#passkey-status'), /^Passkey "key ring" added/);
        const creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
        assert.equal(creds.length, 1);
        assert.equal(creds[0].isResidentCredential, false);
    });

    await check('without a user name it is not found: the page says to type it', async () => {
        await page.click('#logout');
        await page.waitForSelector('#passkey-button:visible');
        assert.match(await passkeyLogIn(''), /cancelled or timed out\. You are not logged in\. \(A passkey on a security key may need your user name/);
    });

    await check('with the user name it logs in, by presence alone', async () => {
        await passkeyLogIn('adm');
        await page.waitForSelector('#listing tbody tr');
        assert.match(await text('#who'), /^adm/);
        assert.ok(page.url().startsWith(url));
    });
});
