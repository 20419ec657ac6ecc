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

const $ = (id) => document.getElementById(id);
const TEXT_MAX = 4 << 20;
const store = window.sessionStorage;

let client = null;
let user = null;
let current = null;     // the file shown: {path, st}, for edit and save


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
        c.ws.addEventListener('close', () => lost(c));
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

/* The connection dropped: attach again with the ticket, with backoff. */
async function lost(c) {
    if (c !== client) return;
    client = null;
    for (let attempt = 0; attempt < 8; attempt++) {
        const wait = Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
        say(`Connection lost; reconnecting in ${(wait / 1000).toFixed(1)} s…`);
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
    $('logout').hidden = true;
    $('who').textContent = '';
    $('crumbs').textContent = '';
    $('login').hidden = false;
    $('login-status').textContent = status;
    $('user').focus();
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
    for (const id of ['edit', 'rename', 'remove']) $(id).hidden = !file;
    $('save').hidden = true;
    $('new-file').hidden = $('new-dir').hidden = !!file;
}

async function list(path) {
    current = null;
    tools(false);
    const entries = await client.readdir(path);
    entries.sort((a, b) => (b.isDir - a.isDir) || a.name.localeCompare(b.name));
    const body = $('listing').tBodies[0];
    body.textContent = '';
    for (const e of entries) {
        const tr = document.createElement('tr');
        const to = (path === '/' ? '' : path) + '/' + e.name;
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
    $('listing').hidden = false;
    $('viewer').hidden = true;
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
    const m = /^#\/(files|view)(\/.*)?$/.exec(location.hash);
    const path = m ? decodeURIComponent(m[2] || '/') : '/';
    return { kind: m ? m[1] : 'files', path: '/' + splitPath(path).join('/') };
}

async function route() {
    if (!client) return;
    const { kind, path } = routePath();
    say('');
    crumbs(path);
    try {
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
    }
}

async function start() {
    $('files').hidden = false;
    $('login').hidden = true;
    $('logout').hidden = false;
    const exp = store.getItem('ten.expires');
    $('who').textContent = user + (exp ? ` · until ${new Date(exp * 1000).toLocaleString()}` : '');
    if (!location.hash) location.hash = '#/files/';
    await route();
}


// ---------------------------------------------------------------- events

$('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('user').value.trim();
    const status = $('login-status');
    status.textContent = 'Checking…';
    status.classList.add('busy');
    $('login-button').disabled = true;
    say('');
    try {
        const { ticket, expires } = await login(name, $('password').value);
        store.setItem('ten.ticket', ticket);
        store.setItem('ten.user', name);
        if (expires) store.setItem('ten.expires', expires);
        user = name;
        client = await attachTicket(ticket, name);
        $('password').value = '';
        status.textContent = '';
        await start();
    } catch (e) {
        status.textContent = e instanceof NinePError ? e.ename : String(e);
    } finally {
        status.classList.remove('busy');
        $('login-button').disabled = false;
    }
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
