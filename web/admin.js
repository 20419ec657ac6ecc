// Ten's administrator's pages: users and keys, for members of adm.
//
// Everything here is a file operation on the session's own namespace:
// factotum's /dev/factotum/ctl (adduser, setpass, deluser, rotate, revoke,
// and its status when read), /adm/users in fossil's users(6) format
// (id:name:leader:members) and the homes under /usr.  The pages are shown
// only to members of adm, but the servers decide: every refusal is shown
// as they word it.  Server text is set with textContent, never as HTML.

import { NinePError, OWRITE } from './ninep.js';
import { registerPane, el } from './panes.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const CTL = '/dev/factotum/ctl';
const USERS = '/adm/users';

let ctx = null;


// ------------------------------------------------------------ the files

/* /adm/users as [{ id, name, leader, members: [] }], in file order. */
export function parseUsers(text) {
    const out = [];
    for (const line of text.split('\n')) {
        if (!line.trim() || line.startsWith('#')) continue;
        const [id, name, leader = '', members = ''] = line.split(':');
        out.push({ id, name, leader, members: members.split(',').filter(Boolean) });
    }
    return out;
}

export function formatUsers(users) {
    return users.map((u) => `${u.id}:${u.name}:${u.leader}:${u.members.join(',')}\n`).join('');
}

/* As ten-vfs decides it: the group's own user, its leader or a member. */
function inGroup(users, group, user) {
    const g = users.find((u) => u.name === group);
    return !!g && (g.id === user || g.leader === user || g.members.includes(user));
}

async function readUsers() {
    return parseUsers(dec.decode(await ctx.client.readFile(USERS)));
}

async function writeUsers(users) {
    await ctx.client.writeFile(USERS, enc.encode(formatUsers(users)));
}

async function ctl(line) {
    await ctx.client.at(CTL, async (fid) => {
        await ctx.client.open(fid, OWRITE);
        await ctx.client.write(fid, 0, enc.encode(line));
    }, 'factotum');
}

/* factotum's status: { logins: Map(name -> has password), keys, lifetime } */
export function parseStatus(text) {
    const st = { logins: new Map(), keys: [], lifetime: 0, rotate: 0 };
    for (const line of text.split('\n')) {
        const w = line.split(' ');
        if (w[0] === 'users') {
            for (const u of w.slice(1)) {
                const m = /^([^(]+)(\(no password\))?$/.exec(u);
                if (m) st.logins.set(m[1], !m[2]);
            }
        } else if (w[0] === 'key') {
            st.keys.push({ id: w[1], state: w[2], notBefore: +w[4], notAfter: +w[6] });
        } else if (w[0] === 'ticket-lifetime') {
            st.lifetime = +w[1];
        } else if (w[0] === 'rotate') {
            st.rotate = +w[1];
        }
    }
    return st;
}

async function readStatus() {
    return parseStatus(dec.decode(await ctx.client.readFile(CTL)));
}


// ---------------------------------------------------------------- pages

function table(head, rows, id) {
    const t = el('table', { id });
    t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { text: h })))));
    const body = el('tbody');
    for (const r of rows) body.append(el('tr', {}, ...r.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c })))));
    t.append(body);
    return t;
}

/* A form whose submit runs fn(values, say); its status line (under its
   button, where the eye is) says what it is doing and how it went. */
function form(id, title, fields, button, fn) {
    const f = el('form', { id, class: 'admin-form' }, el('h3', { text: title }));
    for (const [name, label, type] of fields) {
        f.append(el('label', {}, label + ' ', el('input', { name, type: type || 'text', required: '', autocomplete: 'off' })));
    }
    f.append(el('button', { type: 'submit', text: button }),
        el('p', { class: 'admin-status', role: 'status', 'aria-live': 'polite' }));
    if (said.form === id) status(f, said.text, said.bad);
    f.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const values = Object.fromEntries(new FormData(f).entries());
        const say = (text, bad = false) => {
            said = { form: id, text, bad };
            status(document.getElementById(id), text, bad);
        };
        f.querySelector('button').disabled = true;
        say('Working…');
        try {
            const done = await fn(values, say);
            said = { form: id, text: done, bad: false };
            await refresh();
        } catch (e) {
            say(e instanceof Error ? e.message : String(e), true);
            f.querySelector('button').disabled = false;
        }
    });
    return f;
}

let said = {};      // the last outcome, kept across a redraw

function status(f, text, bad) {
    const s = f?.querySelector('.admin-status');
    if (!s) return;
    s.textContent = text;
    s.classList.toggle('bad', bad);
}

let main = null;
let page = 'users';

async function refresh() {
    main.textContent = '';
    const nav = el('nav', { class: 'admin-nav', 'aria-label': 'administration' },
        el('a', { href: '#/admin/users', id: 'admin-users-link', text: 'Users' }),
        el('a', { href: '#/admin/keys', id: 'admin-keys-link', text: 'Keys' }));
    main.append(el('h2', { text: page === 'keys' ? 'Keys' : 'Users' }), nav);
    if (page === 'keys') await keysPage();
    else await usersPage();
}

async function usersPage() {
    const [users, status] = await Promise.all([readUsers(), readStatus()]);
    const names = new Set([...users.map((u) => u.name), ...status.logins.keys()]);
    const rows = [...names].sort().map((name) => {
        const login = !status.logins.has(name) ? 'none' : status.logins.get(name) ? 'password' : 'no password';
        const groups = users.filter((g) => g.name !== name && inGroup(users, g.name, name)).map((g) => g.name);
        return [name, users.some((u) => u.name === name) ? 'yes' : 'no', login, groups.join(', ')];
    });
    main.append(table(['User', 'In /adm/users', 'Login', 'Groups'], rows, 'admin-users'));
    main.append(
        form('admin-add', 'Add a user', [['name', 'Name'], ['password', 'Password', 'password']], 'Add user', addUser),
        form('admin-pass', 'Reset a password', [['name', 'User'], ['password', 'New password', 'password']], 'Reset password',
            async ({ name, password }) => { await ctl(`setpass ${name} ${password}`); return `${name}'s password is reset.`; }),
        form('admin-group', 'Add to a group', [['name', 'User'], ['group', 'Group']], 'Add to group',
            ({ name, group }) => regroup(name, group, true)),
        form('admin-ungroup', 'Remove from a group', [['name', 'User'], ['group', 'Group']], 'Remove from group',
            ({ name, group }) => regroup(name, group, false)),
        form('admin-remove', 'Remove a user', [['name', 'User']], 'Remove user', removeUser));
}

/* One step, then the next: factotum, /adm/users, the home and its tmp,
   their owner; each said as it is done, the failing one named. */
async function addUser({ name, password }, say) {
    const home = `/usr/${name}`;
    const steps = [
        ['factotum adduser', () => ctl(`adduser ${name}`)],
        ['password', () => ctl(`setpass ${name} ${password}`)],
        ['/adm/users', async () => {
            const users = await readUsers();
            if (!users.some((u) => u.name === name)) users.push({ id: name, name, leader: '', members: [] });
            await writeUsers(users);
        }],
        [`${home} and ${home}/tmp`, async () => {
            await ctx.client.mkdir(home, 0o755);
            await ctx.client.mkdir(`${home}/tmp`, 0o700);
        }],
        // the inner one first: once the home is theirs, adm may not write in it
        ['owner', async () => {
            for (const p of [`${home}/tmp`, home]) {
                await ctx.client.at(p, (fid) => ctx.client.wstat(fid, { uid: name }), 'wstat');
            }
        }],
    ];
    const done = [];
    for (const [what, step] of steps) {
        say(`${done.length ? done.join(', ') + ' done; ' : ''}${what}…`);
        try {
            await step();
        } catch (e) {
            throw new Error(`${what}: ${e instanceof NinePError ? e.ename : e.message}`
                + (done.length ? ` (done before it: ${done.join(', ')})` : ''));
        }
        done.push(what);
    }
    return `${name} is added: ${done.join(', ')}.`;
}

async function regroup(name, group, add) {
    const users = await readUsers();
    const g = users.find((u) => u.name === group);
    if (!g) throw new Error(`no group ${group} in /adm/users`);
    if (!users.some((u) => u.name === name)) throw new Error(`no user ${name} in /adm/users`);
    g.members = add ? [...new Set([...g.members, name])] : g.members.filter((m) => m !== name);
    await writeUsers(users);
    return `${name} is ${add ? 'in' : 'out of'} ${group}.`;
}

/* factotum's deluser ends the login and every ticket; the line goes from
   /adm/users and from its groups; the home stays. */
async function removeUser({ name }) {
    await ctl(`deluser ${name}`);
    const users = (await readUsers()).filter((u) => u.name !== name);
    for (const u of users) u.members = u.members.filter((m) => m !== name);
    await writeUsers(users);
    return `${name} is removed; /usr/${name} is kept.`;
}

async function keysPage() {
    const status = await readStatus();
    const date = (t) => new Date(t * 1000).toLocaleString();
    main.append(table(['Key', 'State', 'Signs from', 'Valid until'],
        status.keys.map((k) => [k.id, k.state, date(k.notBefore), date(k.notAfter)]), 'admin-keys'));
    main.append(el('p', { text: `Tickets live ${Math.round(status.lifetime / 3600)} h; `
        + `a signing key is used for ${Math.round(status.rotate / 3600)} h, then replaced.` }));
    main.append(
        form('admin-rotate', 'Rotate the signing key', [], 'Rotate now',
            async () => { await ctl('rotate'); return 'A new signing key is current.'; }),
        form('admin-revoke', "Revoke a user's tickets", [['name', 'User']], 'Revoke tickets',
            async ({ name }) => { await ctl(`revoke ${name}`); return `${name}'s tickets are revoked.`; }));
}


// ----------------------------------------------------------------- pane

registerPane('admin', {
    label: 'Admin',
    async visible(context) {
        ctx = context;
        return inGroup(await readUsers(), 'adm', context.user);
    },
    async show(element, context) {
        ctx = context;
        main = element;
        page = context.path === '/keys' ? 'keys' : 'users';
        said = {};
        let admin = false;
        try {
            admin = inGroup(await readUsers(), 'adm', context.user);
        } catch {
            /* unreadable: not for this user */
        }
        if (!admin) {
            main.textContent = '';
            main.append(el('p', { id: 'admin-refused', text: 'You are not an administrator: these pages are for members of adm.' }));
            return;
        }
        await refresh();
    },
});
