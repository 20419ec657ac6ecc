// Records a passkey registration and an assertion from Chromium's virtual
// authenticator (CTAP2, internal, resident keys, user verification) at
// http://localhost:PORT, for t/unit/test_webauthn.c.  Run once; the
// output is checked in as vectors.txt:
//   node t/unit/webauthn/record.mjs > t/unit/webauthn/es256.txt
//   ALG=-8 node t/unit/webauthn/record.mjs > t/unit/webauthn/ed25519.txt

import http from 'node:http';
import { chromium } from 'playwright-core';

const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>record</title>');
});
await new Promise((ok) => server.listen(0, 'localhost', ok));
const origin = `http://localhost:${server.address().port}`;

const browser = await chromium.launch({
    executablePath: process.env.TEN_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
});
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('WebAuthn.enable');
await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
               hasUserVerification: true, isUserVerified: true },
});
await page.goto(origin + '/');

const alg = Number(process.env.ALG || -7);
const out = await page.evaluate(async (ALG) => {
    const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
        .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const bytes = (n, v) => new Uint8Array(n).fill(v);
    const regChallenge = bytes(32, 1), userId = bytes(16, 2), getChallenge = bytes(32, 3);
    const c = await navigator.credentials.create({ publicKey: {
        challenge: regChallenge, rp: { id: 'localhost', name: 'Ten' },
        user: { id: userId, name: 'glenda', displayName: 'glenda' },
        pubKeyCredParams: [{ type: 'public-key', alg: ALG }],
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        attestation: 'none' } });
    const a = await navigator.credentials.get({ publicKey: {
        challenge: getChallenge, rpId: 'localhost', userVerification: 'required' } });
    return {
        reg_challenge: b64u(regChallenge), userid: b64u(userId),
        credential: b64u(c.rawId),
        attestation: b64u(c.response.attestationObject),
        client_create: b64u(c.response.clientDataJSON),
        get_challenge: b64u(getChallenge),
        authdata: b64u(a.response.authenticatorData),
        client_get: b64u(a.response.clientDataJSON),
        signature: b64u(a.response.signature),
        userhandle: b64u(a.response.userHandle),
    };
}, alg);
console.log(`# recorded from Chromium's virtual authenticator by record.mjs (alg ${alg})`);
console.log(`origin ${origin}`);
console.log('rp localhost');
for (const [k, v] of Object.entries(out)) console.log(`${k} ${v}`);
await browser.close();
server.close();
