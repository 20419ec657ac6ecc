// Ten's console: a command line in the web UI for Plan 9 users.
//
// Commands run here, in the browser, on the session's ninep.js connection
// -- the same namespace the file browser shows, so a bind made here is
// seen there.  Lines are split as rc(1) splits them: words at blanks,
// '...' quotes (a '' inside is one quote), # starts a comment, and
// `> file` or `>> file` sends a command's output to a file.  Errors print
// as rc prints them, the server's words last ("ls: /x: file does not
// exist").  All output is text (textContent), never HTML.

import { NinePError, OWRITE, QTDIR, DMAPPEND, DMEXCL, modeString, splitPath } from './ninep.js';
import { registerPane } from './panes.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const HISTORY_MAX = 200;


// ---------------------------------------------------------------- words

/* A line as words; an unquoted > or >> is { op } for a redirection. */
export function parseLine(line) {
    const words = [];
    let w = null;
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (ch === "'") {
            const end = closingQuote(line, i + 1);
            w = (w ?? '') + line.slice(i + 1, end).replaceAll("''", "'");
            i = end;
        } else if (ch === ' ' || ch === '\t') {
            if (w !== null) words.push(w);
            w = null;
        } else if (ch === '#' && w === null) {
            break;
        } else if (ch === '>') {
            if (w !== null) words.push(w);
            w = null;
            const op = line[i + 1] === '>' ? '>>' : '>';
            i += op.length - 1;
            words.push({ op });
        } else {
            w = (w ?? '') + ch;
        }
    }
    if (w !== null) words.push(w);
    return words;
}

function closingQuote(line, from) {
    for (let i = from; i < line.length; i++) {
        if (line[i] !== "'") continue;
        if (line[i + 1] === "'") i++;
        else return i;
    }
    throw new Error('syntax error: a quote is not closed');
}

/* The words of a command and where its output goes. */
function splitRedirect(words) {
    const i = words.findIndex((x) => typeof x === 'object');
    if (i < 0) return { argv: words, to: null };
    const rest = words.slice(i + 1);
    if (rest.length !== 1 || typeof rest[0] !== 'string') {
        throw new Error(`syntax error: ${words[i].op} needs one file name at the end`);
    }
    return { argv: words.slice(0, i), to: { op: words[i].op, path: rest[0] } };
}

/* A word as rc would need it written again (for /dev/nsctl). */
function quote(s) {
    return /^[^\s'#]+$/.test(s) ? s : `'${s.replaceAll("'", "''")}'`;
}

function options(argv, letters) {
    const flags = new Set();
    let i = 1;
    for (; i < argv.length && /^-[a-z]+$/.test(argv[i]); i++) {
        for (const f of argv[i].slice(1)) {
            if (!letters.includes(f)) throw new UsageError(argv[0]);
            flags.add(f);
        }
    }
    return { flags, args: argv.slice(i) };
}

class UsageError extends Error {
    constructor(cmd) {
        super(`usage: ${COMMANDS[cmd].usage}`);
    }
}


// ---------------------------------------------------------- the session

let ctx = null;         // from app.js: client, user, say, show
let owner = null;       // whose history and directory these are
let cwd = null;
const history = [];
let hpos = 0;
let draft = '';    // the line being typed while the history is walked
let ui = null;

function abs(path) {
    const full = path.startsWith('/') || path.startsWith('#') ? path : `${cwd}/${path}`;
    return path.startsWith('#') ? path : '/' + splitPath(full).join('/');
}

function base(path) {
    const names = splitPath(path);
    return names.length ? names[names.length - 1] : '/';
}

function parent(path) {
    const names = splitPath(path);
    names.pop();
    return '/' + names.join('/');
}

async function exists(path) {
    try {
        return await ctx.client.statPath(path);
    } catch (e) {
        if (e instanceof NinePError && /does not exist|not found|no such/i.test(e.ename)) return null;
        throw e;
    }
}

async function isDir(path) {
    const st = await exists(path);
    return !!st && (st.qid.type & QTDIR) !== 0;
}


// ------------------------------------------------------------- commands

/* Each command: (argv, out, err) => Promise; out(text) adds to its output,
   err(text) says what went wrong (on the screen even when out is a file). */
const COMMANDS = {
    help: { usage: 'help', run: help, about: 'this list' },
    clear: { usage: 'clear', run: clear, about: 'clear the screen' },
    pwd: { usage: 'pwd', run: async (argv, out) => out(cwd + '\n'), about: 'the current directory' },
    cd: { usage: 'cd [dir]', run: cd, about: 'change the current directory (default: your home)' },
    ls: { usage: 'ls [-ld] [path ...]', run: ls, about: 'list; -l long form, -d the directory itself' },
    cat: { usage: 'cat file ...', run: cat, about: 'print files' },
    echo: { usage: 'echo [word ...] [> file | >> file]', run: async (argv, out) => out(argv.slice(1).join(' ') + '\n'), about: 'print words' },
    cp: { usage: 'cp file ... target', run: cp, about: 'copy files' },
    mv: { usage: 'mv from to', run: mv, about: 'move or rename' },
    rm: { usage: 'rm [-r] path ...', run: rm, about: 'remove; -r what directories hold too' },
    mkdir: { usage: 'mkdir [-p] dir ...', run: mkdir, about: 'make directories; -p with their parents' },
    touch: { usage: 'touch file ...', run: touch, about: 'make empty files, or set the time to now' },
    chmod: { usage: 'chmod mode file ...', run: chmod, about: 'octal, or [ugoa][+-=][rwxal]' },
    chgrp: { usage: 'chgrp group file ...', run: chgrp, about: 'change the group' },
    ns: { usage: 'ns', run: async (argv, out) => out(await readText('/dev/ns')), about: 'the namespace' },
    bind: { usage: 'bind [-abc] new old', run: nsctl, about: 'put new at old in the namespace' },
    mount: { usage: 'mount [-abc] service old [spec]', run: nsctl, about: 'put a service at old' },
    unmount: { usage: 'unmount [new] old', run: nsctl, about: 'take it away again' },
};

async function help(argv, out) {
    for (const c of Object.values(COMMANDS)) out(`${c.usage.padEnd(34)} ${c.about}\n`);
    out("Quote with '...'; Tab completes paths; ↑ and ↓ walk the history.\n");
}

async function clear() {
    ui.out.textContent = '';
}

async function readText(path) {
    const text = dec.decode(await ctx.client.readFile(path));
    return text === '' || text.endsWith('\n') ? text : text + '\n';
}

async function cd(argv) {
    if (argv.length > 2) throw new UsageError('cd');
    const to = argv[1] ? abs(argv[1]) : await home();
    if (!(await isDir(to))) {
        throw new NinePError((await exists(to)) ? 'not a directory' : 'file does not exist', '', to);
    }
    cwd = to;
}

async function home() {
    const h = `/usr/${ctx.user}`;
    return (await isDir(h)) ? h : '/';
}

async function ls(argv, out, err) {
    const { flags, args } = options(argv, 'ld');
    const rows = [];
    let failed = false;
    for (const p of args.length ? args : [null]) {
        try {
            const path = abs(p ?? '.');
            const st = await ctx.client.statPath(path);
            if ((st.qid.type & QTDIR) && !flags.has('d')) {
                const entries = await ctx.client.readdir(path);
                entries.sort((a, b) => a.name.localeCompare(b.name));
                for (const e of entries) rows.push([e, p === null ? e.name : join(p, e.name)]);
            } else {
                rows.push([st, p ?? '.']);
            }
        } catch (e) {
            failed = true;
            err(errorText('ls', e, p));
        }
    }
    out(lsLines(rows, flags.has('l')));
    if (failed) throw new Silent();
}

function join(dir, name) {
    return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/* As Plan 9's ls -l: mode, device, user, group and size in columns as
   wide as the listing needs, the time, the name. */
function lsLines(rows, long) {
    if (!long) return rows.map(([, name]) => name + '\n').join('');
    const width = (f) => Math.max(0, ...rows.map(([st]) => String(f(st)).length));
    const w = [width((st) => st.dev), width((st) => st.uid), width((st) => st.gid), width((st) => st.length)];
    return rows.map(([st, name]) => [
        modeString(st.mode), 'M', String(st.dev).padStart(w[0]), st.uid.padEnd(w[1]), st.gid.padEnd(w[2]),
        String(st.length).padStart(w[3]), lsTime(st.mtime), name,
    ].join(' ') + '\n').join('');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/* "Dec  3 16:24", or "Dec  3  2025" for more than half a year away. */
export function lsTime(secs, now = Date.now() / 1000) {
    const t = new Date(secs * 1000);
    const two = (n) => String(n).padStart(2, '0');
    const when = Math.abs(now - secs) > 183 * 86400
        ? String(t.getFullYear()).padStart(5) : `${two(t.getHours())}:${two(t.getMinutes())}`;
    return `${MONTHS[t.getMonth()]} ${String(t.getDate()).padStart(2)} ${when}`;
}

/* Each argument in turn, as Plan 9's commands do: an error is printed
   and the next argument tried; the line fails at the end. */
async function each(cmd, args, err, fn) {
    let failed = false;
    for (const p of args) {
        try {
            await fn(p);
        } catch (e) {
            failed = true;
            err(errorText(cmd, e, abs(p)));
        }
    }
    if (failed) throw new Silent();
}

async function cat(argv, out, err) {
    if (argv.length < 2) throw new UsageError('cat');
    await each('cat', argv.slice(1), err, async (p) => out(dec.decode(await ctx.client.readFile(abs(p)))));
}

async function cp(argv) {
    if (argv.length < 3) throw new UsageError('cp');
    const target = abs(argv[argv.length - 1]);
    const intoDir = await isDir(target);
    if (argv.length > 3 && !intoDir) throw new NinePError('not a directory', '', target);
    for (const p of argv.slice(1, -1)) {
        const from = abs(p);
        const to = intoDir ? join(target, base(from)) : target;
        await ctx.client.writeFile(to, await ctx.client.readFile(from), { perm: 0o664 });
    }
}

/* Within a directory a wstat renames (replacing the target, as mv(1));
   across directories a file is copied and removed. */
async function mv(argv) {
    if (argv.length !== 3) throw new UsageError('mv');
    const from = abs(argv[1]);
    let to = abs(argv[2]);
    if (await isDir(to)) to = join(to, base(from));
    if (from === to) return;
    const st = await ctx.client.statPath(from);
    if (parent(from) === parent(to)) {
        if (await exists(to)) await ctx.client.removePath(to);
        return ctx.client.rename(from, base(to));
    }
    if (st.qid.type & QTDIR) throw new NinePError('a directory moves only within its directory', '', from);
    await ctx.client.writeFile(to, await ctx.client.readFile(from), { perm: st.mode & 0o777 });
    await ctx.client.removePath(from);
}

async function rm(argv, out, err) {
    const { flags, args } = options(argv, 'r');
    if (!args.length) throw new UsageError('rm');
    await each('rm', args, err, (p) => remove(abs(p), flags.has('r')));
}

async function remove(path, recursive) {
    if (recursive && (await isDir(path))) {
        for (const e of await ctx.client.readdir(path)) await remove(join(path, e.name), true);
    }
    await ctx.client.removePath(path);
}

async function mkdir(argv, out, err) {
    const { flags, args } = options(argv, 'p');
    if (!args.length) throw new UsageError('mkdir');
    await each('mkdir', args, err, (p) => makeDir(abs(p), flags.has('p')));
}

async function makeDir(path, parents) {
    if (parents) {
        const st = await exists(path);
        if (st) {
            if (st.qid.type & QTDIR) return;
            throw new NinePError('not a directory', '', path);
        }
        if (parent(path) !== path) await makeDir(parent(path), true);
    }
    await ctx.client.mkdir(path, 0o777);
}

async function touch(argv, out, err) {
    if (argv.length < 2) throw new UsageError('touch');
    await each('touch', argv.slice(1), err, async (p) => {
        const path = abs(p);
        if (await exists(path)) {
            await ctx.client.at(path, (fid) => ctx.client.wstat(fid, { mtime: Math.floor(Date.now() / 1000) }), 'wstat');
        } else {
            await ctx.client.at(parent(path), (fid) => ctx.client.create(fid, base(path), 0o666), 'create');
        }
    });
}

async function chmod(argv, out, err) {
    if (argv.length < 3) throw new UsageError('chmod');
    newMode(argv[1], 0);    // a bad mode is said once, not once a file
    await each('chmod', argv.slice(2), err, (p) => ctx.client.at(abs(p), async (fid) => {
        const st = await ctx.client.stat(fid);
        await ctx.client.wstat(fid, { mode: newMode(argv[1], st.mode) });
    }, 'wstat'));
}

/* chmod's mode: octal permission bits, or [ugoa]*[+-=][rwxal]+ (a:
   append only, l: exclusive use) as Plan 9's chmod(1) takes it. */
export function newMode(spec, mode) {
    if (/^[0-7]{1,3}$/.test(spec)) return ((mode & ~0o777) | parseInt(spec, 8)) >>> 0;
    const m = /^([ugoa]*)([-+=])([rwxal]+)$/.exec(spec);
    if (!m) throw new Error(`chmod: bad mode "${spec}": octal like 644, or [ugoa][+-=][rwxal] like g+w`);
    const who = m[1] === '' || m[1].includes('a') ? 'ugo' : m[1];
    let bits = 0, mask = 0;
    for (const w of who) mask |= { u: 0o700, g: 0o070, o: 0o007 }[w];
    for (const r of m[3]) {
        if (r === 'a') bits |= DMAPPEND;
        else if (r === 'l') bits |= DMEXCL;
        else bits |= { r: 0o444, w: 0o222, x: 0o111 }[r] & mask;
    }
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else mode = (mode & ~(mask | DMAPPEND | DMEXCL)) | bits;
    return mode >>> 0;
}

async function chgrp(argv, out, err) {
    if (argv.length < 3) throw new UsageError('chgrp');
    await each('chgrp', argv.slice(2), err,
        (p) => ctx.client.at(abs(p), (fid) => ctx.client.wstat(fid, { gid: argv[1] }), 'wstat'));
}

/* bind, mount and unmount: one line to /dev/nsctl, paths made absolute. */
async function nsctl(argv) {
    const { flags, args } = argv[0] === 'unmount' ? { flags: new Set(), args: argv.slice(1) } : options(argv, 'abc');
    const want = { bind: [2, 2], mount: [2, 3], unmount: [1, 2] }[argv[0]];
    if (args.length < want[0] || args.length > want[1]) throw new UsageError(argv[0]);
    const words = args.map((a, i) => (argv[0] === 'mount' && i !== 1 ? a : abs(a)));
    const line = [argv[0], ...(flags.size ? ['-' + [...flags].join('')] : []), ...words].map(quote).join(' ');
    try {
        await ctx.client.at('/dev/nsctl', async (fid) => {
            await ctx.client.open(fid, OWRITE);
            await ctx.client.write(fid, 0, enc.encode(line));
        }, argv[0]);
    } catch (e) {
        throw e instanceof NinePError ? new NinePError(e.ename) : e;
    }
}

/* ls has printed its own errors; the line only fails. */
class Silent extends Error {}

function errorText(cmd, e, arg) {
    if (!(e instanceof NinePError)) return `${cmd}: ${e.message}\n`;
    const where = e.path || arg;
    // the kernel's nsctl errors name their command already
    const ename = !where && e.ename.startsWith(`${cmd}: `) ? e.ename.slice(cmd.length + 2) : e.ename;
    return `${cmd}: ${where ? where + ': ' : ''}${ename}\n`;
}


// ------------------------------------------------------------ a line run

async function runLine(line, out, err) {
    const words = parseLine(line);
    if (!words.length) return;
    const { argv, to } = splitRedirect(words);
    const cmd = COMMANDS[argv[0]];
    if (!cmd) throw new Error(`${argv[0]}: unknown command (help lists them)`);
    if (!to) return cmd.run(argv, out, err);
    let text = '';
    let failed = null;
    try {
        await cmd.run(argv, (t) => { text += t; }, err);
    } catch (e) {
        if (!(e instanceof Silent)) throw e;
        failed = e;     // what did work still goes to the file
    }
    await writeOut(abs(to.path), text, to.op === '>>');
    if (failed) throw failed;
}

/* > makes or truncates the file; >> writes at its end. */
async function writeOut(path, text, append) {
    const st = append ? await exists(path) : null;
    if (!st) return ctx.client.writeFile(path, enc.encode(text), { perm: 0o664 });
    await ctx.client.at(path, async (fid) => {
        const { iounit } = await ctx.client.open(fid, OWRITE);
        const bytes = enc.encode(text);
        const n = ctx.client.iosize(iounit);
        for (let off = 0; off < bytes.length; off += n) {
            await ctx.client.write(fid, st.length + off, bytes.subarray(off, off + n));
        }
    }, 'write');
}

async function submit(line) {
    ui.input.value = '';
    if (line.trim()) {
        if (history[history.length - 1] !== line) history.push(line);
        if (history.length > HISTORY_MAX) history.shift();
    }
    hpos = history.length;
    print(`${prompt()}${line}\n`, 'echo');
    ui.input.disabled = true;
    ui.form.setAttribute('aria-busy', 'true');
    try {
        await runLine(line, (t) => print(t), (t) => print(t, 'error'));
    } catch (e) {
        if (!(e instanceof Silent)) {
            const name = parseSafe(line);
            print(e instanceof NinePError ? errorText(name, e) : `${e.message}\n`, 'error');
        }
    } finally {
        ui.input.disabled = false;
        ui.form.removeAttribute('aria-busy');
        ui.prompt.textContent = prompt();
        ui.input.focus();
    }
}

function parseSafe(line) {
    try {
        return parseLine(line)[0] ?? '';
    } catch {
        return '';
    }
}

function prompt() {
    return `${cwd}% `;
}

function print(text, cls) {
    if (!text) return;
    const span = document.createElement('span');
    if (cls) span.className = cls;
    span.textContent = text;
    ui.out.append(span);
    ui.out.scrollTop = ui.out.scrollHeight;
}


// --------------------------------------------------------- the keyboard

function onKey(ev) {
    if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
        ev.preventDefault();
        if (hpos === history.length) draft = ui.input.value;
        hpos = Math.max(0, Math.min(history.length, hpos + (ev.key === 'ArrowUp' ? -1 : 1)));
        ui.input.value = hpos < history.length ? history[hpos] : draft;
    } else if (ev.key === 'Tab') {
        ev.preventDefault();
        complete().catch((e) => print(`${e.message}\n`, 'error'));
    }
}

/* Where the line's last word starts and what it says, quotes taken
   away; open is true when it is inside a quote not yet closed. */
export function lastWord(line) {
    let start = 0, word = '', quoted = false, open = false;
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (open) {
            if (ch !== "'") word += ch;
            else if (line[i + 1] === "'") { word += "'"; i++; }
            else open = false;
        } else if (ch === ' ' || ch === '\t' || ch === '>') {
            start = i + 1; word = ''; quoted = false;
        } else if (ch === "'") {
            open = quoted = true;
        } else {
            word += ch;
        }
    }
    return { start, word, quoted, open };
}

/* A completed word written back: quoted when it has to be (or was), the
   quote left open when more may be typed after it. */
export function completion(word, finished, quoted) {
    if (!quoted && /^[^\s'#>]*$/.test(word)) return word;
    return `'${word.replaceAll("'", "''")}${finished ? "'" : ''}`;
}

/* The last word as a path: one match completes it, several are listed
   and their common beginning completed. */
async function complete() {
    const line = ui.input.value;
    const { start, word, quoted } = lastWord(line);
    const slash = word.lastIndexOf('/');
    const dirPart = slash < 0 ? '' : word.slice(0, slash + 1);
    const prefix = word.slice(slash + 1);
    const dir = abs(dirPart || '.');
    let entries;
    try {
        entries = await ctx.client.readdir(dir);
    } catch {
        return;
    }
    if (ui.input.value !== line) return;    // typed on meanwhile
    const hits = entries.filter((e) => e.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    if (!hits.length) return;
    let done = hits[0].name;
    for (const h of hits) while (!h.name.startsWith(done)) done = done.slice(0, -1);
    const unique = hits.length === 1;
    if (unique && hits[0].isDir) done += '/';
    ui.input.value = line.slice(0, start) + completion(dirPart + done, unique && !hits[0].isDir, quoted);
    if (!unique) print(hits.map((h) => h.name + (h.isDir ? '/' : '')).join('  ') + '\n', 'hint');
}


// ---------------------------------------------------------------- pane

function build(main) {
    main.setAttribute('aria-label', 'console');
    const out = document.createElement('pre');
    out.id = 'console-out';
    out.setAttribute('aria-live', 'polite');
    const form = document.createElement('form');
    form.id = 'console-form';
    const label = document.createElement('label');
    label.htmlFor = 'console-input';
    label.id = 'console-prompt';
    const input = document.createElement('input');
    input.id = 'console-input';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('autocapitalize', 'off');
    input.setAttribute('aria-label', 'command');
    form.append(label, input);
    main.append(out, form);
    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (!input.disabled) submit(input.value);
    });
    input.addEventListener('keydown', onKey);
    return { out, form, input, prompt: label };
}

registerPane('console', {
    label: 'Console',
    async show(main, context) {
        ctx = context;
        if (!ui) ui = build(main);
        if (owner !== ctx.user) {
            owner = ctx.user;
            cwd = null;
            history.length = 0;
            hpos = 0;
            ui.out.textContent = '';
        }
        if (cwd === null) {
            cwd = await home();
            print("Ten console: Plan 9 commands on this session's namespace. Type help.\n", 'hint');
        }
        ui.prompt.textContent = prompt();
        ui.input.focus();
    },
});
