// What every browser scenario script needs (run by Ten::Browser in t/):
// Debian's chromium, headless, through playwright-core; a page whose
// script errors and console errors are collected; check(name, fn) runs a
// scenario, takes a screenshot and prints "ok - name"; run(fn) ends with
// "all passed", or "not ok - why" and a non-zero exit.  The test gives:
//   TEN_URL           http://127.0.0.1:PORT/
//   TEN_ADM_PASSWORD  adm's password, from factotum's store
//   TEN_VFS_ROOT      ten-vfs's root on disk
//   TEN_SHOTS         a directory for the screenshots

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const url = process.env.TEN_URL;
export const root = process.env.TEN_VFS_ROOT;
export const shots = process.env.TEN_SHOTS;

export const browser = await chromium.launch({
    executablePath: process.env.TEN_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
});
export const page = await browser.newPage({ viewport: { width: 1100, height: 750 } });
export const problems = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

/* Screenshots numbered in the order taken. */
let n = 0;
export function shot(p, name) {
    const file = name.replace(/[^\w .,:;'()-]+/g, '_');
    return p.screenshot({ path: `${shots}/${String(++n).padStart(2, '0')}-${file}.png` });
}

export async function check(name, fn) {
    await fn();
    await shot(page, name);
    console.log(`ok - ${name}`);
}

export const text = (sel) => page.locator(sel).innerText();

/* A user logs in through the login form and sees the file listing. */
export async function logIn(p, user, password) {
    await p.goto(url);
    await p.fill('#user', user);
    await p.fill('#password', password);
    await p.click('#login-button');
    await p.waitForSelector('#listing tbody tr');
}

export async function run(scenarios) {
    try {
        await scenarios();
        assert.deepEqual(problems, [], 'no page errors');
        console.log('all passed');
    } catch (e) {
        console.log(`not ok - ${e.message}`);
        console.log(problems.join('\n'));
        await page.screenshot({ path: `${shots}/failed.png` }).catch(() => {});
        process.exitCode = 1;
    } finally {
        await browser.close();
        process.exit();     // nothing left open keeps the test waiting
    }
}
