// ninep.js against the real kernel and ten-vfs (run by t/070-ninep-js.t,
// which starts them and says where in the environment):
//   TEN_WS_URL    ws://127.0.0.1:PORT/9p
//   TEN_TICKET    a ticket path for glenda
//   TEN_VFS_ROOT  ten-vfs's root on disk, to check bytes and modes
//   TEN_FIFO      a FIFO under the root (/tmp/fifo) that has no data

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync } from 'node:fs';
import {
    connect, NinePError, OREAD, QTDIR, DMDIR, modeString, splitPath,
} from '../ninep.js';

const url = process.env.TEN_WS_URL;
const ticket = process.env.TEN_TICKET;
const root = process.env.TEN_VFS_ROOT;
const skip = !url && 'TEN_WS_URL is not set: run t/070-ninep-js.t';

// a session of glenda's, closed when test t ends, however it ends
async function glenda(t, msize) {
    const c = await connect(url, { msize });
    t.after(() => c.close());
    await c.attach('glenda', ticket);
    return c;
}

const text = (b) => new TextDecoder().decode(b);
const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);


test('version and attach', { skip }, async (t) => {
    const c = await connect(url, { msize: 8192 });
    t.after(() => c.close());
    assert.equal(c.msize, 8192, 'the msize asked for');
    const { fid, qid } = await c.attach('glenda', ticket);
    assert.equal(fid, 0);
    assert.equal(qid.type & QTDIR, QTDIR, 'the root is a directory');
    assert.equal(text(await c.readFile('/dev/user')), 'glenda', 'the ticket names the user');
    assert.match(text(await c.readFile('/dev/ns')), /^mount \S+ \/\n/, '/dev/ns starts with /');
});

test('a file larger than msize, written and read in chunks', { skip }, async (t) => {
    const c = await glenda(t, 8192);
    const data = bytes(200 * 1024 + 7, 3);
    const progress = [];
    assert.equal(await c.writeFile('/usr/glenda/big', data, { onProgress: (n) => progress.push(n) }), data.length);
    assert.ok(progress.length > 20, `progress reported per chunk (${progress.length})`);
    assert.deepEqual(new Uint8Array(readFileSync(`${root}/usr/glenda/big`)), data, 'the bytes on disk');
    assert.deepEqual(await c.readFile('/usr/glenda/big'), data, 'read back');

    // OTRUNC: a shorter write leaves nothing of the longer one
    await c.writeFile('/usr/glenda/big', 'short');
    assert.equal(readFileSync(`${root}/usr/glenda/big`, 'utf8'), 'short');
});

test('many requests in flight, tags reused', { skip }, async (t) => {
    const c = await glenda(t);
    const all = await Promise.all(Array.from({ length: 200 }, () => c.statPath('/usr/glenda')));
    assert.equal(all.length, 200);
    assert.ok(all.every((st) => st.isDir && st.name === 'glenda'));
    assert.ok(c.nextTag <= 200, `tags come back (${c.nextTag} made)`);
    assert.equal(c.pending.size, 0);
    // and fids: every walk's fid was clunked and taken back
    assert.ok(c.nextFid <= 201, `fids come back (${c.nextFid} made)`);
});

test('a directory read across many messages', { skip }, async (t) => {
    const c = await glenda(t, 1024);
    await c.mkdir('/tmp/many', 0o755);
    for (let i = 0; i < 150; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) =>
            c.writeFile(`/tmp/many/a-file-with-a-long-name-${String(i + j).padStart(4, '0')}`, 'x')));
    }
    const entries = await c.readdir('/tmp/many');
    assert.equal(entries.length, 150, 'every entry, none cut');
    assert.ok(entries.every((e) => e.length === 1 && !e.isDir && e.uid === 'glenda'));
    assert.equal(new Set(entries.map((e) => e.name)).size, 150);
});

test('mkdir, rename, chmod, remove', { skip }, async (t) => {
    const c = await glenda(t);
    const st = await c.mkdir('/usr/glenda/d', 0o750);
    assert.equal(st.qid.type & QTDIR, QTDIR);
    assert.ok(statSync(`${root}/usr/glenda/d`).isDirectory());
    await c.writeFile('/usr/glenda/d/f', 'hello');
    await c.rename('/usr/glenda/d/f', 'g');
    assert.ok(existsSync(`${root}/usr/glenda/d/g`) && !existsSync(`${root}/usr/glenda/d/f`));
    await c.chmod('/usr/glenda/d/g', 0o600);
    const g = await c.statPath('/usr/glenda/d/g');
    assert.equal(modeString(g.mode), '--rw-------');
    assert.equal(text(await c.readFile('/usr/glenda/d/g')), 'hello', 'a rename changes no bytes');
    await c.chmod('/usr/glenda/d', 0o700);
    assert.equal((await c.statPath('/usr/glenda/d')).mode, (DMDIR | 0o700) >>> 0, 'chmod keeps DMDIR');
    await c.removePath('/usr/glenda/d/g');
    await c.removePath('/usr/glenda/d');
    assert.ok(!existsSync(`${root}/usr/glenda/d`));
});

test('errors carry the server words, the operation and the path', { skip }, async (t) => {
    const c = await glenda(t);
    await assert.rejects(c.readFile('/usr/glenda/nothing-here'), (e) =>
        e instanceof NinePError && e.op === 'read' && e.path === '/usr/glenda/nothing-here'
        && /does not exist|No such file/.test(e.ename) && e.message.startsWith('read /usr/glenda/nothing-here: '));
    await assert.rejects(c.writeFile('/adm/users', 'glenda:evil\n'), (e) =>
        e instanceof NinePError && /permission denied/i.test(e.ename));
    await assert.rejects(c.rename('/usr/glenda', 'x/y'), /a new name, not a path/);
    // after errors the session is as good as before
    assert.equal(text(await c.readFile('/dev/user')), 'glenda');
});

test('an AbortSignal flushes a blocked read; the session goes on', { skip }, async (t) => {
    const c = await glenda(t);
    const { fid } = await c.walk(c.root, splitPath('/tmp/fifo'));
    await c.open(fid, OREAD);
    const ac = new AbortController();
    const reading = c.read(fid, 0, 100, { signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    // flush(5): the service's answer to the flushed read (Rerror
    // "interrupted") may come before Rflush, and then it counts
    await assert.rejects(reading, (e) => e.op === 'read'
        && (e.name === 'AbortError' || /interrupted/.test(e.ename)));
    assert.equal(c.pending.size, 0, 'nothing left waiting');
    assert.equal(text(await c.readFile('/dev/user')), 'glenda');
    await c.clunk(fid);
});

test('a closed connection fails every request waiting', { skip }, async (t) => {
    const c = await glenda(t);
    const { fid } = await c.walk(c.root, ['tmp', 'fifo']);
    await c.open(fid, OREAD);
    const reads = [c.read(fid, 0, 10), c.read(fid, 0, 10)];
    setTimeout(() => c.close(), 100);
    for (const r of reads) {
        await assert.rejects(r, (e) => e instanceof NinePError && /connection closed/.test(e.ename));
    }
    await assert.rejects(c.statPath('/'), /connection closed/, 'and every request after');
});

test('helpers without an attach, and bad input', { skip }, async (t) => {
    const c = await connect(url);
    t.after(() => c.close());
    await assert.rejects(c.readFile('/x'), /not attached/);
    await assert.rejects(c.attach('glenda', '/priv/sessions/glenda/0000'), (e) =>
        e.op === 'attach' && /no such ticket/.test(e.ename));
    assert.deepEqual(splitPath('//a/./b/../c/'), ['a', 'c']);
    assert.equal(modeString(DMDIR | 0o755), 'd-rwxr-xr-x');
});
