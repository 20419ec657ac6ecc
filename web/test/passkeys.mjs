// Passkeys in the web UI (web/account.js, the login page's passkey
// button) in Debian's chromium with its virtual authenticator (CTAP2,
// internal, resident keys, user verification) over the DevTools
// protocol, run by t/076-web-passkeys.t against ten-factotum with
// -R localhost -O http://localhost:PORT.  The page is at
// http://localhost:PORT/ (WebAuthn refuses an IP address as rp id).
// Besides harness.mjs's, the script gets TEN_FACTOTUM_STORE (factotum's
// key store, whose `passkeys` file is checked).

import { readFileSync, existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { browser, page, problems, url, check, shot, text, logIn, run } from './harness.mjs';
import { connect, ORDWR } from '../ninep.js';

const store = process.env.TEN_FACTOTUM_STORE;
const stored = () => (existsSync(`${store}/passkeys`) ? readFileSync(`${store}/passkeys`, 'utf8') : '');
const storedOf = (user) => stored().split('\n').filter((l) => l.startsWith(`${user} `));

const cdp = await page.context().newCDPSession(page);
await cdp.send('WebAuthn.enable');
const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
               hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
});
const held = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
const verified = (isUserVerified) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });

/* Waits until a status line says something that is not "…ing…". */
async function outcome(sel, timeout = 20000) {
    await page.waitForFunction((s) => {
        const t = document.querySelector(s)?.textContent;
        return t && !/…$/.test(t);
    }, sel, { timeout });
    return page.locator(sel).innerText();
}

async function account() {
    await page.click('#account-link');
    await page.waitForSelector('#passkey-add');
}

const names = () => page.locator('#passkey-list td.passkey-name').allInnerTexts();

async function addPasskey(name) {
    await page.fill('#passkey-name', name);
    await page.click('#passkey-add-button');
    return outcome('#passkey-status');
}

async function logOut() {
    await page.click('#logout');
    await page.waitForSelector('#login-form:visible');
    await page.waitForSelector('#passkey-button:visible');
}

/* The passkey button with the user field as given: the listing, or the
   login page's status when it fails. */
async function passkeyLogIn(user = '', timeout = 30000) {
    await page.fill('#user', user);
    await page.fill('#password', '');
    await page.click('#passkey-button');
    await Promise.race([
        page.waitForSelector('#listing tbody tr', { timeout }),
        outcome('#login-status', timeout),
    ]);
    return page.locator('#login-status').innerText();
}

/* adm's own session from node (with the page's ticket), for what the page
   should find changed under it. */
async function asAdm(fn) {
    const ticket = await page.evaluate(() => sessionStorage.getItem('ten.ticket'));
    const c = await connect(url.replace(/^http:\/\/[^/]+/, (m) => m.replace('http', 'ws').replace('localhost', '127.0.0.1')) + '9p');
    try {
        await c.attach('adm', ticket);
        return await fn(c);
    } finally {
        c.close();
    }
}

await run(async () => {
    await check('the login page offers a passkey', async () => {
        await page.goto(url);
        await page.waitForSelector('#passkey-button:visible');
        assert.ok(await page.locator('#passkey-button').isEnabled());
        assert.ok(await page.locator('#passkey-why').isHidden());
        assert.match(new URL(page.url()).hostname, /^localhost$/, 'opened at localhost');
    });

    await check('a passkey login with none on the authenticator: cancelled, said plainly', async () => {
        const said = await passkeyLogIn('');
        assert.equal(said, 'The passkey request was cancelled or timed out. You are not logged in. '
            + '(A passkey on a security key may need your user name: type it and try again.)');
        assert.ok(await page.locator('#files').isHidden());
        assert.ok(await page.locator('#passkey-button').isEnabled(), 'the button is back');
    });

    await check("adm logs in with the password; the account page has no passkeys", async () => {
        await logIn(page, 'adm', process.env.TEN_ADM_PASSWORD);
        await account();
        assert.equal(await text('#account-user'), 'Logged in as adm.');
        await page.waitForSelector('#passkey-none');
        assert.ok(await page.locator('#passkey-add-button').isEnabled());
        assert.ok(page.url().endsWith('#/account'), page.url());
    });

    await check('a name too long for factotum is refused before anything is asked', async () => {
        const said = await addPasskey('é'.repeat(33));     // 33 characters, 66 bytes
        assert.match(said, /at most 64 bytes \(this one is 66\)/);
        assert.equal((await held()).length, 0);
    });

    await check('adding a passkey, the user not verified: cancelled, nothing changed', async () => {
        await verified(false);
        const said = await addPasskey('laptop');
        assert.equal(said, 'The passkey request was cancelled or timed out. Nothing was changed.');
        assert.equal(storedOf('adm').length, 0, 'nothing in the store');
        assert.ok(await page.locator('#passkey-none').isVisible());
        assert.ok(await page.locator('#passkey-add-button').isEnabled(), 'the button is back');
        await verified(true);
    });

    await check('add a named passkey: listed, in the store, on the authenticator', async () => {
        const said = await addPasskey('laptop');
        assert.equal(said, 'Passkey "laptop" added: you can log in with it now.');
        await page.waitForSelector('#passkey-list');
        assert.deepEqual(await names(), ['laptop']);
        const row = (await page.locator('#passkey-list tbody tr').allInnerTexts())[0];
        assert.match(row, /^laptop\t.*\d.*\tnever\tES256\tRemove$/, row);
        const lines = storedOf('adm');
        assert.equal(lines.length, 1, stored());
        assert.match(lines[0], / laptop$/);
        const creds = await held();
        assert.equal(creds.length, 1);
        assert.ok(creds[0].isResidentCredential, 'a discoverable credential');
        assert.equal(creds[0].rpId, 'localhost');
    });

    await check('the same authenticator again: already registered, nothing changed', async () => {
        const said = await addPasskey('again');
        assert.equal(said, 'This authenticator already holds a passkey of yours for this site. Nothing was changed.');
        assert.deepEqual(await names(), ['laptop']);
        assert.equal(storedOf('adm').length, 1);
    });

    await check('log out; log in with the passkey alone (no user name): adm', async () => {
        await logOut();
        await passkeyLogIn('');
        await page.waitForSelector('#listing tbody tr');
        assert.match(await text('#who'), /^adm/);
        const names = await page.locator('#listing td.name').allInnerTexts();
        assert.ok(names.includes('usr/'), names.join(' | '));
        assert.equal(await page.evaluate(() => sessionStorage.getItem('ten.user')), 'adm');
        assert.match(await page.evaluate(() => sessionStorage.getItem('ten.ticket')), /^\/priv\/sessions\/adm\//);
        await account();
        await page.waitForSelector('#passkey-list');
        const row = (await page.locator('#passkey-list tbody tr').allInnerTexts())[0];
        assert.doesNotMatch(row, /\tnever\t/, `last used is set: ${row}`);
    });

    await check('a reload keeps the passkey session', async () => {
        await page.reload();
        await page.waitForSelector('#passkey-list');
        assert.match(await text('#who'), /^adm/);
    });

    await check('log out; log in with the passkey and the user name typed', async () => {
        await logOut();
        await passkeyLogIn('adm');
        await page.waitForSelector('#listing tbody tr');
        assert.match(await text('#who'), /^adm/);
    });

    await check('a passkey login, the user not verified: cancelled, not logged in', async () => {
        await logOut();
        await verified(false);
        const said = await passkeyLogIn('adm');
        assert.equal(said, 'The passkey request was cancelled or timed out. You are not logged in.');
        assert.ok(await page.locator('#files').isHidden());
        await verified(true);
    });

    await check('remove the passkey: asked first, Cancel keeps it, Remove takes it', async () => {
        await passkeyLogIn('');
        await page.waitForSelector('#listing tbody tr');
        await account();
        await page.waitForSelector('#passkey-list');
        await page.click('#passkey-list button.passkey-remove');
        await page.waitForSelector('#confirm[open]');
        assert.match(await text('#confirm-text'), /^Remove the passkey "laptop"/);
        await page.click('#confirm-cancel');
        assert.deepEqual(await names(), ['laptop']);
        assert.equal(storedOf('adm').length, 1);
        await page.click('#passkey-list button.passkey-remove');
        await page.waitForSelector('#confirm[open]');
        await page.click('#confirm-ok');
        await page.waitForSelector('#passkey-none');
        assert.match(await text('#passkey-status'), /^Passkey "laptop" removed\./);
        assert.equal(storedOf('adm').length, 0, stored());
        assert.equal((await held()).length, 1, 'the authenticator still holds it');
    });

    await check('log out; the removed passkey is refused, with a clear message', async () => {
        await logOut();
        const said = await passkeyLogIn('');
        assert.match(said, /^authentication failed: the server did not accept this passkey/);
        assert.ok(await page.locator('#files').isHidden());
        assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'no ticket kept');
        const typed = await passkeyLogIn('adm');
        assert.match(typed, /^authentication failed/);
    });

    await check("a passkey removed elsewhere: factotum's refusal in its own words", async () => {
        await logIn(page, 'adm', process.env.TEN_ADM_PASSWORD);
        await account();
        assert.match(await addPasskey('second'), /^Passkey "second" added/);
        assert.deepEqual(await names(), ['second']);
        const id = await page.locator('#passkey-list tbody tr').getAttribute('data-id');
        await asAdm(async (c) => {
            await c.at('/dev/factotum/ctl', async (fid) => {
                await c.open(fid, ORDWR);
                await c.write(fid, 0, new TextEncoder().encode(`delpasskey adm ${id}`));
            }, 'ctl');
        });
        await page.click('#passkey-list button.passkey-remove');
        await page.click('#confirm-ok');
        await page.waitForSelector('#passkey-status.bad');
        assert.equal(await text('#passkey-status'), 'adm has no such passkey');
        await page.waitForSelector('#passkey-none');
    });

    await check('passkey names are text, never HTML', async () => {
        await verified(true);
        await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
        const said = await addPasskey('<img src=x onerror=alert(1)>');
        assert.match(said, /^Passkey "<img src=x onerror=alert\(1\)>" added/);
        assert.deepEqual(await names(), ['<img src=x onerror=alert(1)>']);
        assert.equal(await page.locator('#passkeys img').count(), 0);
    });

    await check('a browser without WebAuthn: the button says why', async () => {
        const ctx = await browser.newContext({ viewport: { width: 1100, height: 750 } });
        await ctx.addInitScript(() => { delete window.PublicKeyCredential; });
        const p2 = await ctx.newPage();
        p2.on('pageerror', (e) => problems.push(`page error (no webauthn): ${e.message}`));
        await p2.goto(url);
        await p2.waitForSelector('#passkey-why:visible');
        assert.ok(await p2.locator('#passkey-button').isDisabled());
        assert.equal(await p2.locator('#passkey-why').innerText(), 'This browser does not support passkeys.');
        await shot(p2, 'no webauthn');
        await ctx.close();
    });

    await check('the page at an address that is not the rp id: told which name to use', async () => {
        const ctx = await browser.newContext({ viewport: { width: 1100, height: 750 } });
        const p2 = await ctx.newPage();
        p2.on('pageerror', (e) => problems.push(`page error (127.0.0.1): ${e.message}`));
        await p2.goto(url.replace('//localhost:', '//127.0.0.1:'));
        await p2.waitForSelector('#passkey-button:visible');
        await p2.click('#passkey-button');
        await p2.waitForFunction(() => /to use them\.$/.test(document.querySelector('#login-status').textContent));
        assert.equal(await p2.locator('#login-status').innerText(),
            `Passkeys here are for localhost, but this page is at 127.0.0.1: open ${url} to use them.`);
        await shot(p2, 'at 127.0.0.1');
        await ctx.close();
    });

    await check('a security key without the passkey: refused by the browser, said plainly', async () => {
        await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
        const key = await cdp.send('WebAuthn.addVirtualAuthenticator', {
            options: { protocol: 'u2f', transport: 'usb', automaticPresenceSimulation: true },
        });
        await logOut();
        const said = await passkeyLogIn('adm');
        assert.equal(said, 'The passkey request was cancelled or timed out. You are not logged in.');
        await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key.authenticatorId });
    });

    await check('no authenticator at all: the request times out (60 s), said plainly', async () => {
        const said = await passkeyLogIn('adm', 80000);
        assert.equal(said, 'The passkey request was cancelled or timed out. You are not logged in.');
        assert.ok(await page.locator('#passkey-button').isEnabled(), 'the button is back');
    });
});
