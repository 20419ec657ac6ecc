#!/bin/sh
# Ten: the POSIX workload of t/100-v9fs.t, run by the guest on a 9P mount.
# Each step prints "STEP <target> <name> ok|FAIL <detail>"; values the
# host checks against ten-vfs's root are printed as "VALUE <target> <name>
# <value>".
t=$1
d=$2
who=$3      # owner: the files are the user's; none: Plan 9's none owns
            # nothing it may chmod or set times on (it gets "other" bits)
umask 000

step() {    # step NAME COMMAND...: ok if the command succeeds
    name=$1; shift
    if out=$("$@" 2>&1); then echo "STEP $t $name ok"; else echo "STEP $t $name FAIL $out" | head -c 300; echo; fi
}
value() { echo "VALUE $t $1 $2"; }
expect() {  # expect NAME WANT GOT
    if [ "$2" = "$3" ]; then echo "STEP $t $1 ok"; else echo "STEP $t $1 FAIL want '$2' got '$3'"; fi
}

step mkdir mkdir -p "$d"
cd "$d" || { echo "STEP $t cd FAIL"; exit 0; }

step create sh -c 'echo hello > a'
expect read hello "$(cat a)"
step append sh -c 'echo more >> a'
expect appended "hello
more" "$(cat a)"
step truncate-open sh -c ': > a'
expect truncated 0 "$(stat -c %s a)"
printf 'abcdefgh' > b
step truncate truncate -s 3 b
expect truncated-to-3 abc "$(cat b)"
step rename mv b c
expect renamed "b:no c:yes" "b:$([ -e b ] && echo yes || echo no) c:$([ -e c ] && echo yes || echo no)"
# refuse NAME COMMAND...: must fail with "Operation not permitted" (EPERM)
refuse() {
    name=$1; shift
    out=$("$@" 2>&1) && { echo "STEP $t $name FAIL succeeded"; return; }
    case "$out" in
    *"Operation not permitted"*) echo "STEP $t $name ok" ;;
    *) echo "STEP $t $name FAIL $out" ;;
    esac
}

if [ "$who" = owner ]; then
    step chmod chmod 640 c
    expect mode 640 "$(stat -c %a c)"
else
    refuse chmod-by-none chmod 640 c
fi
step mkdir-sub mkdir sub
step rmdir-sub rmdir sub
expect rmdir-gone no "$( [ -d sub ] && echo yes || echo no)"

dd if=/dev/urandom of=big bs=65536 count=64 2>/dev/null
expect big-size 4194304 "$(stat -c %s big)"
value big-md5 "$(md5sum big | cut -d' ' -f1)"
cp big big2
expect big-copy "$(md5sum big | cut -d' ' -f1)" "$(md5sum big2 | cut -d' ' -f1)"

mkdir small
i=1; while [ $i -le 200 ]; do echo "file $i" > small/s$i; i=$((i + 1)); done
expect small-count 200 "$(ls small | wc -l)"
value small-sum "$(cat small/s1 small/s100 small/s200 | md5sum | cut -d' ' -f1)"

mkdir many
i=1; while [ $i -le 600 ]; do : > many/entry-with-a-longish-name-$i; i=$((i + 1)); done
expect many-count 600 "$(ls many | wc -l)"
expect many-count-find 600 "$(find many -type f | wc -l)"

# two writers at once, each its own file, and two appending to one
( i=0; while [ $i -lt 200 ]; do echo "w1 $i" >> w1; i=$((i + 1)); done ) &
( i=0; while [ $i -lt 200 ]; do echo "w2 $i" >> w2; i=$((i + 1)); done ) &
( i=0; while [ $i -lt 100 ]; do echo "x $i" >> shared; i=$((i + 1)); done ) &
( i=0; while [ $i -lt 100 ]; do echo "y $i" >> shared; i=$((i + 1)); done ) &
wait
expect writers "200 200" "$(wc -l < w1) $(wc -l < w2)"
# two processes appending to one file: 9P2000 has no append offset, so
# Linux writes at the size it last knew and some lines are lost; only
# counted, not checked (DMAPPEND files would append on the server)
value appended-lines "$(wc -l < shared)"
value w1-md5 "$(md5sum w1 | cut -d' ' -f1)"

if [ "$who" = owner ]; then
    step touch-d touch -d "2020-01-02 03:04:05" c
    value c-mtime "$(stat -c %Y c)"
    expect touch-d-mtime "$(date -d '2020-01-02 03:04:05' +%s)" "$(stat -c %Y c)"
    step cp-p cp -p c c-copy
    expect cp-p-mtime "$(stat -c %Y c)" "$(stat -c %Y c-copy)"
else
    refuse touch-d-by-none touch -d "2020-01-02 03:04:05" c
    step touch-now touch c
    cp c c-copy
fi

step rm-r rm -r many small
expect rm-r-gone no "$( [ -e many ] || [ -e small ] && echo yes || echo no)"
expect ls-after "a big big2 c c-copy shared w1 w2" "$(ls | tr '\n' ' ' | sed 's/ $//')"
echo "WORKLOAD $t done"
