#!/usr/bin/python3
"""make test-docker: the Dockerfile and compose.yaml, checked without a
Docker engine (none runs here).

The Dockerfile's steps run for real in a bookworm tree made by Debian's
mmdebstrap (minbase, with the slim image's policy-rc.d): each FROM starts
a fresh tree, COPY copies from the build context (what git has committed,
less .dockerignore) or from an earlier stage, RUN runs under /bin/sh -c
in the tree (chroot, its own mount namespace, the machine's network).
An instruction this script does not know fails the test, so the
Dockerfile cannot drift past it.

compose.yaml is validated and resolved by Debian's docker-compose
(`docker-compose config`), and its services then run from the final
tree as compose would start them: in the order and on the conditions of
depends_on, each as its user, with its named volumes (directories here,
filled from the image at the first use, as Docker does) mounted in a
mount namespace of its own, all in one network namespace where their
service names resolve, each health check run until it passes.  Then the
test logs in as adm with the password the factotum service printed,
reads a file over WebSocket and raw 9P with the image's 9p, and starts
everything a second time on the same volumes: the keys are kept and the
password is not printed again.

Root; about three minutes (most of it apt).  Leaves its logs in
build/test-docker/.
"""

import glob
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import time

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(TOP, 'build', 'test-docker')
LOGS = os.path.join(WORK, 'logs')
NETNS = 'ten-test-docker'
BASE_IMAGE = 'debian:bookworm-slim'
PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


class Failed(Exception):
    pass


def say(*words):
    print('test-docker:', *words, flush=True)


def fail(why):
    raise Failed(why)


def sh(argv, log=None, check=True, **kw):
    """Run argv; its output goes to log (a path) or is returned."""
    if log:
        with open(log, 'ab') as f:
            r = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT,
                               **kw)
    else:
        r = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, **kw)
    if check and r.returncode != 0:
        tail = open(log).read()[-3000:] if log else r.stdout.decode()
        fail('%s: exit %d\n%s' % (' '.join(argv), r.returncode, tail))
    return r


# -- the base image -------------------------------------------------------

def make_base():
    """debian:bookworm-slim as near as mmdebstrap makes it: minbase and
    the machine's Debian sources."""
    tar = os.path.join(WORK, 'base.tar')
    sources = '/etc/apt/sources.list.d/debian.sources'
    mirror = sources if os.path.exists(sources) else 'bookworm'
    argv = ['mmdebstrap', '--mode=root', '--variant=minbase']
    valid = subprocess.run(['apt-config', 'shell', 'V',
                            'Acquire::Check-Valid-Until'],
                           stdout=subprocess.PIPE, text=True).stdout
    if 'false' in valid:
        # this machine's mirror serves a snapshot whose Release has expired
        argv.append('--aptopt=Acquire::Check-Valid-Until "false"')
    sh(argv + ['bookworm', tar, mirror], log=os.path.join(LOGS, 'mmdebstrap.log'))
    return tar


def new_tree(base_tar, name):
    root = os.path.join(WORK, 'stages', name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    sh(['tar', '-x', '-p', '-f', base_tar, '-C', root])
    # the slim image's: no service starts while a package installs
    # (mmdebstrap removes its own at the end)
    policy = os.path.join(root, 'usr/sbin/policy-rc.d')
    with open(policy, 'w') as f:
        f.write('#!/bin/sh\nexit 101\n')
    os.chmod(policy, 0o755)
    return root


# -- the build context ----------------------------------------------------

def make_context():
    """What `docker build .` sends from a clean checkout: the committed
    tree less what .dockerignore names."""
    ctx = os.path.join(WORK, 'context')
    shutil.rmtree(ctx, ignore_errors=True)
    os.makedirs(ctx)
    archive = subprocess.run(['git', '-C', TOP, 'archive', 'HEAD'],
                             stdout=subprocess.PIPE, check=True).stdout
    subprocess.run(['tar', '-x', '-C', ctx], input=archive, check=True)
    for line in open(os.path.join(TOP, '.dockerignore')):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        for p in glob.glob(os.path.join(ctx, line)):
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.remove(p)
    return ctx


# -- the Dockerfile -------------------------------------------------------

def instructions(path):
    """(line number, INSTRUCTION, arguments), continuation lines joined."""
    out, text, start = [], '', 0
    for n, line in enumerate(open(path), 1):
        line = line.rstrip('\n')
        if not text and (not line.strip() or line.lstrip().startswith('#')):
            continue
        if not text:
            start = n
        if line.endswith('\\'):
            text += line[:-1] + ' '
            continue
        text += line
        word, _, rest = text.strip().partition(' ')
        out.append((start, word.upper(), rest.strip()))
        text = ''
    return out


def copy_into(sources, dest):
    """Docker's COPY: a directory's contents, or files; dest a directory
    when it ends in / or there are several sources."""
    if not sources:
        fail('COPY: nothing matches')
    into_dir = dest.endswith('/') or len(sources) > 1
    for src in sources:
        if os.path.isdir(src):
            os.makedirs(dest, exist_ok=True)
            sh(['cp', '-a', src + '/.', dest])
        else:
            target = os.path.join(dest, os.path.basename(src)) if into_dir \
                else dest
            os.makedirs(os.path.dirname(target.rstrip('/')), exist_ok=True)
            shutil.copy2(src, target)


def run_step(root, workdir, command, log):
    """RUN: /bin/sh -c in the tree, with /dev, /proc and the machine's
    resolver, in a mount namespace that ends with it."""
    shutil.copy('/etc/resolv.conf', os.path.join(root, 'etc/resolv.conf'))
    inner = ('mount --rbind /dev "$1/dev" && mount -t proc proc "$1/proc" '
             '&& exec chroot "$1" /bin/sh -c \'cd "$1" && exec /bin/sh -c '
             '"$2"\' sh "$2" "$3"')
    sh(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', inner,
        'sh', root, workdir, command],
       log=log, env={'PATH': PATH, 'HOME': '/root',
                     'DEBIAN_FRONTEND': 'noninteractive'})


def build(dockerfile, ctx, base_tar):
    """Every stage of the Dockerfile; returns the final one's tree and its
    CMD."""
    stages, root, workdir, cmd = {}, None, '/', None
    for n, word, args in instructions(dockerfile):
        where = 'Dockerfile:%d %s' % (n, word)
        if word == 'FROM':
            parts = args.split()
            if parts[0] != BASE_IMAGE:
                fail('%s: only %s can be made here' % (where, BASE_IMAGE))
            name = parts[2] if len(parts) == 3 and parts[1].upper() == 'AS' \
                else 'stage%d' % len(stages)
            root, workdir, cmd = new_tree(base_tar, name), '/', None
            stages[name] = root
            say('%s: a fresh %s tree' % (where, BASE_IMAGE))
        elif word == 'WORKDIR':
            workdir = os.path.join(workdir, args)
            os.makedirs(root + workdir, exist_ok=True)
        elif word == 'COPY':
            parts = args.split()
            origin = ctx
            if parts[0].startswith('--from='):
                origin = stages[parts.pop(0)[len('--from='):]]
            *srcs, dest = parts
            dest = os.path.join(workdir, dest)
            found = sorted(p for s in srcs
                           for p in glob.glob(os.path.join(origin,
                                                           s.lstrip('/'))))
            copy_into(found, root + dest)
        elif word == 'RUN':
            say('%s: %s' % (where, ' '.join(args.split())[:100]))
            run_step(root, workdir, args,
                     os.path.join(LOGS, 'build-line%d.log' % n))
        elif word == 'CMD':
            cmd = yaml.safe_load(args)
        elif word == 'EXPOSE':
            pass
        else:
            fail('%s: not known to this test; teach tools/test-docker.py'
                 % where)
    return root, cmd


# -- compose.yaml ---------------------------------------------------------

def compose_config():
    r = subprocess.run(['docker-compose', '-f',
                        os.path.join(TOP, 'compose.yaml'), 'config'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, cwd=TOP)
    if r.returncode != 0:
        fail('docker-compose config: ' + r.stderr)
    return yaml.safe_load(r.stdout)


class Containers:
    """compose's services as processes in one network namespace, each with
    its volumes mounted in a mount namespace of its own."""

    def __init__(self, root, cfg):
        self.root, self.cfg, self.procs = root, cfg, {}
        self.volumes = os.path.join(WORK, 'volumes')

    def network_up(self):
        self.network_down()
        sh(['ip', 'netns', 'add', NETNS])
        sh(['ip', '-n', NETNS, 'link', 'set', 'lo', 'up'])
        # compose's DNS: every service by its name
        with open(os.path.join(self.root, 'etc/hosts'), 'w') as f:
            f.write('127.0.0.1 localhost %s\n' % ' '.join(self.cfg['services']))

    def network_down(self):
        pids = subprocess.run(['ip', 'netns', 'pids', NETNS],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        subprocess.run(['ip', 'netns', 'del', NETNS], stderr=subprocess.DEVNULL)
        self.procs = {}

    def volume(self, name, path):
        """A named volume: empty, it is filled from the image's path."""
        d = os.path.join(self.volumes, name)
        if not os.path.isdir(d):
            os.makedirs(d)
            image = self.root + path
            if os.path.isdir(image):
                sh(['cp', '-a', image + '/.', d])
                st = os.stat(image)
                os.chown(d, st.st_uid, st.st_gid)
                os.chmod(d, st.st_mode & 0o7777)
        return d

    def argv(self, svc, command):
        s = self.cfg['services'][svc]
        mounts = []
        for v in s.get('volumes', []):
            if isinstance(v, str):
                name, path, *mode = v.split(':')
                v = {'source': name, 'target': path,
                     'read_only': mode == ['ro']}
            d = self.volume(v['source'], v['target'])
            t = self.root + v['target']
            mounts.append('mount --bind %s %s' % (shlex.quote(d), shlex.quote(t)))
            if v.get('read_only'):
                mounts.append('mount -o remount,bind,ro %s' % shlex.quote(t))
        mounts.append('mount -t proc proc %s' % shlex.quote(self.root + '/proc'))
        user = ['setpriv', '--reuid', s['user'], '--regid', s['user'],
                '--init-groups'] if 'user' in s else []
        inner = ' && '.join(mounts) + ' && exec chroot %s %s' % (
            shlex.quote(self.root), ' '.join(map(shlex.quote, user + command)))
        return ['ip', 'netns', 'exec', NETNS, 'unshare', '--mount',
                '--propagation', 'private', 'sh', '-c', inner]

    def command(self, svc):
        c = self.cfg['services'][svc].get('command')
        return c if isinstance(c, list) else shlex.split(c)

    def start(self, svc):
        log = open(os.path.join(LOGS, svc + '.log'), 'ab')
        self.procs[svc] = subprocess.Popen(
            self.argv(svc, self.command(svc)), stdout=log,
            stderr=subprocess.STDOUT, env={'PATH': PATH})

    def exec(self, svc, command, stdin=None, timeout=10):
        """docker compose exec: a command in the service's container."""
        return subprocess.run(self.argv(svc, command), input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout, env={'PATH': PATH})

    def healthy(self, svc):
        test = self.cfg['services'][svc]['healthcheck']['test']
        if test[0] != 'CMD':
            fail('%s: a health check of the form %s' % (svc, test[0]))
        for _ in range(60):
            if self.procs[svc].poll() is not None:
                fail('%s exited (%d) before it was healthy: %s' % (
                    svc, self.procs[svc].returncode, self.log(svc)[-2000:]))
            try:
                if self.exec(svc, test[1:], timeout=5).returncode == 0:
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.5)
        fail('%s: its health check never passed: %s' % (svc, self.log(svc)))

    def completed(self, svc):
        rc = self.procs[svc].wait(timeout=60)
        if rc != 0:
            fail('%s exited %d: %s' % (svc, rc, self.log(svc)))

    def log(self, svc):
        return open(os.path.join(LOGS, svc + '.log')).read()

    def up(self):
        """Every service, each once what it depends on is as it asks."""
        todo = list(self.cfg['services'])
        while todo:
            ready = [s for s in todo
                     if all(d in self.procs for d in
                            self.cfg['services'][s].get('depends_on', {}))]
            if not ready:
                fail('depends_on has a circle among ' + ', '.join(todo))
            for svc in ready:
                for dep, how in self.cfg['services'][svc].get(
                        'depends_on', {}).items():
                    cond = how.get('condition', 'service_started')
                    if cond == 'service_completed_successfully':
                        self.completed(dep)
                    elif cond == 'service_healthy':
                        self.healthy(dep)
                self.start(svc)
                say('%s started (%s)' % (svc, ' '.join(self.command(svc))[:70]))
                todo.remove(svc)
        for svc in self.cfg['services']:
            if 'healthcheck' in self.cfg['services'][svc]:
                self.healthy(svc)
        say('every service with a health check is healthy')


# -- the checks -----------------------------------------------------------

def digest(paths):
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(open(p, 'rb').read())
    return h.hexdigest()


def check_image(root, cmd):
    keys = [p for d in ('etc/ten', 'var/lib/ten')
            for p in glob.glob(os.path.join(root, d, '**', '*.key'),
                               recursive=True)]
    if keys:
        fail('the image has keys in it: %s' % keys)
    if cmd != ['nginx', '-g', 'daemon off;']:
        fail('the image runs %s, not nginx in the foreground' % cmd)
    for p in ('usr/sbin/ten-vfs', 'usr/sbin/ten-factotum', 'usr/sbin/ten-ssr',
              'usr/sbin/ten-setup', 'usr/bin/9p',
              'usr/lib/nginx/modules/ngx_http_9p_module.so',
              'usr/lib/nginx/modules/ngx_stream_9p_module.so'):
        if not os.path.exists(os.path.join(root, p)):
            fail('the image lacks /' + p)
    say('the image has the packages, no key, and runs nginx')


def check_volumes(c):
    want = {'vfs/vfs.key': '_ten-vfs', 'factotum/factotum.key': '_ten-factotum',
            'ssr/ssr.key': '_ten-ssr', 'kernel/kernel.key': 'root'}
    passwd = {l.split(':')[2]: l.split(':')[0]
              for l in open(os.path.join(c.root, 'etc/passwd'))}
    for f, owner in want.items():
        st = os.stat(os.path.join(c.volumes, f))
        if st.st_mode & 0o7777 != 0o600 or passwd.get(str(st.st_uid)) != owner:
            fail('%s: mode %o, owner %s; want 0600 and %s' % (
                f, st.st_mode & 0o7777, passwd.get(str(st.st_uid)), owner))
    say('setup made each key in its volume, 0600, its user\'s')
    return digest(glob.glob(os.path.join(c.volumes, '*', '*.key')))


def adm_password(c):
    for line in c.log('factotum').splitlines():
        if 'first start: user adm, password ' in line:
            return line.split('password ')[1].split()[0]
    fail('the factotum service did not print adm\'s password: '
         + c.log('factotum'))


def use(c, password):
    ticket = '/tmp/adm.ticket'
    r = c.exec('nginx', ['9p', '-a', 'ws://127.0.0.1:80/9p', '-t', ticket,
                         'login', 'adm'], stdin=password + '\n')
    if r.returncode != 0:
        fail('9p login adm, with the password from the log: ' + r.stdout)
    for addr in ('ws://127.0.0.1:80/9p', 'tcp!127.0.0.1!564'):
        r = c.exec('nginx', ['9p', '-a', addr, '-t', ticket, 'read',
                             '/adm/users'])
        if r.returncode != 0 or not r.stdout.startswith('adm:'):
            fail('9p read /adm/users over %s: %s' % (addr, r.stdout))
    say('logged in as adm with the password from the log; /adm/users read '
        'over WebSocket and raw 9P')


def main():
    if os.getuid() != 0:
        fail('run it as root (mmdebstrap, chroot, namespaces)')
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(LOGS)
    cfg = compose_config()
    say('docker-compose config: compose.yaml is valid (%s)'
        % ', '.join(cfg['services']))
    base = make_base()
    say('mmdebstrap made a bookworm minbase tree')
    root, cmd = build(os.path.join(TOP, 'Dockerfile'), make_context(), base)
    check_image(root, cmd)

    c = Containers(root, cfg)
    try:
        c.network_up()
        c.up()
        keys = check_volumes(c)
        password = adm_password(c)
        use(c, password)

        say('down and up again on the same volumes')
        c.network_down()
        c.network_up()
        c.up()
        if check_volumes(c) != keys:
            fail('the second start made new keys')
        if c.log('factotum').count(password) != 1:
            fail('the second start printed adm\'s password again')
        use(c, password)
    finally:
        c.network_down()
    say('ok')


if __name__ == '__main__':
    try:
        main()
    except Failed as e:
        print('test-docker: FAILED:', e, file=sys.stderr)
        sys.exit(1)
