// The administrator's pages (web/admin.js) in Debian's chromium (run by
// t/073-web-admin.t): adm adds a working user in one step, who logs in
// and makes files in his home and his private /tmp through the file
// browser; a password reset, a group, a key rotation, revoked tickets
// (his open page goes back to login), a removed user; a user who is not
// in adm sees no Admin link and is refused by factotum itself.

import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { browser, page, problems, root, url, check, shot, logIn, run } from './harness.mjs';
import { connect, OWRITE } from '../ninep.js';

const xattr = (rel, name) => execFileSync('getfattr',
    ['--absolute-names', '--only-values', '-n', `user.ten.${name}`, `${root}/${rel}`]).toString();
const users = () => readFileSync(`${root}/adm/users`, 'utf8');

/* Fills a form of the page and waits for its outcome. */
async function submit(id, values) {
    await page.waitForSelector(`#${id}`);
    for (const [k, v] of Object.entries(values)) await page.fill(`#${id} input[name=${k}]`, v);
    await page.click(`#${id} button`);
    await page.waitForFunction((form) => {
        const said = document.querySelector(`#${form} .admin-status`)?.textContent;
        return said && !/…$/.test(said);
    }, id);
    return page.locator(`#${id} .admin-status`).textContent();
}

/* A login straight through factotum's /rpc: its ticket path, or its error. */
async function login(user, password) {
    const c = await connect(url.replace(/^http/, 'ws') + '9p');
    try {
        await c.attach('none', '');
        return await c.at('/dev/factotum/rpc', async (fid) => {
            await c.open(fid, 2);
            await c.write(fid, 0, new TextEncoder().encode(`start proto=pass user=${user}`));
            await c.write(fid, 0, new TextEncoder().encode(`pass ${password}`));
            return /ticket=(\S+)/.exec(new TextDecoder().decode(await c.read(fid, 0, 1024)))[1];
        }, 'login');
    } catch (e) {
        return e.ename;
    } finally {
        c.close();
    }
}

async function as(user, ticket, fn) {
    const c = await connect(url.replace(/^http/, 'ws') + '9p');
    try {
        await c.attach(user, ticket);
        return await fn(c);
    } finally {
        c.close();
    }
}

await run(async () => {
    await check('adm sees the Admin link and the users', async () => {
        await logIn(page, 'adm', process.env.TEN_ADM_PASSWORD);
        await page.click('#admin-link');
        await page.waitForSelector('#admin-users');
        const rows = await page.locator('#admin-users tbody tr').allInnerTexts();
        assert.ok(rows.some((r) => /^adm\tyes\tpassword/.test(r)), rows.join(' | '));
    });

    await check('add a user in one step: login, /adm/users, home, tmp', async () => {
        const said = await submit('admin-add', { name: 'ken', password: 'ken-pw-1' });
        assert.match(said, /^ken is added: factotum adduser, password, \/adm\/users, \/usr\/ken and \/usr\/ken\/tmp, owner\.$/);
        assert.match(users(), /^ken:ken::$/m);
        assert.equal(xattr('usr/ken', 'uid'), 'ken');
        assert.equal(xattr('usr/ken/tmp', 'uid'), 'ken');
        assert.equal(xattr('usr/ken/tmp', 'mode'), '800001c0', '/usr/ken/tmp is 0700');
        assert.equal(xattr('usr/ken', 'mode'), '800001ed', '/usr/ken is 0755');
        const rows = await page.locator('#admin-users tbody tr').allInnerTexts();
        assert.ok(rows.some((r) => /^ken\tyes\tpassword/.test(r)), rows.join(' | '));
        assert.match(await submit('admin-add', { name: 'ken', password: 'x' }), /^factotum adduser: .*exists/);
    });

    /* ken's own page, kept open until his tickets are revoked */
    const ken = await browser.newContext({ viewport: { width: 1100, height: 750 } });
    const p2 = await ken.newPage();
    p2.on('pageerror', (e) => problems.push(`page error (ken): ${e.message}`));
    p2.on('dialog', (d) => d.dismiss());

    /* A new file made and saved through the file browser, as a person does. */
    async function newFile(dir, name, text) {
        await p2.goto(`${url}#/files${dir}`);
        await p2.waitForSelector('#new-file:visible');
        await p2.click('#new-file');
        await p2.waitForSelector('#ask[open]');
        await p2.fill('#ask-input', name);
        await p2.click('#ask-ok');
        await p2.waitForFunction((h) => location.hash === h, `#/files${dir}/${name}`);
        await p2.waitForSelector('#edit:visible');
        await p2.click('#edit');
        await p2.fill('#editor', text);
        await p2.click('#save');
        await p2.waitForSelector('#save', { state: 'hidden' });
    }

    await check('the new user logs in, works at home and in a /tmp of his own', async () => {
        await logIn(p2, 'ken', 'ken-pw-1');
        assert.equal(await p2.locator('#admin-link').count(), 0, 'no Admin link for him');
        await p2.goto(`${url}#/admin`);
        await p2.waitForSelector('#admin-refused');
        assert.match(await p2.locator('#admin-refused').textContent(), /not an administrator/);
        await newFile('/usr/ken', 'notes', 'mine\n');
        assert.equal(readFileSync(`${root}/usr/ken/notes`, 'utf8'), 'mine\n');
        await newFile('/tmp', 'scratch', 'private\n');
        assert.equal(readFileSync(`${root}/usr/ken/tmp/scratch`, 'utf8'), 'private\n', 'his /tmp is /usr/ken/tmp');
        assert.ok(!existsSync(`${root}/tmp/scratch`), 'not the shared one');
        await p2.goto(`${url}#/files/tmp`);
        await p2.waitForSelector('#listing a:text-is("scratch")');
        assert.equal(await p2.locator('#listing a:text-is("shared")').count(), 0, "the shared /tmp's file is not in his");
        await shot(p2, 'ken in his tmp');
    });

    await check("factotum itself refuses his ctl write, in its own words", async () => {
        const ticket = await p2.evaluate(() => sessionStorage.getItem('ten.ticket'));
        await as('ken', ticket, async (c) => {
            let refused = '';
            await c.at('/dev/factotum/ctl', async (fid) => {
                await c.open(fid, OWRITE);
                await c.write(fid, 0, new TextEncoder().encode('adduser mallory'));
            }, 'ctl').catch((e) => { refused = e.ename; });
            assert.equal(refused, 'permission denied', 'factotum refuses him');
        });
        assert.doesNotMatch(users(), /mallory/);
    });

    await check('reset a password: the new one works, the old one not', async () => {
        assert.equal(await submit('admin-pass', { name: 'ken', password: 'ken-pw-2' }), "ken's password is reset.");
        assert.match(await login('ken', 'ken-pw-2'), /^\/priv\/sessions\/ken\//);
        assert.equal(await login('ken', 'ken-pw-1'), 'authentication failed');
        assert.match(await submit('admin-pass', { name: 'nobody', password: 'x' }), /: no such user$/, "factotum's words");
    });

    await check('add to and remove from a group', async () => {
        assert.equal(await submit('admin-group', { name: 'ken', group: 'sys' }), 'ken is in sys.');
        assert.match(users(), /^sys:sys::kernel,factotum,ssr,ken$/m);
        const rows = await page.locator('#admin-users tbody tr').allInnerTexts();
        assert.ok(rows.some((r) => /^ken\t.*\tsys$/.test(r)), rows.join(' | '));
        assert.equal(await submit('admin-ungroup', { name: 'ken', group: 'sys' }), 'ken is out of sys.');
        assert.match(users(), /^sys:sys::kernel,factotum,ssr$/m);
        assert.match(await submit('admin-group', { name: 'ken', group: 'nogroup' }), /^no group nogroup/);
    });

    await check('keys: rotate, and the old key is still listed', async () => {
        await page.click('#admin-keys-link');
        await page.waitForSelector('#admin-keys');
        const before = await page.locator('#admin-keys tbody tr').allInnerTexts();
        const current = before.find((r) => /\tcurrent\t/.test(r))?.split('\t')[0];
        assert.equal(await submit('admin-rotate', {}), 'A new signing key is current.');
        const after = await page.locator('#admin-keys tbody tr').allInnerTexts();
        const now = after.find((r) => /\tcurrent\t/.test(r)).split('\t')[0];
        assert.notEqual(now, current, 'a new current key');
        assert.ok(current, `a current key before: ${before.join(' | ')}`);
        assert.ok(after.some((r) => r.startsWith(`${current}\told\t`)), after.join(' | '));
    });

    await check("revoke a user's tickets: gone from the VFS, his open page back at login", async () => {
        assert.ok(readdirSync(`${root}/priv/sessions/ken`).length >= 2, 'he has tickets');
        await p2.reload();
        await p2.waitForSelector('#listing tbody tr');
        assert.ok(await p2.locator('#login-form').isHidden(), 'still logged in before');
        assert.equal(await submit('admin-revoke', { name: 'ken' }), "ken's tickets are revoked.");
        assert.equal(readdirSync(`${root}/priv/sessions/ken`).length, 0);
        await p2.reload();
        await p2.waitForSelector('#login-form:visible');
        assert.match(await p2.locator('#login-status').innerText(), /no such ticket.*Log in again/);
        await shot(p2, 'ken revoked');
        await ken.close();
    });

    await check('remove a user: no login, no line, the home kept', async () => {
        await page.click('#admin-users-link');
        assert.equal(await submit('admin-remove', { name: 'ken' }), 'ken is removed; /usr/ken is kept.');
        assert.doesNotMatch(users(), /ken/);
        assert.equal(await login('ken', 'ken-pw-2'), 'authentication failed');
        assert.ok(existsSync(`${root}/usr/ken/notes`));
        const rows = await page.locator('#admin-users tbody tr').allInnerTexts();
        assert.ok(!rows.some((r) => r.startsWith('ken\t')), rows.join(' | '));
    });
});
