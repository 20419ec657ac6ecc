// The console pane (web/console.js) typed into like a person would, in
// Debian's chromium (run by t/072-web-console.t): commands, their output,
// their effects on ten-vfs's disk, history, Tab completion, quoting and
// errors in rc's words.

import { readFileSync, existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { page, root, url, check, logIn, run } from './harness.mjs';
import { parseLine, lastWord, completion, lsTime, newMode } from '../console.js';

const out = () => page.locator('#console-out').textContent();

/* Types a command, presses Enter, waits for it to finish: its output. */
async function type(cmd) {
    const before = (await out()).length;
    await page.fill('#console-input', cmd);
    await page.press('#console-input', 'Enter');
    await page.waitForFunction(() => !document.querySelector('#console-input').disabled);
    const got = (await out()).slice(before);
    return got.slice(got.indexOf('\n') + 1);
}

const disk = (rel) => readFileSync(`${root}/${rel}`, 'utf8');
const xattr = (rel, name) => execFileSync('getfattr',
    ['--absolute-names', '--only-values', '-n', `user.ten.${name}`, `${root}/${rel}`]).toString();

await run(async () => {
    await check('the line parser, completion quoting, ls times and modes (no browser)', async () => {
        assert.deepEqual(parseLine("cp 'a b' 'it''s'>>f # no"), ['cp', 'a b', "it's", { op: '>>' }, 'f']);
        assert.throws(() => parseLine("echo 'oops"), /quote is not closed/);
        assert.deepEqual(lastWord("cat x 'with sp"), { start: 6, word: 'with sp', quoted: true, open: true });
        assert.deepEqual(lastWord('ls >/tm'), { start: 4, word: '/tm', quoted: false, open: false });
        assert.equal(completion('with space', true, false), "'with space'");
        assert.equal(completion("it's/", false, false), "'it''s/");
        assert.equal(completion('/tmp/', false, false), '/tmp/');
        const now = new Date(2026, 11, 3, 16, 5).getTime() / 1000;
        assert.equal(lsTime(now - 3600, now), 'Dec  3 15:05');
        assert.equal(lsTime(now - 400 * 86400, now), 'Oct 29  2025');
        assert.equal(newMode('g+w', 0o600), 0o620);
        assert.equal(newMode('a=r', 0o777), 0o444);
        assert.equal(newMode('o-rwx', 0o20000000775), 0o20000000770);
    });

    await check('the console: a link in the header, a prompt in the home', async () => {
        await logIn(page, 'adm', process.env.TEN_ADM_PASSWORD);
        await page.click('#console-link');
        await page.waitForSelector('#console-input:focus');
        assert.equal(await page.locator('#console-prompt').textContent(), '/usr/adm% ');
        assert.ok(page.url().endsWith('#/console'));
        assert.match(await out(), /Type help/);
        assert.ok(await page.locator('#files').isHidden(), 'the file browser steps aside');
    });

    await check('help, ls and ls -l', async () => {
        assert.match(await type('help'), /^bind \[-abc\] new old +put new at old/m);
        assert.match(await type('ls /tmp'), /^\/tmp\/hello\.txt$/m);
        assert.match(await type('ls -l /tmp'), /^--rw-r--r-- M \d+ adm adm +6 [A-Z][a-z]{2} [ 123]\d \d\d:\d\d \/tmp\/hello\.txt$/m);
        assert.match(await type('ls'), /^notes$/m);
    });

    await check('cd and pwd', async () => {
        assert.equal(await type('cd /tmp'), '');
        assert.equal(await type('pwd'), '/tmp\n');
        assert.equal(await page.locator('#console-prompt').textContent(), '/tmp% ');
        await type('cd');
        assert.equal(await type('pwd'), '/usr/adm\n');
        assert.equal(await type('cd /tmp/hello.txt'), 'cd: /tmp/hello.txt: not a directory\n');
    });

    await check('echo > and >>, cat: the file on disk', async () => {
        assert.equal(await type('echo hello world > greet'), '');
        await type('echo second line >> greet');
        assert.equal(await type('cat greet'), 'hello world\nsecond line\n');
        assert.equal(disk('usr/adm/greet'), 'hello world\nsecond line\n');
        assert.match(await type('ls -l greet /tmp/hello.txt'),
            /^\S+ M \d+ adm adm 24 [^\n]+ greet\n--rw-r--r-- M \d+ adm adm  6 [^\n]+ \/tmp\/hello\.txt\n$/,
            'ls -l: sizes in a column as wide as the widest');
        await type('echo fresh > greet');
        assert.equal(disk('usr/adm/greet'), 'fresh\n', '> truncates');
        await type('ls /tmp > listing');
        assert.match(disk('usr/adm/listing'), /^\/tmp\/hello\.txt$/m, 'any output can go to a file');
    });

    await check('cp, mv, mkdir -p, touch, rm -r', async () => {
        await type('cp greet /tmp');
        assert.equal(disk('tmp/greet'), 'fresh\n');
        await type('mkdir -p a/b/c');
        assert.ok(statSync(`${root}/usr/adm/a/b/c`).isDirectory());
        await type('mv greet renamed');
        assert.ok(!existsSync(`${root}/usr/adm/greet`) && disk('usr/adm/renamed') === 'fresh\n');
        await type('mv renamed a/b');
        assert.equal(disk('usr/adm/a/b/renamed'), 'fresh\n');
        assert.ok(!existsSync(`${root}/usr/adm/renamed`), 'moved across directories');
        await type('touch a/new');
        assert.equal(statSync(`${root}/usr/adm/a/new`).size, 0);
        assert.match(await type('rm a'), /^rm: \/usr\/adm\/a: directory is not empty$/m);
        await type('rm -r a');
        assert.ok(!existsSync(`${root}/usr/adm/a`));
        await type('touch x');
        assert.equal(await type('rm nothing x'), 'rm: /usr/adm/nothing: file does not exist\n');
        assert.ok(!existsSync(`${root}/usr/adm/x`), 'rm goes on to the next argument');
        assert.equal(await page.locator('#console-out .error').last().textContent(), 'rm: /usr/adm/nothing: file does not exist\n');
        assert.equal(await type('cat /nope notes > both'), 'cat: /nope: file does not exist\n', 'errors on the screen');
        assert.equal(disk('usr/adm/both'), 'mine\n', 'what worked in the file');
    });

    await check('chmod and chgrp: wstat, refusals in the server\'s words', async () => {
        await type('chmod 600 /tmp/greet');
        assert.equal(xattr('tmp/greet', 'mode'), '00000180');
        await type('chmod g+w /tmp/greet');
        assert.match(await type('ls -l /tmp/greet'), /^--rw--w---- M /m);
        assert.match(await type('chmod u+q /tmp/greet'), /bad mode "u\+q"/);
        assert.match(await type('chgrp sys /tmp/greet'), /^chgrp: \/tmp\/greet: .*not permitted/im);
        assert.equal(xattr('tmp/greet', 'gid'), 'adm');
    });

    await check('ns, bind -a, unmount: the session\'s namespace', async () => {
        assert.match(await type('ns'), /^mount factotum \/dev\/factotum$/m);
        await type('mkdir /tmp/extra');
        await type('echo x > /tmp/extra/inside');
        assert.equal(await type('bind -a /tmp/extra /usr/adm'), '');
        assert.match(await type('ls'), /^inside$/m);
        assert.match(await type('ns'), /^bind -a \/tmp\/extra \/usr\/adm$/m);
        await type('unmount /tmp/extra /usr/adm');
        assert.doesNotMatch(await type('ls'), /inside/);
        assert.equal(await type('bind /nowhere /tmp'), 'bind: cannot walk to the source /nowhere\n');
        await type('mkdir f');
        assert.equal(await type('mount factotum f'), '');
        assert.match(await type('ls f'), /^f\/rpc$/m);
        assert.match(await type('ns'), /^mount factotum \/usr\/adm\/f$/m);
        await type('unmount /usr/adm/f');
        assert.doesNotMatch(await type('ls f'), /rpc/);
        assert.equal(await type('mount nosuch f'), 'mount: unknown service "nosuch"\n');
    });

    await check('history with the arrow keys', async () => {
        await type('pwd');
        await page.press('#console-input', 'ArrowUp');
        assert.equal(await page.inputValue('#console-input'), 'pwd');
        await page.press('#console-input', 'ArrowUp');
        assert.equal(await page.inputValue('#console-input'), 'mount nosuch f');
        await page.press('#console-input', 'ArrowDown');
        assert.equal(await page.inputValue('#console-input'), 'pwd');
        await page.press('#console-input', 'Enter');
        await page.waitForFunction(() => /\/usr\/adm\n[^]*\/usr\/adm\n$/.test(document.querySelector('#console-out').textContent));
    });

    await check('the line being typed comes back after the history', async () => {
        await page.fill('#console-input', 'ech');
        await page.press('#console-input', 'ArrowUp');
        assert.equal(await page.inputValue('#console-input'), 'pwd');
        await page.press('#console-input', 'ArrowDown');
        assert.equal(await page.inputValue('#console-input'), 'ech');
        await page.fill('#console-input', '');
    });

    await check('Tab completes a path, or lists the choices', async () => {
        await page.fill('#console-input', 'cat /tmp/he');
        await page.press('#console-input', 'Tab');
        await page.waitForFunction(() => document.querySelector('#console-input').value === 'cat /tmp/hello.txt');
        await page.fill('#console-input', 'ls /tm');
        await page.press('#console-input', 'Tab');
        await page.waitForFunction(() => document.querySelector('#console-input').value === 'ls /tmp/');
        await page.fill('#console-input', 'ls /tmp/');
        await page.press('#console-input', 'Tab');
        await page.waitForFunction(() => /extra\/ +greet +hello\.txt/.test(document.querySelector('#console-out').textContent));
        await page.fill('#console-input', '');
    });

    await check('quoting as in rc; unknown commands and missing files', async () => {
        await type("echo 'a  b' > 'with space'");
        assert.equal(disk('usr/adm/with space'), 'a  b\n');
        assert.match(await type('ls'), /^with space$/m);
        await page.fill('#console-input', 'cat wi');
        await page.press('#console-input', 'Tab');
        await page.waitForFunction(() => document.querySelector('#console-input').value === "cat 'with space'");
        await page.press('#console-input', 'Enter');
        await page.waitForFunction(() => /'with space'\na  b\n$/.test(document.querySelector('#console-out').textContent));
        assert.equal(await type("echo 'it''s'"), "it's\n");
        assert.equal(await type("echo 'oops"), 'syntax error: a quote is not closed\n');
        assert.equal(await type('frob'), 'frob: unknown command (help lists them)\n');
        assert.equal(await type('cat /nope'), 'cat: /nope: file does not exist\n');
        assert.equal(await type('echo a > '), 'syntax error: > needs one file name at the end\n');
    });

    await check('server text stays text', async () => {
        await type("echo '<img src=x onerror=alert(1)>' > '<b>x<i>'");
        assert.match(await type('ls'), /^<b>x<i>$/m);
        assert.equal(await type("cat '<b>x<i>'"), '<img src=x onerror=alert(1)>\n');
        assert.equal(await page.locator('#console-out img, #console-out b').count(), 0);
    });

    await check('back to the files: the namespace is the same session\'s', async () => {
        await type('bind -a /tmp/extra /usr/adm');
        await page.goto(`${url}#/files/usr/adm`);
        await page.waitForSelector('#listing a:text-is("inside")');
        await page.goto(`${url}#/console`);
        await page.waitForSelector('#console-input:focus');
        assert.match(await out(), /bind -a \/tmp\/extra \/usr\/adm/, 'the console kept its screen');
    });
});
