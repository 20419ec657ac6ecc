// Ten: a 9P2000 client over WebSocket, for browsers and Node 20+.
//
// One binary WebSocket message carries one 9P message (DESIGN.md §5).
// Many requests may be in flight: each gets a free tag and a promise,
// settled by the reply with that tag.  Fids are numbers the client hands
// out and takes back on clunk or remove.  Reads and writes are cut to the
// iounit (or msize); directory reads are decoded into stat objects.  An
// AbortSignal flushes its request (flush(5)); an Rerror rejects with a
// NinePError carrying the server's words; a closed connection rejects
// every request still waiting.
//
//   import { connect } from './ninep.js';
//   const c = await connect('ws://host/9p');
//   await c.attach('glenda', '/priv/sessions/glenda/<nonce>');
//   const text = new TextDecoder().decode(await c.readFile('/lib/namespace'));

export const NOTAG = 0xffff;
export const NOFID = 0xffffffff;

export const OREAD = 0, OWRITE = 1, ORDWR = 2, OEXEC = 3;
export const OTRUNC = 0x10, ORCLOSE = 0x40;
export const DMDIR = 0x80000000, DMAPPEND = 0x40000000, DMEXCL = 0x20000000;
export const QTDIR = 0x80;

const RERROR = 107;
const T = {
    version: 100, auth: 102, attach: 104, flush: 108, walk: 110,
    open: 112, create: 114, read: 116, write: 118, clunk: 120, remove: 122,
    stat: 124, wstat: 126,
};
const NAMES = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));
const IOHDRSZ = 24;
const MAXWELEM = 16;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });


/* An Rerror, or a failure of the client itself, with the operation. */
export class NinePError extends Error {
    constructor(ename, op = '', path = '') {
        super(op ? `${op}${path ? ' ' + path : ''}: ${ename}` : ename);
        this.name = 'NinePError';
        this.ename = ename;
        this.op = op;
        this.path = path;
    }
}


// ------------------------------------------------------------ encoding

class Writer {
    constructor() { this.parts = []; this.n = 0; }
    u8(v) { return this.bytes(Uint8Array.of(v)); }
    u16(v) { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, v, true); return this.bytes(b); }
    u32(v) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return this.bytes(b); }
    u64(v) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
        return this.bytes(b);
    }
    str(s) { const b = enc.encode(s); if (b.length > 0xffff) throw new NinePError('string too long'); this.u16(b.length); return this.bytes(b); }
    bytes(b) { this.parts.push(b); this.n += b.length; return this; }
    done() {
        const out = new Uint8Array(this.n);
        let o = 0;
        for (const p of this.parts) { out.set(p, o); o += p.length; }
        return out;
    }
}

class Reader {
    constructor(b) { this.b = b; this.v = new DataView(b.buffer, b.byteOffset, b.byteLength); this.o = 0; }
    need(n) { if (this.o + n > this.b.length) throw new NinePError('malformed reply'); }
    u8() { this.need(1); return this.b[this.o++]; }
    u16() { this.need(2); const v = this.v.getUint16(this.o, true); this.o += 2; return v; }
    u32() { this.need(4); const v = this.v.getUint32(this.o, true); this.o += 4; return v; }
    u64() { this.need(8); const v = this.v.getBigUint64(this.o, true); this.o += 8; return v; }
    bytes(n) { this.need(n); const b = this.b.subarray(this.o, this.o + n); this.o += n; return b; }
    str() { return dec.decode(this.bytes(this.u16())); }
    qid() { return { type: this.u8(), version: this.u32(), path: this.u64() }; }
}

/* A stat's "don't touch" values (stat(5)): wstat changes only what is given. */
const DONTTOUCH = {
    type: 0xffff, dev: 0xffffffff,
    qid: { type: 0xff, version: 0xffffffff, path: 0xffffffffffffffffn },
    mode: 0xffffffff, atime: 0xffffffff, mtime: 0xffffffff,
    length: 0xffffffffffffffffn, name: '', uid: '', gid: '', muid: '',
};

export function packStat(st) {
    const s = { ...DONTTOUCH, ...st, qid: { ...DONTTOUCH.qid, ...(st.qid || {}) } };
    const body = new Writer().u16(s.type).u32(s.dev)
        .u8(s.qid.type).u32(s.qid.version).u64(s.qid.path)
        .u32(s.mode).u32(s.atime).u32(s.mtime).u64(s.length)
        .str(s.name).str(s.uid).str(s.gid).str(s.muid).done();
    return new Writer().u16(body.length).bytes(body).done();
}

export function unpackStat(r) {
    const size = r.u16();
    const end = r.o + size;
    const st = {
        type: r.u16(), dev: r.u32(), qid: r.qid(), mode: r.u32(),
        atime: r.u32(), mtime: r.u32(), length: r.u64(),
        name: r.str(), uid: r.str(), gid: r.str(), muid: r.str(),
    };
    if (r.o > end) throw new NinePError('malformed stat');
    r.o = end;
    st.length = Number(st.length);
    st.isDir = (st.mode & DMDIR) !== 0;
    return st;
}

/* Whole stat entries of a directory read; a partial one stays in rest. */
export function unpackDir(bytes) {
    const out = [];
    const r = new Reader(bytes);
    while (r.o + 2 <= bytes.length) {
        const size = r.v.getUint16(r.o, true);
        if (r.o + 2 + size > bytes.length) break;
        out.push(unpackStat(r));
    }
    return { entries: out, rest: bytes.subarray(r.o) };
}

function packT(type, tag, fill) {
    const w = new Writer().u8(type).u16(tag);
    fill(w);
    const body = w.done();
    return new Writer().u32(body.length + 4).bytes(body).done();
}

function unpackR(msg) {
    const r = new Reader(msg);
    const size = r.u32();
    if (size !== msg.length) throw new NinePError('malformed reply: size');
    const type = r.u8();
    const tag = r.u16();
    const m = { type, tag };
    switch (type) {
    case T.version + 1: m.msize = r.u32(); m.version = r.str(); break;
    case RERROR: m.ename = r.str(); break;
    case T.attach + 1: case T.auth + 1: m.qid = r.qid(); break;
    case T.walk + 1: m.wqid = Array.from({ length: r.u16() }, () => r.qid()); break;
    case T.open + 1: case T.create + 1: m.qid = r.qid(); m.iounit = r.u32(); break;
    case T.read + 1: m.data = r.bytes(r.u32()); break;
    case T.write + 1: m.count = r.u32(); break;
    case T.stat + 1: r.u16(); m.stat = unpackStat(r); break;
    default: break;
    }
    return m;
}


// -------------------------------------------------------------- client

export class Client {
    constructor(ws) {
        this.ws = ws;
        this.msize = 8192;
        this.pending = new Map();       // tag -> {resolve, reject, type}
        this.freeTags = [];
        this.nextTag = 0;
        this.freeFids = [];
        this.nextFid = 0;
        this.root = null;
        this.closed = null;
        ws.binaryType = 'arraybuffer';
        ws.addEventListener('message', (ev) => this.onMessage(ev.data));
        ws.addEventListener('close', (ev) => this.onClose(`connection closed (${ev.code}${ev.reason ? ' ' + ev.reason : ''})`));
        ws.addEventListener('error', () => this.onClose('connection error'));
    }

    onMessage(data) {
        let m;
        try {
            m = unpackR(new Uint8Array(data));
        } catch (e) {
            this.ws.close(1002, 'malformed 9P');
            this.onClose(e.message);
            return;
        }
        const p = this.pending.get(m.tag);
        if (!p) return;                 // a reply to a request given up
        this.pending.delete(m.tag);
        if (m.tag !== NOTAG) this.freeTags.push(m.tag);
        if (m.type === RERROR) p.reject(new NinePError(m.ename, p.op, p.path));
        else if (m.type !== p.type + 1) p.reject(new NinePError(`unexpected ${NAMES[m.type - 1] || m.type} reply`, p.op, p.path));
        else p.resolve(m);
    }

    onClose(why) {
        if (this.closed) return;
        this.closed = why;
        for (const p of this.pending.values()) p.reject(new NinePError(why, p.op, p.path));
        this.pending.clear();
    }

    tag() {
        if (this.freeTags.length) return this.freeTags.pop();
        if (this.nextTag >= NOTAG) throw new NinePError('too many requests in flight');
        return this.nextTag++;
    }

    fid() { return this.freeFids.length ? this.freeFids.pop() : this.nextFid++; }
    release(fid) { this.freeFids.push(fid); }

    /* One T-message; the reply's promise.  signal: an AbortSignal. */
    rpc(type, fill, { signal, op = NAMES[type], path = '', tag } = {}) {
        if (this.closed) return Promise.reject(new NinePError(this.closed, op, path));
        if (signal?.aborted) return Promise.reject(abortError(op, path));
        tag = tag ?? this.tag();
        const msg = packT(type, tag, fill);
        if (msg.length > this.msize && type !== T.version) {
            if (tag !== NOTAG) this.freeTags.push(tag);
            return Promise.reject(new NinePError('message larger than msize', op, path));
        }
        return new Promise((resolve, reject) => {
            const p = { resolve, reject, type, op, path };
            this.pending.set(tag, p);
            if (signal) {
                const onAbort = () => this.flush(tag, p);
                signal.addEventListener('abort', onAbort, { once: true });
                const done = () => signal.removeEventListener('abort', onAbort);
                p.resolve = (m) => { done(); resolve(m); };
                p.reject = (e) => { done(); reject(e); };
            }
            this.ws.send(msg);
        });
    }

    /*
     * flush(5): the request is given up once Rflush comes, unless its
     * reply came first (then that reply counts).
     */
    flush(oldtag, p) {
        if (this.pending.get(oldtag) !== p) return;
        this.rpc(T.flush, (w) => w.u16(oldtag), { op: 'flush' }).then(() => {
            if (this.pending.get(oldtag) === p) {
                this.pending.delete(oldtag);
                this.freeTags.push(oldtag);
                p.reject(abortError(p.op, p.path));
            }
        }, () => {});
    }

    async version(msize = 65536) {
        const m = await this.rpc(T.version, (w) => w.u32(msize).str('9P2000'), { tag: NOTAG });
        if (m.version !== '9P2000') throw new NinePError(`server speaks ${m.version}`, 'version');
        this.msize = m.msize;
        return m;
    }

    /* Attaches a new fid; the first one becomes the root of the path helpers. */
    async attach(uname, aname = '') {
        const fid = this.fid();
        try {
            const m = await this.rpc(T.attach, (w) => w.u32(fid).u32(NOFID).str(uname).str(aname), { op: 'attach' });
            if (this.root === null) this.root = fid;
            return { fid, qid: m.qid };
        } catch (e) {
            this.release(fid);
            throw e;
        }
    }

    /* Walks fid by names into a new fid (newfid given: that one). */
    async walk(fid, names, { newfid, signal, path } = {}) {
        if (names.length > MAXWELEM) throw new NinePError('too many names', 'walk', path);
        const nf = newfid ?? this.fid();
        try {
            const m = await this.rpc(T.walk, (w) => {
                w.u32(fid).u32(nf).u16(names.length);
                for (const n of names) w.str(n);
            }, { signal, op: 'walk', path });
            if (m.wqid.length !== names.length) throw new NinePError('file does not exist', 'walk', path);
            return { fid: nf, qids: m.wqid };
        } catch (e) {
            if (newfid === undefined) this.release(nf);
            throw e;
        }
    }

    async open(fid, mode = OREAD, opt = {}) {
        const m = await this.rpc(T.open, (w) => w.u32(fid).u8(mode), { op: 'open', ...opt });
        return { qid: m.qid, iounit: m.iounit };
    }

    async create(fid, name, perm, mode = OREAD, opt = {}) {
        const m = await this.rpc(T.create, (w) => w.u32(fid).str(name).u32(perm).u8(mode), { op: 'create', ...opt });
        return { qid: m.qid, iounit: m.iounit };
    }

    async read(fid, offset, count, opt = {}) {
        const m = await this.rpc(T.read, (w) => w.u32(fid).u64(offset).u32(count), { op: 'read', ...opt });
        return m.data;
    }

    async write(fid, offset, data, opt = {}) {
        const m = await this.rpc(T.write, (w) => w.u32(fid).u64(offset).u32(data.length).bytes(data), { op: 'write', ...opt });
        return m.count;
    }

    async clunk(fid) {
        try {
            await this.rpc(T.clunk, (w) => w.u32(fid), { op: 'clunk' });
        } finally {
            this.release(fid);          // clunk(5): the fid goes whatever the answer
        }
    }

    async remove(fid, opt = {}) {
        try {
            await this.rpc(T.remove, (w) => w.u32(fid), { op: 'remove', ...opt });
        } finally {
            this.release(fid);
        }
    }

    async stat(fid, opt = {}) {
        return (await this.rpc(T.stat, (w) => w.u32(fid), { op: 'stat', ...opt })).stat;
    }

    /* Changes what st gives; everything else is "don't touch". */
    async wstat(fid, st, opt = {}) {
        const b = packStat(st);
        await this.rpc(T.wstat, (w) => w.u32(fid).u16(b.length).bytes(b), { op: 'wstat', ...opt });
    }

    close() { this.ws.close(1000); this.onClose('connection closed'); }

    // ------------------------------------------------- path helpers

    iosize(iounit) { return Math.min(iounit || this.msize - IOHDRSZ, this.msize - IOHDRSZ); }

    /* A new fid at path (from the root), given to fn, clunked after. */
    async at(path, fn, op) {
        if (this.root === null) throw new NinePError('not attached', op, path);
        const names = splitPath(path);
        let fid = this.root, cloned = false;
        try {
            // walk(5): at most MAXWELEM names a message
            for (let i = 0; i === 0 || i < names.length; i += MAXWELEM) {
                const step = await this.walk(fid, names.slice(i, i + MAXWELEM), { path });
                if (cloned) await this.clunk(fid);
                fid = step.fid;
                cloned = true;
            }
        } catch (e) {
            if (cloned) await this.clunk(fid).catch(() => {});
            throw relabel(e, op, path);
        }
        let gone = false;
        try {
            return await fn(fid, () => { gone = true; });
        } catch (e) {
            throw relabel(e, op, path);
        } finally {
            if (!gone) await this.clunk(fid).catch(() => {});
        }
    }

    async readFid(fid, iounit, { signal, onProgress } = {}) {
        const chunks = [];
        let off = 0;
        for (;;) {
            const b = await this.read(fid, off, this.iosize(iounit), { signal });
            if (b.length === 0) break;
            chunks.push(b.slice());
            off += b.length;
            onProgress?.(off);
        }
        return concat(chunks, off);
    }

    readFile(path, opt = {}) {
        return this.at(path, async (fid) => {
            const { iounit } = await this.open(fid, OREAD, opt);
            return this.readFid(fid, iounit, opt);
        }, 'read');
    }

    async writeFid(fid, iounit, data, { signal, onProgress } = {}) {
        const bytes = typeof data === 'string' ? enc.encode(data) : data;
        const n = this.iosize(iounit);
        let off = 0;
        while (off < bytes.length) {
            const got = await this.write(fid, off, bytes.subarray(off, off + n), { signal });
            if (got === 0) throw new NinePError('short write', 'write');
            off += got;
            onProgress?.(off, bytes.length);
        }
        return off;
    }

    /* The file's contents become data (OTRUNC); made with perm if absent. */
    async writeFile(path, data, { perm = 0o644, ...opt } = {}) {
        try {
            return await this.at(path, async (fid) => {
                const { iounit } = await this.open(fid, OWRITE | OTRUNC, opt);
                return this.writeFid(fid, iounit, data, opt);
            }, 'write');
        } catch (e) {
            if (!(e instanceof NinePError) || !/does not exist|no such file/i.test(e.ename)) throw e;
        }
        const { dir, name } = splitLast(path);
        return this.at(dir, async (fid) => {
            const { iounit } = await this.create(fid, name, perm, OWRITE, opt);
            return this.writeFid(fid, iounit, data, opt);
        }, 'create');
    }

    /* Stat objects of a directory's entries. */
    readdir(path, opt = {}) {
        return this.at(path, async (fid) => {
            await this.open(fid, OREAD, opt);
            const out = [];
            let off = 0, rest = new Uint8Array(0);
            for (;;) {
                const b = await this.read(fid, off, this.msize - IOHDRSZ, opt);
                if (b.length === 0) break;
                off += b.length;
                const d = unpackDir(concat([rest, b], rest.length + b.length));
                out.push(...d.entries);
                rest = d.rest.slice();
            }
            if (rest.length) throw new NinePError('a directory entry cut short', 'readdir', path);
            return out;
        }, 'readdir');
    }

    statPath(path, opt = {}) { return this.at(path, (fid) => this.stat(fid, opt), 'stat'); }

    mkdir(path, perm = 0o755, opt = {}) {
        const { dir, name } = splitLast(path);
        return this.at(dir, (fid) => this.create(fid, name, perm | DMDIR, OREAD, opt), 'mkdir');
    }

    removePath(path, opt = {}) {
        return this.at(path, (fid, gone) => { gone(); return this.remove(fid, opt); }, 'remove');
    }

    /* wstat(5) renames within the directory only: newname is a name. */
    rename(path, newname, opt = {}) {
        if (newname.includes('/')) return Promise.reject(new NinePError('a new name, not a path', 'rename', path));
        return this.at(path, (fid) => this.wstat(fid, { name: newname }, opt), 'rename');
    }

    /* The permission bits; the file's type bits are kept. */
    chmod(path, mode, opt = {}) {
        return this.at(path, async (fid) => {
            const st = await this.stat(fid, opt);
            await this.wstat(fid, { mode: ((st.mode & 0xfff00000) | (mode & 0o777)) >>> 0 }, opt);
        }, 'chmod');
    }
}


/* Opens a WebSocket to url and agrees on 9P2000. */
export async function connect(url, { WebSocket: WS = globalThis.WebSocket, msize = 65536, protocols = ['9p'] } = {}) {
    if (!WS) throw new NinePError('no WebSocket implementation', 'connect', url);
    const ws = new WS(url, protocols);
    await new Promise((resolve, reject) => {
        ws.addEventListener('open', resolve, { once: true });
        ws.addEventListener('error', () => reject(new NinePError('cannot connect', 'connect', url)), { once: true });
        ws.addEventListener('close', (ev) => reject(new NinePError(`closed (${ev.code})`, 'connect', url)), { once: true });
    });
    const c = new Client(ws);
    await c.version(msize);
    return c;
}


// --------------------------------------------------------------- paths

export function splitPath(path) {
    const out = [];
    for (const n of path.split('/')) {
        if (n === '' || n === '.') continue;
        if (n === '..') out.pop();
        else out.push(n);
    }
    return out;
}

function splitLast(path) {
    const names = splitPath(path);
    if (names.length === 0) throw new NinePError('the root has no parent', 'create', path);
    const name = names.pop();
    return { dir: '/' + names.join('/'), name };
}

/* "d-rwxr-xr-x" and the like, from a 9P mode. */
export function modeString(mode) {
    const t = mode & DMDIR ? 'd' : mode & DMAPPEND ? 'a' : mode & DMEXCL ? 'l' : '-';
    let s = '';
    for (let i = 8; i >= 0; i--) s += mode & (1 << i) ? 'rwx'[(8 - i) % 3] : '-';
    return t + '-' + s;
}

function concat(chunks, n) {
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return out;
}

function abortError(op, path) {
    const e = new NinePError('interrupted', op, path);
    e.name = 'AbortError';
    return e;
}

function relabel(e, op, path) {
    if (e instanceof NinePError && e.name !== 'AbortError' && (e.op !== op || e.path !== path)) {
        const n = new NinePError(e.ename, op, path);
        return n;
    }
    return e;
}
