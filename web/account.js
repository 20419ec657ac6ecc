// Ten's account page and passkeys (WebAuthn) in the web UI.
//
// A passkey is registered with factotum on the logged-in session (its
// /dev/factotum/rpc, proto=webauthn role=register), listed and removed
// through /dev/factotum/ctl (passkeys USER, delpasskey USER ID), and used
// to log in on a bootstrap session (proto=webauthn role=login), which
// ends in the same ticket as a password login: app.js attaches with it.
// Factotum's lines carry binary values as base64url without padding; the
// browser's side is navigator.credentials.create and .get.  Whatever
// factotum refuses is shown in its own words; what the browser refuses
// (cancelled, timed out, a passkey already there) is said plainly.
// Server text is set with textContent, never as HTML.

import { NinePError, ORDWR } from './ninep.js';
import { registerPane, el } from './panes.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const RPC = '/dev/factotum/rpc';
const CTL = '/dev/factotum/ctl';
const PROTO = '/dev/factotum/proto';
const TIMEOUT = 60000;


// ------------------------------------------------------ factotum's lines

export function b64uEncode(buf) {
    const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
        s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function b64uDecode(text) {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/* "options challenge=C rp=R ... [exclude=A,B | allow=A,B]" as an object;
   the lists as arrays (empty when absent). */
export function parseOptions(line) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'options') throw new NinePError(`factotum said "${line.trim()}"`, 'passkey');
    const o = { alg: [], exclude: [], allow: [] };
    for (const w of words.slice(1)) {
        const i = w.indexOf('=');
        if (i > 0) o[w.slice(0, i)] = w.slice(i + 1);
    }
    for (const k of ['alg', 'exclude', 'allow']) {
        if (typeof o[k] === 'string') o[k] = o[k].split(',').filter(Boolean);
    }
    o.alg = o.alg.map(Number);
    if (!o.challenge || !o.rp) throw new NinePError(`factotum said "${line.trim()}"`, 'passkey');
    return o;
}

/* /ctl's "passkeys U": id= alg= created= used= counter= name=(to the end). */
export function parsePasskeys(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const m = /^id=(\S+) alg=(\S+) created=(\d+) used=(\d+) counter=(\d+) name=(.*)$/.exec(line);
        if (m) out.push({ id: m[1], alg: m[2], created: +m[3], used: +m[4], counter: +m[5], name: m[6] });
    }
    return out;
}

/* A passkey's name as factotum takes it: 1-64 bytes, no control characters. */
export function nameProblem(name) {
    if (/[\x00-\x1f\x7f]/.test(name)) return 'A passkey\'s name may not hold control characters.';
    const n = enc.encode(name).length;
    if (n > 64) return `A passkey's name is at most 64 bytes (this one is ${n}).`;
    return '';
}


// ------------------------------------------------------- the browser side

/* Why this browser cannot use passkeys here, or '' when it can. */
export function browserProblem() {
    if (!window.isSecureContext) {
        return 'Passkeys need a secure page: open Ten over https (or at http://localhost).';
    }
    if (!window.PublicKeyCredential || !navigator.credentials) {
        return 'This browser does not support passkeys.';
    }
    return '';
}

/* An rp id fits this page when it is the page's host or a domain above it. */
function rpFits(rp) {
    const host = location.hostname;
    return host === rp || host.endsWith('.' + rp);
}

/* What the browser's refusal means, said for a person (register: adding a
   passkey, else logging in with one; named: with a user name typed). */
export function passkeyMessage(e, register = false, named = true) {
    switch (e?.name) {
    case 'NotAllowedError':
        if (register) return 'The passkey request was cancelled or timed out. Nothing was changed.';
        return 'The passkey request was cancelled or timed out. You are not logged in.'
            + (named ? '' : ' (A passkey on a security key may need your user name: type it and try again.)');
    case 'InvalidStateError':
        return 'This authenticator already holds a passkey of yours for this site. Nothing was changed.';
    case 'AbortError':
        return 'The passkey request was stopped. Nothing was changed.';
    case 'NotSupportedError':
        return 'This authenticator cannot make a key of a kind the server accepts (ES256 or Ed25519).';
    case 'SecurityError':
        return `This page's address (${location.hostname}) is not allowed to use this site's passkeys.`;
    default:
        return `The passkey request failed: ${e?.message || e}`;
    }
}

/* A failure of the browser's side, worded for the page. */
export class PasskeyError extends Error {}

async function browserCall(fn, register, named = true) {
    const why = browserProblem();
    if (why) throw new PasskeyError(why);
    try {
        const cred = await fn();
        if (!cred) throw new PasskeyError('No passkey was given. Nothing was changed.');
        return cred;
    } catch (e) {
        if (e instanceof PasskeyError) throw e;
        throw new PasskeyError(passkeyMessage(e, register, named));
    }
}

function checkRp(o) {
    if (!rpFits(o.rp)) {
        const there = `${location.protocol}//${o.rp}${location.port ? `:${location.port}` : ''}/`;
        throw new PasskeyError(`Passkeys here are for ${o.rp}, but this page is at `
            + `${location.hostname}: open ${there} to use them.`);
    }
}

/* One message a write; a read of the reply. */
const say = (c, fid, line) => c.write(fid, 0, enc.encode(line));
const hear = async (c, fid) => dec.decode(await c.read(fid, 0, 8000)).trim();

/* Whether factotum offers passkeys: /dev/factotum/proto lists webauthn. */
export async function serverOffers(c) {
    try {
        return /(^|\s)webauthn(\s|$)/.test(dec.decode(await c.readFile(PROTO)));
    } catch {
        return false;
    }
}

/* A passkey login on bootstrap session c (attached as none): the done
   line's { ticket, expires }.  With a name, factotum lists that user's
   passkeys; without, the authenticator offers its discoverable ones. */
export async function passkeyLogin(c, name) {
    return c.at(RPC, async (fid) => {
        await c.open(fid, ORDWR);
        await say(c, fid, `start proto=webauthn role=login${name ? ` user=${name}` : ''}`);
        const o = parseOptions(await hear(c, fid));
        checkRp(o);
        const publicKey = {
            challenge: b64uDecode(o.challenge),
            rpId: o.rp,
            userVerification: o.uv || 'required',
            timeout: TIMEOUT,
        };
        if (o.allow.length) {
            publicKey.allowCredentials = o.allow.map((id) => ({ type: 'public-key', id: b64uDecode(id) }));
        }
        const cred = await browserCall(() => navigator.credentials.get({ publicKey }), false, !!name);
        const r = cred.response;
        const words = ['assertion', b64uEncode(cred.rawId), b64uEncode(r.authenticatorData),
            b64uEncode(r.clientDataJSON), b64uEncode(r.signature)];
        if (r.userHandle) words.push(b64uEncode(r.userHandle));
        await say(c, fid, words.join(' '));
        const line = await hear(c, fid);
        const ticket = /ticket=(\S+)/.exec(line)?.[1];
        const expires = /expires=(\d+)/.exec(line)?.[1];
        if (!ticket) throw new NinePError(`factotum said "${line}"`, 'passkey login');
        return { ticket, expires };
    }, 'passkey login');
}

/* A new passkey of user on the logged-in session c: its credential id. */
export async function passkeyRegister(c, user, name) {
    return c.at(RPC, async (fid) => {
        await c.open(fid, ORDWR);
        await say(c, fid, `start proto=webauthn role=register user=${user}`);
        const o = parseOptions(await hear(c, fid));
        checkRp(o);
        if (name) await say(c, fid, `name ${name}`);
        const publicKey = {
            challenge: b64uDecode(o.challenge),
            rp: { id: o.rp, name: 'Ten' },
            user: { id: b64uDecode(o.userid), name: o.user || user, displayName: o.user || user },
            pubKeyCredParams: (o.alg.length ? o.alg : [-7, -8]).map((alg) => ({ type: 'public-key', alg })),
            excludeCredentials: o.exclude.map((id) => ({ type: 'public-key', id: b64uDecode(id) })),
            authenticatorSelection: { residentKey: 'preferred', userVerification: o.uv || 'required' },
            attestation: 'none',
            timeout: TIMEOUT,
        };
        const cred = await browserCall(() => navigator.credentials.create({ publicKey }), true);
        await say(c, fid, `attestation ${b64uEncode(cred.response.attestationObject)} `
            + b64uEncode(cred.response.clientDataJSON));
        const line = await hear(c, fid);
        const id = /credential=(\S+)/.exec(line)?.[1];
        if (!id) throw new NinePError(`factotum said "${line}"`, 'passkey');
        return id;
    }, 'passkey');
}

/* user's passkeys, as factotum lists them to this session. */
export async function listPasskeys(c, user) {
    return c.at(CTL, async (fid) => {
        await c.open(fid, ORDWR);
        await say(c, fid, `passkeys ${user}`);
        const parts = [];
        for (let off = 0; ; ) {
            const b = await c.read(fid, off, 8000);
            if (!b.length) break;
            parts.push(b);
            off += b.length;
        }
        return parsePasskeys(dec.decode(concat(parts)));
    }, 'passkeys');
}

export async function removePasskey(c, user, id) {
    await c.at(CTL, async (fid) => {
        await c.open(fid, ORDWR);
        await say(c, fid, `delpasskey ${user} ${id}`);
    }, 'passkeys');
}

function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) { out.set(p, off); off += p.length; }
    return out;
}

/* An error's words: factotum's as it gave them, the browser's as made. */
export function words(e) {
    if (e instanceof NinePError) return e.ename;
    return e instanceof Error ? e.message : String(e);
}


// ---------------------------------------------------------------- page

const date = (t) => (t ? new Date(t * 1000).toLocaleString() : 'never');
const ALGS = { es256: 'ES256', ed25519: 'Ed25519' };

let ctx = null;
let main = null;
let said = { text: '', bad: false };    // the last outcome, kept across a redraw

function status(text, bad = false) {
    said = { text, bad };
    const s = document.getElementById('passkey-status');
    if (!s) return;
    s.textContent = text;
    s.classList.toggle('bad', bad);
}

/* A question with Cancel and a button that does it: true if confirmed. */
function confirmDialog(text, action) {
    let d = document.getElementById('confirm');
    if (!d) {
        d = el('dialog', { id: 'confirm' },
            el('form', { method: 'dialog' },
                el('p', { id: 'confirm-text' }),
                el('menu', {},
                    el('button', { id: 'confirm-cancel', value: 'cancel', text: 'Cancel' }),
                    el('button', { id: 'confirm-ok', value: 'ok' }))));
        document.body.append(d);
    }
    document.getElementById('confirm-text').textContent = text;
    document.getElementById('confirm-ok').textContent = action;
    d.returnValue = '';
    d.showModal();
    return new Promise((resolve) => {
        d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    });
}

async function refresh() {
    const { client, user } = ctx;
    main.textContent = '';
    main.append(el('h2', { text: 'Account' }),
        el('p', { id: 'account-user', text: `Logged in as ${user}.` }));
    const section = el('section', { id: 'passkeys', 'aria-labelledby': 'passkeys-title' },
        el('h3', { id: 'passkeys-title', text: 'Passkeys' }),
        el('p', { class: 'hint', text: 'A passkey logs you in without a password: your device checks '
            + 'it is you (a fingerprint, face or screen lock, or a security key).' }));
    main.append(section);

    const [offered, keys] = await Promise.all([serverOffers(client), listPasskeys(client, user)]);
    if (keys.length) {
        const body = el('tbody');
        for (const k of keys) {
            const remove = el('button', { type: 'button', class: 'passkey-remove', text: 'Remove' });
            remove.dataset.id = k.id;
            remove.setAttribute('aria-label', `Remove the passkey ${k.name}`);
            remove.addEventListener('click', () => removeOne(k, remove));
            const tr = el('tr', {},
                el('td', { class: 'passkey-name', text: k.name }),
                el('td', { text: date(k.created) }),
                el('td', { text: date(k.used) }),
                el('td', { text: ALGS[k.alg] || k.alg }),
                el('td', {}, remove));
            tr.dataset.id = k.id;
            body.append(tr);
        }
        section.append(el('table', { id: 'passkey-list' },
            el('thead', {}, el('tr', {}, ...['Name', 'Created', 'Last used', 'Type', ''].map((h) => el('th', { text: h })))),
            body));
    } else {
        section.append(el('p', { id: 'passkey-none', text: 'You have no passkeys yet.' }));
    }

    const f = el('form', { id: 'passkey-add', class: 'admin-form' },
        el('h3', { text: 'Add a passkey' }),
        el('label', {}, 'Name (optional) ',
            el('input', { id: 'passkey-name', name: 'name', maxlength: '64', autocomplete: 'off',
                placeholder: 'e.g. laptop, phone, security key' })),
        el('button', { id: 'passkey-add-button', type: 'submit', text: 'Add a passkey' }),
        el('p', { id: 'passkey-status', class: 'admin-status', role: 'status', 'aria-live': 'polite' }));
    section.append(f);
    const why = !offered ? 'Passkeys are not enabled on this server (ten-factotum runs without -R and -O).'
        : browserProblem();
    if (why) {
        f.querySelector('button').disabled = true;
        f.querySelector('input').disabled = true;
        f.append(el('p', { id: 'passkey-unavailable', class: 'hint', text: why }));
    }
    status(said.text, said.bad);
    f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        add(f);
    });
}

async function add(f) {
    const button = f.querySelector('button');
    const name = f.querySelector('input').value.trim();
    const problem = nameProblem(name);
    if (problem) return status(problem, true);
    button.disabled = true;
    status('Waiting for your authenticator…');
    try {
        await passkeyRegister(ctx.client, ctx.user, name);
        status(`Passkey "${name || 'passkey'}" added: you can log in with it now.`);
        await refresh();
    } catch (e) {
        status(words(e), true);
        button.disabled = false;
    }
}

async function removeOne(k, button) {
    if (!(await confirmDialog(`Remove the passkey "${k.name}" (added ${date(k.created)})? `
        + 'It will no longer log you in.', 'Remove passkey'))) return;
    button.disabled = true;
    try {
        await removePasskey(ctx.client, ctx.user, k.id);
        status(`Passkey "${k.name}" removed. Your authenticator may still offer it: `
            + 'delete it there too.');
        await refresh();
    } catch (e) {
        // said as factotum said it, over the list as it is now
        status(words(e), true);
        await refresh().catch(() => { button.disabled = false; });
    }
}

registerPane('account', {
    label: 'Account',
    async show(element, context) {
        ctx = context;
        main = element;
        said = { text: '', bad: false };
        await refresh();
    },
});
