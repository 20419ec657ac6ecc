// The web UI's file browser in Debian's chromium, headless, driven by
// playwright-core (run by t/071-web-ui.t; harness.mjs says what it gets).
// Prints one line per check; exits non-zero at the first failure.

import { existsSync, readFileSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { connect } from '../ninep.js';
import assert from 'node:assert/strict';
import { browser, page, problems, url, root, shots, check, shot, text, run } from './harness.mjs';

let dialogs = 0;
page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });

/* Asks the test (t/071) to do something to the system; waits until done. */
let actions = 0;
async function action(what) {
    const n = ++actions;
    console.log(`ACTION ${n} ${what}`);
    for (let i = 0; i < 600 && !existsSync(`${shots}/done-${n}`); i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(existsSync(`${shots}/done-${n}`), `the test did not ${what}`);
}

await run(async () => {
    await check('the login page', async () => {
        await page.goto(url);
        await page.waitForSelector('#login-form');
        assert.ok(await page.locator('#files').isHidden());
    });

    await check('a wrong password says what factotum said', async () => {
        await page.fill('#user', 'adm');
        await page.fill('#password', 'not the password');
        await page.click('#login-button');
        await page.waitForFunction(() =>
            /authentication failed/.test(document.querySelector('#login-status').textContent),
            null, { timeout: 15000 });
    });

    await check('log in as adm: the root is listed', async () => {
        await page.fill('#password', process.env.TEN_ADM_PASSWORD);
        await page.click('#login-button');
        await page.waitForSelector('#listing tbody tr');
        const names = await page.locator('#listing td.name').allInnerTexts();
        for (const want of ['adm/', 'tmp/', 'usr/']) assert.ok(names.includes(want), `${want} in ${names}`);
        assert.match(await text('#who'), /^adm/);
    });

    await check('browse into tmp, the URL follows', async () => {
        await page.click('#listing a:text-is("tmp/")');
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        assert.ok(page.url().endsWith('#/files/tmp'), page.url());
        assert.match(await text('#crumbs'), /tmp/);
    });

    await check('a name that looks like HTML is shown as text', async () => {
        const names = await page.locator('#listing td.name').allInnerTexts();
        assert.ok(names.includes('<img src=x onerror=alert(1)>'), names.join(' | '));
        assert.equal(await page.locator('#listing img').count(), 0, 'no element was made of it');
        assert.equal(dialogs, 0, 'nothing ran');
    });

    await check('a text file with line numbers', async () => {
        await page.click('#listing a:text-is("hello.txt")');
        await page.waitForSelector('#viewer-text:visible');
        assert.match(await text('#viewer-text'), /^\s+1\s+hello\n\s+2\s+world/);
    });

    const answer = async (text) => {
        await page.waitForSelector('#ask[open]');
        await page.fill('#ask-input', text);
        await page.click('#ask-ok');
    };

    await check('edit and save: the bytes on disk', async () => {
        await page.click('#edit');
        await page.fill('#editor', 'hello again\n');
        await page.click('#save');
        await page.waitForSelector('#save', { state: 'hidden' });
        assert.equal(readFileSync(`${root}/tmp/hello.txt`, 'utf8'), 'hello again\n');
        await page.waitForFunction(() => /hello again/.test(document.querySelector('#viewer-text').textContent));
    });

    await check('a file changed since it was opened is not overwritten unasked', async () => {
        await page.click('#edit');
        await page.fill('#editor', 'mine\n');
        // someone else writes it meanwhile, over 9P with the same ticket
        const other = await connect(url.replace(/^http/, 'ws') + '9p');
        await other.attach('adm', await page.evaluate(() => sessionStorage.getItem('ten.ticket')));
        await other.writeFile('/tmp/hello.txt', 'theirs\n');
        other.close();
        await page.click('#save');
        await page.waitForSelector('#ask[open]');
        await page.click('#ask-cancel');
        await page.waitForSelector('#message:visible');
        assert.match(await text('#message'), /Not saved: \/tmp\/hello.txt changed/);
        assert.equal(readFileSync(`${root}/tmp/hello.txt`, 'utf8'), 'theirs\n');
    });

    await check('new file, rename, remove', async () => {
        await page.goto(`${url}#/files/tmp`);
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        await page.click('#new-file');
        await answer('made.txt');
        await page.waitForFunction(() => location.hash === '#/files/tmp/made.txt');
        assert.ok(existsSync(`${root}/tmp/made.txt`));
        await page.waitForSelector('#rename:visible');
        await page.click('#rename');
        await answer('renamed.txt');
        await page.waitForFunction(() => location.hash === '#/files/tmp/renamed.txt');
        assert.ok(existsSync(`${root}/tmp/renamed.txt`) && !existsSync(`${root}/tmp/made.txt`));
        await page.waitForSelector('#remove:visible');
        await page.click('#remove');
        await answer('renamed.txt');
        await page.waitForFunction(() => location.hash === '#/files/tmp');
        assert.ok(!existsSync(`${root}/tmp/renamed.txt`));
    });

    await check('new folder', async () => {
        await page.waitForSelector('#new-dir:visible');
        await page.click('#new-dir');
        await answer('newdir');
        await page.waitForSelector('#listing a:text-is("newdir/")');
        assert.ok(statSync(`${root}/tmp/newdir`).isDirectory());
    });

    const sha = (b) => createHash('sha256').update(b).digest('hex');
    const ticket = () => page.evaluate(() => sessionStorage.getItem('ten.ticket'));

    await check('sort by size; arrows and Enter open an entry', async () => {
        await page.goto(`${url}#/files/tmp`);
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        const ordered = (dir) => page.waitForFunction((d) => {
            const v = [...document.querySelectorAll('#listing tbody td.num')]
                .map((t) => t.textContent).filter((x) => x).map(Number);
            return v.length > 1 && v.every((x, i) => i === 0 || (d > 0 ? v[i - 1] <= x : v[i - 1] >= x));
        }, dir, { timeout: 5000 });
        await page.click('button.sort[data-key="length"]');
        await ordered(1);
        await page.click('button.sort[data-key="length"]');
        await ordered(-1);
        await page.click('button.sort[data-key="name"]');
        // by name again, directories first: the listing is drawn anew
        await page.waitForFunction(() =>
            document.querySelector('#listing tbody tr a')?.textContent === 'newdir/');
        await page.focus('body');
        await page.keyboard.press('ArrowDown');
        const first = await page.locator('#listing tbody tr.selected a').innerText();
        await page.keyboard.press('Enter');
        await page.waitForFunction((n) => decodeURIComponent(location.hash).endsWith('/' + n.replace(/\/$/, '')), first);
        await page.keyboard.press('Backspace');
        await page.waitForFunction(() => location.hash === '#/files/tmp');
    });

    await check('upload 5 MiB: progress, then the same bytes on disk', async () => {
        const big = Buffer.alloc(5 << 20);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
        await page.setInputFiles('#upload-input', { name: 'big.bin', mimeType: 'application/octet-stream', buffer: big });
        await page.waitForSelector('#transfers li:has-text("upload big.bin")');
        await page.waitForSelector('#transfers li:has-text("upload big.bin: done")', { timeout: 60000 });
        const bar = await page.locator('#transfers li:has-text("upload big.bin") progress')
            .evaluate((p) => [p.value, p.max]);
        assert.deepEqual(bar, [big.length, big.length], 'the progress bar went to the end');
        assert.equal(sha(readFileSync(`${root}/tmp/big.bin`)), sha(big));
        await page.waitForSelector('#listing a:text-is("big.bin")');
    });

    await check('a cancelled upload leaves nothing', async () => {
        const huge = `${shots}/huge.bin`;
        writeFileSync(huge, Buffer.alloc(96 << 20, 1));
        await page.setInputFiles('#upload-input', huge);
        await page.waitForFunction(() => [...document.querySelectorAll('#transfers li')]
            .some((li) => /huge\.bin/.test(li.textContent) && li.querySelector('progress')?.value > 0));
        await page.click('#transfers li:has-text("upload huge.bin") button');
        await page.waitForSelector('#transfers li:has-text("upload huge.bin: cancelled")');
        assert.ok(!existsSync(`${root}/tmp/huge.bin`), 'the partial file was removed');
        unlinkSync(huge);
    });

    await check('download: the same bytes', async () => {
        await page.goto(`${url}#/files/tmp/big.bin`);
        await page.waitForSelector('#download:visible');
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
        const saved = `${shots}/big.bin.download`;
        await dl.saveAs(saved);
        assert.equal(sha(readFileSync(saved)), sha(readFileSync(`${root}/tmp/big.bin`)));
    });

    await check('properties: chmod through wstat', async () => {
        await page.goto(`${url}#/files/tmp/hello.txt`);
        await page.waitForSelector('#props:visible');
        await page.click('#props');
        await page.waitForSelector('#stat[open]');
        await page.fill('#stat-mode', '600');
        await page.click('#stat-ok');
        await page.waitForSelector('#stat', { state: 'hidden' });
        // on disk, in ten-vfs's xattr (hexadecimal)
        let onDisk;
        for (let i = 0; i < 50; i++) {
            onDisk = parseInt(execFileSync('getfattr', ['--only-values', '-n', 'user.ten.mode',
                `${root}/tmp/hello.txt`]).toString(), 16) & 0o777;
            if (onDisk === 0o600) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(onDisk.toString(8), '600', 'the mode in the xattr');
    });

    await check('the namespace panel: a bind shows in the listing', async () => {
        await page.goto(`${url}#/ns`);
        await page.waitForFunction(() => /^mount .* \/$/m.test(document.querySelector('#ns-text').textContent));
        await page.fill('#ns-command', 'bind -a /tmp /lib');
        await page.click('#ns-run');
        await page.waitForFunction(() => /bind -a \/tmp \/lib/.test(document.querySelector('#ns-text').textContent));
        await page.goto(`${url}#/files/lib`);
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        await page.goto(`${url}#/files/`);
        await page.waitForSelector('#listing tr.union a:text-is("lib/")');
        await page.waitForSelector('#listing tr.mount a:text-is("view")');
    });

    await check('Markdown rendered by ten-ssr in a sandboxed iframe', async () => {
        await page.goto(`${url}#/files/tmp/readme.md`);
        const frame = page.frameLocator('#viewer-page');
        await frame.locator('h1').waitFor();
        assert.equal(await frame.locator('h1').innerText(), 'A title');
        assert.equal(await page.locator('#viewer-page').getAttribute('sandbox'), '', 'no scripts');
    });

    await check('a reload lands on the same path, still logged in', async () => {
        await page.goto(`${url}#/files/usr`);
        await page.reload();
        await page.waitForSelector('#listing a:text-is("glenda/")');
        assert.ok(page.url().endsWith('#/files/usr'));
    });

    await check('an error names the operation and the path', async () => {
        await page.goto(`${url}#/files/tmp/no-such-file`);
        await page.waitForSelector('#message:visible');
        assert.match(await text('#message'), /tmp\/no-such-file: .*(does not exist|No such file)/);
        assert.ok(await page.locator('#listing').isHidden(), 'no stale listing under the error');
        await page.goto(`${url}#/files/tmp/no/such/dir`);
        await page.waitForSelector('#go-up:text-is("Go to /tmp")');
        await page.click('#go-up');
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        assert.ok(page.url().endsWith('#/files/tmp'));
        assert.ok(await page.locator('#message').isHidden(), 'the message goes with the next page');
    });

    await check('after nginx -s reload the page reconnects and shows the same path', async () => {
        await page.goto(`${url}#/files/tmp`);
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        const sockets = [];
        page.on('websocket', (ws) => sockets.push(ws));
        await action('reload nginx');
        // the old worker says 1001; the page attaches again at once
        for (let i = 0; i < 100 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
        assert.ok(sockets.length > 0, 'a new connection after the reload');
        await page.waitForSelector('#message', { state: 'hidden', timeout: 30000 });
        assert.ok(page.url().endsWith('#/files/tmp'));
        await page.click('#listing a:text-is("hello.txt")');
        await page.waitForSelector('#viewer-text:visible');
    });

    await check('ten-vfs restarted: the next listing works again', async () => {
        await page.goto(`${url}#/files/tmp`);
        await page.waitForSelector('#listing a:text-is("hello.txt")');
        await action('restart ten-vfs');
        // the kernel recovers the fids on the new connection
        await page.goto(`${url}#/files/usr`);
        await page.waitForSelector('#listing a:text-is("glenda/")', { timeout: 20000 });
    });

    await check("a second user who may not read adm's file sees why", async () => {
        const adm = await connect(url.replace(/^http/, 'ws') + '9p');
        try {
            await adm.attach('adm', await ticket());
            await adm.at('/dev/factotum/ctl', async (fid) => {
                await adm.open(fid, 1);
                await adm.write(fid, 0, new TextEncoder().encode('adduser glenda'));
                await adm.write(fid, 0, new TextEncoder().encode('setpass glenda s3cret-pw'));
            }, 'ctl');
            await adm.writeFile('/adm/private', 'for adm only\n', { perm: 0o600 });
        } finally {
            adm.close();
        }
        const other = await browser.newContext();
        const p2 = await other.newPage();
        p2.on('pageerror', (e) => problems.push(`page error (glenda): ${e.message}`));
        await p2.goto(url);
        await p2.fill('#user', 'glenda');
        await p2.fill('#password', 's3cret-pw');
        await p2.click('#login-button');
        await p2.waitForSelector('#listing tbody tr');
        await p2.goto(`${url}#/files/adm/private`);
        await p2.waitForSelector('#message:visible');
        assert.match(await p2.locator('#message').innerText(), /adm\/private: .*permission denied/i);
        await shot(p2, 'glenda-denied');
        await other.close();
    });

    await check('a revoked ticket sends the page back to login with the reason', async () => {
        const other = await browser.newContext();
        const p2 = await other.newPage();
        await p2.goto(url);
        await p2.fill('#user', 'glenda');
        await p2.fill('#password', 's3cret-pw');
        await p2.click('#login-button');
        await p2.waitForSelector('#listing tbody tr');
        const adm = await connect(url.replace(/^http/, 'ws') + '9p');
        try {
            await adm.attach('adm', await ticket());
            await adm.at('/dev/factotum/ctl', async (fid) => {
                await adm.open(fid, 1);
                await adm.write(fid, 0, new TextEncoder().encode('revoke glenda'));
            }, 'ctl');
        } finally {
            adm.close();
        }
        // past ninep_ticket_cache (5 s), a new attach reads the ticket again
        await new Promise((r) => setTimeout(r, 5500));
        await p2.reload();
        await p2.waitForSelector('#login-form:visible');
        assert.match(await p2.locator('#login-status').innerText(), /no such ticket.*Log in again/);
        await other.close();
    });

    await check('a phone-sized viewport: nothing scrolls sideways', async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${url}#/files/usr`);
        await page.waitForSelector('#listing a:text-is("glenda/")');
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
            'the page fits its width');
        await page.setViewportSize({ width: 1100, height: 750 });
    });

    await check('log out: the ticket is gone from the VFS', async () => {
        const ticket = await page.evaluate(() => sessionStorage.getItem('ten.ticket'));
        assert.match(ticket, /^\/priv\/sessions\/adm\//);
        assert.ok(existsSync(root + ticket), 'the ticket was there');
        await page.click('#logout');
        await page.waitForSelector('#login-form:visible');
        assert.ok(!existsSync(root + ticket), 'and is not any more');
        assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    });
});
