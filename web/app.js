// Ten's web UI: log in through factotum, browse the namespace, view files.
//
// Everything goes over one WebSocket as 9P (ninep.js).  The ticket path
// stays in sessionStorage (no cookies): a reload or a dropped connection
// attaches again with it.  Routes live in the fragment: #/files/<path>
// lists or shows a file, #/view/<path> shows ten-ssr's page for it (the
// route ten-ssr's links use).  Text from the server is set with
// textContent, never as HTML; ten-ssr's pages go into an iframe sandboxed
// without scripts.

import {
    connect, NinePError, OREAD, ORDWR, OWRITE, QTDIR, modeString, splitPath,
} from './ninep.js';
import { panes } from './panes.js';
import { passkeyLogin, serverOffers, browserProblem, words } from './account.js';

const $ = (id) => document.getElementById(id);
const TEXT_MAX = 4 << 20;
const store = window.sessionStorage;

let client = null;
let user = null;
let current = null;     // the file shown: {path, st}, for edit and save
let shown = [];         // the listing's entries, as sorted
let shownAt = null;     // and where they are: {path, points}
let sortKey = 'name', sortUp = true;


// ------------------------------------------------------------ sessions

function wsUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/9p';
}

/* A connection attached as the ticket's user; the ticket's fid is the root. */
async function attachTicket(ticket, name) {
    const c = await connect(wsUrl());
    try {
        const { fid } = await c.attach(name, ticket);
        c.root = fid;
        c.ws.addEventListener('close', (ev) => lost(c, ev.code));
        return c;
    } catch (e) {
        c.close();
        throw e;
    }
}

/* factotum's /rpc on a bootstrap session: the ticket path and expiry. */
async function login(name, password) {
    const c = await connect(wsUrl());
    try {
        await c.attach('none', '');
        const line = await c.at('/dev/factotum/rpc', async (fid) => {
            await c.open(fid, ORDWR);
            await c.write(fid, 0, new TextEncoder().encode(`start proto=pass user=${name}`));
            await c.write(fid, 0, new TextEncoder().encode(`pass ${password}`));
            return new TextDecoder().decode(await c.read(fid, 0, 1024));
        }, 'login');
        const ticket = /ticket=(\S+)/.exec(line)?.[1];
        const expires = /expires=(\d+)/.exec(line)?.[1];
        if (!ticket) throw new NinePError(`factotum said "${line}"`, 'login');
        return { ticket, expires };
    } finally {
        c.close();
    }
}

async function logout() {
    const ticket = store.getItem('ten.ticket');
    try {
        if (client && ticket) {
            await client.at('/dev/factotum/ctl', async (fid) => {
                await client.open(fid, OWRITE);
                await client.write(fid, 0, new TextEncoder().encode(`logout ${ticket}`));
            }, 'logout');
        }
    } catch (e) {
        show(e);
    }
    store.clear();
    const c = client;
    client = null;
    c?.close();
    location.hash = '';
    showLogin('Logged out.');
}

/* The connection dropped: attach again with the ticket, with backoff.
   A server going away (1001: a reload) is nothing to worry the user
   about: at once, quietly, the first time. */
async function lost(c, code) {
    if (c !== client) return;
    client = null;
    for (let attempt = 0; attempt < 8; attempt++) {
        const quiet = attempt === 0 && code === 1001;
        const wait = quiet ? 0 : Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
        if (!quiet) say(`Connection lost; reconnecting in ${(wait / 1000).toFixed(1)} s…`);
        await new Promise((r) => setTimeout(r, wait));
        try {
            client = await attachTicket(store.getItem('ten.ticket'), user);
            say('');
            return route();
        } catch (e) {
            if (e instanceof NinePError && /ticket/.test(e.ename)) {
                store.clear();
                return showLogin(`Your session ended: ${e.ename}. Log in again.`);
            }
        }
    }
    showLogin('Cannot reach the server. Log in again when it is back.');
}


// ---------------------------------------------------------------- views

function say(text) {
    const m = $('message');
    m.textContent = text;
    m.hidden = !text;
}

function show(e) {
    say(e instanceof Error ? e.message : String(e));
}

function showLogin(status = '') {
    $('files').hidden = true;
    $('ns').hidden = true;
    $('ns-link').hidden = true;
    showPane(null);
    document.querySelectorAll('.pane-link').forEach((a) => a.remove());
    $('logout').hidden = true;
    $('who').textContent = '';
    $('crumbs').textContent = '';
    $('login').hidden = false;
    $('login-status').textContent = status;
    $('user').focus();
    offerPasskey();
}

/* The passkey button, when factotum offers passkeys (its /proto lists
   webauthn); disabled, saying why, when this browser cannot use them. */
async function offerPasskey() {
    const c = await connect(wsUrl()).catch(() => null);
    let offered = false;
    try {
        if (c) {
            await c.attach('none', '');
            offered = await serverOffers(c);
        }
    } catch {
        /* no factotum: no passkeys */
    } finally {
        c?.close();
    }
    const why = offered ? browserProblem() : '';
    $('passkey-login').hidden = !offered;
    $('passkey-button').disabled = !!why;
    $('passkey-why').textContent = why;
    $('passkey-why').hidden = !why;
}

function crumbs(path) {
    const nav = $('crumbs');
    nav.textContent = '';
    const names = splitPath(path);
    const add = (label, to) => {
        const a = document.createElement('a');
        a.href = '#/files' + to;
        a.textContent = label;
        nav.append(a);
    };
    add('/', '/');
    names.forEach((n, i) => {
        if (i) nav.append('/');
        add(n, '/' + names.slice(0, i + 1).join('/'));
    });
}

function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
    return td;
}

/* Which tools fit: a directory's, or a file's (editable when text). */
function tools(file) {
    for (const id of ['edit', 'rename', 'remove', 'download']) $(id).hidden = !file;
    $('save').hidden = true;
    for (const id of ['new-file', 'new-dir', 'upload']) $(id).hidden = !!file;
}

async function list(path) {
    current = null;
    tools(false);
    const [entries, points] = await Promise.all([client.readdir(path), mountPoints()]);
    shown = entries;
    shownAt = { path, points };
    render(path, points);
    $('listing').hidden = false;
    $('viewer').hidden = true;
}

/* The points of /dev/ns's mounts and binds, marked in listings; a union
   is a point with several entries, or one joined with -a or -b to what
   was there. */
async function mountPoints() {
    const points = new Map();
    try {
        const ns = new TextDecoder().decode(await client.readFile('/dev/ns'));
        for (const w of ns.split('\n').map((l) => l.trim().split(/\s+/))) {
            if (w[0] !== 'mount' && w[0] !== 'bind') continue;
            const joined = w.some((x) => /^-[a-z]*[ab]/.test(x));
            const p = w.filter((x) => !x.startsWith('-'))[2];
            points.set(p, (points.get(p) || 0) + (joined ? 2 : 1));
        }
    } catch {
        /* no /dev/ns: nothing marked */
    }
    return points;
}

function render(path, points = new Map()) {
    const cmp = (a, b) => {
        const x = a[sortKey], y = b[sortKey];
        const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
        return (b.isDir - a.isDir) || (sortUp ? c : -c);
    };
    shown.sort(cmp);
    const body = $('listing').tBodies[0];
    body.textContent = '';
    for (const e of shown) {
        const tr = document.createElement('tr');
        const to = join(path, e.name);
        if (points.has(to)) tr.className = points.get(to) > 1 ? 'union' : 'mount';
        const a = document.createElement('a');
        a.href = '#/files' + encodePath(to);
        a.textContent = e.name + (e.isDir ? '/' : '');
        cell(tr, '', 'name').append(a);
        cell(tr, modeString(e.mode));
        cell(tr, e.uid);
        cell(tr, e.gid);
        cell(tr, e.isDir ? '' : String(e.length), 'num');
        cell(tr, new Date(e.mtime * 1000).toLocaleString());
        body.append(tr);
    }
}

async function viewFile(path, st) {
    current = { path, st };
    tools(true);
    $('editor').hidden = true;
    $('listing').hidden = true;
    $('viewer').hidden = false;
    $('viewer-name').textContent = st.name;
    const pre = $('viewer-text');
    const frame = $('viewer-page');
    pre.hidden = true;
    frame.hidden = true;
    if (/\.(md|markdown)$/i.test(st.name)) return viewPage(path);
    if (st.length > TEXT_MAX) {
        pre.hidden = false;
        pre.textContent = `${st.length} bytes: too large to show here.`;
        return;
    }
    const data = await client.readFile(path);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
    pre.textContent = text.split('\n').map((l, i) => `${String(i + 1).padStart(5)}  ${l}`).join('\n');
    pre.hidden = false;
}

/* ten-ssr's page for path, read over 9P into a sandboxed iframe. */
async function viewPage(path) {
    const frame = $('viewer-page');
    const html = new TextDecoder().decode(await client.readFile('/view' + (path === '/' ? '' : path)));
    frame.srcdoc = html;
    frame.hidden = false;
    $('listing').hidden = true;
    $('viewer').hidden = false;
}

function encodePath(path) {
    return path.split('/').map(encodeURIComponent).join('/');
}

function routePath() {
    const m = /^#\/([a-z]+)(\/.*)?$/.exec(location.hash);
    const path = m ? decodeURIComponent(m[2] || '/') : '/';
    return { kind: m ? m[1] : 'files', path: '/' + splitPath(path).join('/') };
}

/* Routes run one at a time, in order, so the last one's page is the one
   shown (a click while a reconnect redraws the page, say). */
let routing = Promise.resolve();

function route() {
    routing = routing.then(routeNow);
    return routing;
}

async function routeNow() {
    if (!client) return;
    const { kind, path } = routePath();
    say('');
    const pane = panes.get(kind);
    if (pane) $('crumbs').textContent = '';
    else crumbs(path);
    $('ns').hidden = kind !== 'ns';
    $('files').hidden = kind === 'ns' || !!pane;
    showPane(pane ? kind : null);
    try {
        if (pane) return await pane.show($('pane-' + kind), paneContext(path));
        if (kind === 'ns') return await showNs();
        if (kind === 'view') {
            $('viewer-name').textContent = path;
            $('viewer-text').hidden = true;
            return await viewPage(path);
        }
        const st = await client.statPath(path);
        if (st.qid.type & QTDIR) await list(path);
        else await viewFile(path, st);
    } catch (e) {
        show(e);
        if (!pane && kind !== 'ns') await offerWayUp(path);
    }
}

/* After an error nothing stale stays on the page: the listing and the
   viewer go, and the message links to the nearest directory that is. */
async function offerWayUp(path) {
    $('listing').hidden = true;
    $('viewer').hidden = true;
    let up = path;
    do {
        up = up.slice(0, up.lastIndexOf('/')) || '/';
        try {
            if ((await client.statPath(up)).qid.type & QTDIR) break;
        } catch {
            /* not there either: one more level up */
        }
    } while (up !== '/');
    const a = document.createElement('a');
    a.id = 'go-up';
    a.href = '#/files' + encodePath(up);
    a.textContent = `Go to ${up}`;
    $('message').append(' ', a);
}

async function start() {
    $('files').hidden = false;
    $('login').hidden = true;
    $('logout').hidden = false;
    $('ns-link').hidden = false;
    const exp = store.getItem('ten.expires');
    $('who').textContent = user + (exp ? ` · until ${new Date(exp * 1000).toLocaleString()}` : '');
    if (!location.hash) location.hash = '#/files/';
    await paneLinks();
    await route();
}

function paneContext(path) {
    return { client, user, path, say, show, go: (h) => { location.hash = h; } };
}

/* Only the named pane's element is shown; it is made the first time. */
function showPane(name) {
    for (const p of panes.keys()) {
        let main = $('pane-' + p);
        if (!main && p === name) {
            main = document.createElement('main');
            main.id = 'pane-' + p;
            main.className = 'pane';
            $('files').before(main);
        }
        if (main) main.hidden = p !== name;
    }
}

/* A header link for every pane this user may see. */
async function paneLinks() {
    for (const [name, pane] of panes) {
        if ($(name + '-link')) continue;
        try {
            if (pane.visible && !(await pane.visible(paneContext('/')))) continue;
        } catch {
            continue;
        }
        const a = document.createElement('a');
        a.id = name + '-link';
        a.className = 'pane-link';
        a.href = '#/' + name;
        a.textContent = pane.label;
        $('ns-link').after(a);
    }
}


// ---------------------------------------------------------------- events

/* A ticket from factotum: kept for reloads, attached with, the files shown. */
async function enter(ticket, expires, name) {
    store.setItem('ten.ticket', ticket);
    store.setItem('ten.user', name);
    if (expires) store.setItem('ten.expires', expires);
    user = name;
    client = await attachTicket(ticket, name);
    $('password').value = '';
    $('login-status').textContent = '';
    await start();
}

/* The login page is busy: its buttons wait, its status says so. */
async function loggingIn(text, fn) {
    const status = $('login-status');
    status.textContent = text;
    status.classList.add('busy');
    $('login-button').disabled = true;
    $('passkey-button').disabled = true;
    say('');
    try {
        await fn();
    } catch (e) {
        status.textContent = words(e);
    } finally {
        status.classList.remove('busy');
        $('login-button').disabled = false;
        $('passkey-button').disabled = !!browserProblem();
    }
}

$('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = $('user').value.trim();
    loggingIn('Checking…', async () => {
        const { ticket, expires } = await login(name, $('password').value);
        await enter(ticket, expires, name);
    });
});

/* A passkey: the typed user's, or one the authenticator offers (a
   discoverable passkey, which names its user).  The ticket's path,
   /priv/sessions/USER/..., says whose it is. */
$('passkey-button').addEventListener('click', () => {
    const name = $('user').value.trim();
    loggingIn('Waiting for your passkey…', async () => {
        const c = await connect(wsUrl());
        let got;
        try {
            await c.attach('none', '');
            got = await passkeyLogin(c, name);
        } catch (e) {
            if (e instanceof NinePError && e.ename === 'authentication failed') {
                throw new Error('authentication failed: the server did not accept this passkey '
                    + '(it may have been removed). Log in with your password.');
            }
            throw e;
        } finally {
            c.close();
        }
        const who = /^\/priv\/sessions\/([^/]+)\//.exec(got.ticket)?.[1] || name;
        await enter(got.ticket, got.expires, who);
    });
});

$('logout').addEventListener('click', logout);


// -------------------------------------------------------------- editing

/* A name from the user in a dialog, or null. */
function ask(text, value = '') {
    const d = $('ask');
    $('ask-text').textContent = text;
    $('ask-input').value = value;
    d.returnValue = '';
    d.showModal();
    return new Promise((resolve) => {
        d.addEventListener('close', () => {
            const v = $('ask-input').value.trim();
            resolve(d.returnValue === 'ok' && v ? v : null);
        }, { once: true });
    });
}

function here() { return routePath().path; }

function join(dir, name) { return (dir === '/' ? '' : dir) + '/' + name; }

function go(path) { location.hash = '#/files' + encodePath(path); }

/* Runs an action; a failure is shown with what it was about. */
async function act(fn) {
    say('');
    try {
        await fn();
    } catch (e) {
        show(e);
    }
}

$('new-file').addEventListener('click', () => act(async () => {
    const name = await ask('Name of the new file:');
    if (!name) return;
    if (name.includes('/')) throw new NinePError('a name, not a path', 'create', name);
    const path = join(here(), name);
    await client.at(here(), (fid) => client.create(fid, name, 0o664, OWRITE), 'create');
    go(path);
}));

$('new-dir').addEventListener('click', () => act(async () => {
    const name = await ask('Name of the new folder:');
    if (!name) return;
    if (name.includes('/')) throw new NinePError('a name, not a path', 'mkdir', name);
    await client.mkdir(join(here(), name), 0o775);
    await route();
}));

$('edit').addEventListener('click', () => act(async () => {
    const { path } = current;
    const st = await client.statPath(path);
    const data = await client.readFile(path);
    current = { path, st };
    const ed = $('editor');
    ed.value = new TextDecoder().decode(data);
    ed.hidden = false;
    $('viewer-text').hidden = true;
    $('viewer-page').hidden = true;
    $('save').hidden = false;
    $('edit').hidden = true;
    ed.focus();
}));

/* Saved whole (OTRUNC); a file changed since it was opened is asked about. */
$('save').addEventListener('click', () => act(async () => {
    const { path, st } = current;
    const now = await client.statPath(path);
    if (now.qid.version !== st.qid.version
        && !(await ask(`${path} changed since you opened it. Type "overwrite" to save anyway:`)
             === 'overwrite')) {
        say(`Not saved: ${path} changed since you opened it.`);
        return;
    }
    await client.writeFile(path, new TextEncoder().encode($('editor').value));
    current.st = await client.statPath(path);
    $('save').hidden = true;
    await route();
}));

$('rename').addEventListener('click', () => act(async () => {
    const { path } = current;
    const names = splitPath(path);
    const name = await ask(`New name for ${path}:`, names[names.length - 1]);
    if (!name) return;
    await client.rename(path, name);
    go(join('/' + names.slice(0, -1).join('/'), name));
}));

$('remove').addEventListener('click', () => act(async () => {
    const { path } = current;
    if ((await ask(`Remove ${path}? Type its name to confirm:`)) !== splitPath(path).pop()) return;
    await client.removePath(path);
    go('/' + splitPath(path).slice(0, -1).join('/'));
}));
window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (ev) => show(ev.reason));

(async () => {
    const ticket = store.getItem('ten.ticket');
    user = store.getItem('ten.user');
    if (!ticket || !user) return showLogin();
    try {
        client = await attachTicket(ticket, user);
        await start();
    } catch (e) {
        store.clear();
        showLogin(e instanceof NinePError ? `${e.ename}. Log in again.` : String(e));
    }
})();


// ------------------------------------------------------------- sorting

for (const b of document.querySelectorAll('button.sort')) {
    b.addEventListener('click', () => {
        sortUp = sortKey === b.dataset.key ? !sortUp : true;
        sortKey = b.dataset.key;
        if (shownAt) render(shownAt.path, shownAt.points);     // no new read
    });
}


// ------------------------------------------------------------ keyboard

/* Arrows move through the listing, Enter opens, Backspace goes up. */
document.addEventListener('keydown', (ev) => {
    if (!client || ev.target.closest('input, textarea, dialog') || $('files').hidden) return;
    const rows = [...$('listing').tBodies[0].rows];
    const at = rows.findIndex((r) => r.classList.contains('selected'));
    if (ev.key === 'Backspace') {
        ev.preventDefault();
        go('/' + splitPath(here()).slice(0, -1).join('/'));
    } else if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && rows.length && !$('listing').hidden) {
        ev.preventDefault();
        const next = Math.max(0, Math.min(rows.length - 1, at + (ev.key === 'ArrowDown' ? 1 : -1)));
        rows[at]?.classList.remove('selected');
        rows[next].classList.add('selected');
        rows[next].scrollIntoView({ block: 'nearest' });
    } else if (ev.key === 'Enter' && at >= 0) {
        ev.preventDefault();
        rows[at].querySelector('a').click();
    }
});


// ----------------------------------------------------- upload, download

$('upload').addEventListener('click', () => $('upload-input').click());
$('upload-input').addEventListener('change', (ev) => {
    for (const f of ev.target.files) upload(f, here());
    ev.target.value = '';
});
$('listing').addEventListener('dragover', (ev) => { ev.preventDefault(); $('listing').classList.add('drop'); });
$('listing').addEventListener('dragleave', () => $('listing').classList.remove('drop'));
$('listing').addEventListener('drop', (ev) => {
    ev.preventDefault();
    $('listing').classList.remove('drop');
    for (const f of ev.dataTransfer.files) upload(f, here());
});

/* A line in the transfers list with a progress bar and a Cancel button. */
function transfer(label, onCancel) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    const bar = document.createElement('progress');
    const cancel = document.createElement('button');
    name.textContent = label;
    bar.max = 1;
    bar.value = 0;
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', onCancel);
    li.append(name, bar, cancel);
    $('transfers').append(li);
    return {
        progress(done, total) { bar.max = total || 1; bar.value = done; },
        end(text) { cancel.remove(); name.textContent = `${label}: ${text}`; setTimeout(() => li.remove(), 4000); },
    };
}

/* Written in iounit-sized slices; a cancel flushes the write in flight
   and removes what was written. */
async function upload(file, dir) {
    const path = join(dir, file.name);
    const ac = new AbortController();
    const t = transfer(`upload ${file.name}`, () => ac.abort());
    try {
        await client.at(dir, async (fid, gone) => {
            const { iounit } = await client.create(fid, file.name, 0o664, OWRITE);
            const n = client.iosize(iounit);
            try {
                for (let off = 0; off < file.size; off += n) {
                    const chunk = new Uint8Array(await file.slice(off, off + n).arrayBuffer());
                    await client.write(fid, off, chunk, { signal: ac.signal, path });
                    t.progress(off + chunk.length, file.size);
                }
            } catch (e) {
                gone();
                await client.remove(fid).catch(() => {});     // the partial file goes
                throw e;
            }
        }, 'upload');
        t.end('done');
        if (here() === dir) await list(dir);
    } catch (e) {
        t.end(e.name === 'AbortError' || ac.signal.aborted ? 'cancelled, nothing kept' : 'failed');
        if (!ac.signal.aborted) show(e);
        if (here() === dir) await list(dir).catch(() => {});
    }
}

$('download').addEventListener('click', () => act(async () => {
    const { path, st } = current;
    const ac = new AbortController();
    const t = transfer(`download ${st.name}`, () => ac.abort());
    try {
        const data = await client.readFile(path, {
            signal: ac.signal, onProgress: (n) => t.progress(n, st.length),
        });
        const a = document.createElement('a');
        a.href = URL.createObjectURL(new Blob([data]));
        a.download = st.name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 60000);
        t.end('done');
    } catch (e) {
        t.end(ac.signal.aborted ? 'cancelled' : 'failed');
        if (!ac.signal.aborted) throw e;
    }
}));


// ----------------------------------------------------------- properties

/* Mode, group and owner by wstat; only what changed is sent. */
$('props').addEventListener('click', () => act(async () => {
    const path = current ? current.path : here();
    const st = await client.statPath(path);
    $('stat-name').textContent = `${path}: ${modeString(st.mode)} ${st.uid} ${st.gid}`;
    $('stat-mode').value = (st.mode & 0o777).toString(8).padStart(3, '0');
    $('stat-gid').value = st.gid;
    $('stat-uid').value = st.uid;
    const d = $('stat');
    d.returnValue = '';
    d.showModal();
    await new Promise((r) => d.addEventListener('close', r, { once: true }));
    if (d.returnValue !== 'ok') return;
    const change = {};
    const mode = parseInt($('stat-mode').value, 8);
    if (!Number.isNaN(mode) && mode !== (st.mode & 0o777)) {
        change.mode = ((st.mode & 0xfff00000) | (mode & 0o777)) >>> 0;
    }
    if ($('stat-gid').value !== st.gid) change.gid = $('stat-gid').value;
    if ($('stat-uid').value !== st.uid) change.uid = $('stat-uid').value;
    if (Object.keys(change).length === 0) return;
    await client.at(path, (fid) => client.wstat(fid, change), 'wstat');
    await route();
}));


// ------------------------------------------------------------ namespace

async function showNs() {
    crumbs('/');
    $('ns-text').textContent = new TextDecoder().decode(await client.readFile('/dev/ns'));
}

/* One command to /dev/nsctl: it changes this session's namespace. */
$('ns-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(async () => {
        const cmd = $('ns-command').value.trim();
        if (!cmd) return;
        await client.at('/dev/nsctl', async (fid) => {
            await client.open(fid, OWRITE);
            await client.write(fid, 0, new TextEncoder().encode(cmd));
        }, 'nsctl');
        $('ns-command').value = '';
        await showNs();
    });
});
