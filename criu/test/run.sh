#!/usr/bin/env bash
# Tests thaw's CRIU patch series (criu/patches) on this machine: builds the C test program, dumps it,
# restores it with --mmap-page-image in its own PID namespace and checks memory contents, private
# writes, MADV_DONTNEED, malloc/thread churn, image deletion, /proc/PID/smaps, stats-restore, a
# dump of a mapped process (refork) restored with its parent image deleted, (ghost-file.c) restores of
# one image at the same time when it has deleted files that stay mapped, and (file-private.c) the
# written pages of a private file mapping.
#
#   sudo criu/test/run.sh          the tests (about 30 s)
#   sudo criu/test/run.sh bench    restore time of ~500 MiB of touched memory, copy vs map
#   sudo criu/test/run.sh share    4 workers restored at once from one image, map vs copy: time, PSS
#   sudo criu/test/run.sh ghost    only check 12: concurrent restores of an image with ghost files
#   sudo criu/test/run.sh fileprivate   only check 13: written pages of a private file mapping, mapped
#
# CRIU=/path/to/criu selects the binary (default: criu on PATH). Needs root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CRIU=${CRIU:-criu}
MODE=${1:-test}
T=$(mktemp -d /var/tmp/thaw-criu-test.XXXXXX)
FAILS=0
TAILS=()
UNSHARES=()
GHOST_DIRS=()

log() { printf '%s\n' "$*"; }
pass() { log "PASS $*"; }
fail() { log "FAIL $*"; FAILS=$((FAILS + 1)); }

cleanup() {
  for p in "${UNSHARES[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${TAILS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${GHOST_DIRS[@]}"; do rm -rf "$d"; done
  if [ "${KEEP:-0}" = 1 ] || [ $FAILS != 0 ]; then log "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# stats-restore / stats-dump: an image header (two u32 magics), a u32 length, a StatsEntry.
# Prints "field=value" for the numeric fields of the restore (2) or dump (1) entry.
stats() {
  python3 - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
size, = struct.unpack_from('<I', data, 8)
msg = data[12:12 + size]
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return v, i
def fields(b):
    i, out = 0, {}
    while i < len(b):
        key, i = varint(b, i)
        if key & 7 == 0:
            out[key >> 3], i = varint(b, i)
        elif key & 7 == 2:
            n, i = varint(b, i); out[key >> 3] = b[i:i + n]; i += n
        else: raise SystemExit('unexpected wire type')
    return out
top = fields(msg)
inner = fields(top.get(2) or top.get(1))
print(' '.join('%d=%d' % kv for kv in sorted(inner.items())))
EOF
}
stat_field() { stats "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# A process under test reads commands from a pipe fed by `tail -f` of a command file.
# cmd NAME "verb args" OUTFILE -> prints the answer (waits up to 60 s).
cmd() {
  local name=$1 line=$2 out=$3 i
  rm -f "$out"
  echo "$line $out" >> "$T/cmd.$name"
  for i in $(seq 600); do [ -f "$out" ] && { cat "$out"; return 0; }; sleep 0.1; done
  echo "TIMEOUT"
}

feed() {  # feed NAME: fifo fed from cmd.NAME, prints the fifo path
  : > "$T/cmd.$1"; mkfifo "$T/fifo.$1"
  tail -s 0.02 -n +1 -f "$T/cmd.$1" > "$T/fifo.$1" &
  TAILS+=($!)
}

start_prog() {  # start_prog NAME ARG [PROGRAM]: the original process (PROGRAM ARG READYFILE, default
  local name=$1 arg=$2 bin=${3:-$T/prog} i  # $T/prog, ARG its MiB), session leader, stdin a pipe
  feed "$name"
  cat "$T/fifo.$name" | setsid "$bin" "$arg" "$T/ready.$name" > /dev/null 2>&1 &
  PROG_PID=$!; disown  # no job notice when the dump kills it
  for i in $(seq 600); do [ -f "$T/ready.$name" ] && break; sleep 0.1; done
  [ -f "$T/ready.$name" ] || { fail "test program did not start"; exit 1; }
  PIPE=$(readlink "/proc/$PROG_PID/fd/0")
}

dump() {  # dump PID DIR [opts]
  local pid=$1 dir=$2; shift 2
  mkdir -p "$dir"
  "$CRIU" dump -t "$pid" -D "$dir" -o dump.log -v4 "$@" || { fail "dump of $pid into $dir (see $dir/dump.log)"; return 1; }
  sync  # else smaps counts the image's page cache, not yet written back, as Private_Dirty
}

restore() {  # restore NAME IMGDIR [criu opts]: restored in its own PID namespace, stdin from cmd.NAME
  local name=$1 img=$2 i; shift 2
  feed "$name"
  mkdir -p "$T/work.$name"
  unshare -p -m -f --mount-proc "$CRIU" restore -D "$img" -W "$T/work.$name" -o restore.log -v4 \
    --inherit-fd "fd[0]:$PIPE" "$@" < <(cat "$T/fifo.$name") > /dev/null 2>&1 &
  UNSHARES+=($!)
  eval "UNSHARE_$name=$!"
  [ "${NOWAIT:-0}" = 1 ] || restore_wait "$name" "$img"
}

restore_wait() {  # restore_wait NAME IMGDIR: until the restore of NAME has finished
  local name=$1 img=$2 i
  for i in $(seq 300); do [ -f "$T/work.$name/stats-restore" ] && break; sleep 0.05; done
  [ -f "$T/work.$name/stats-restore" ] || { fail "restore $name from $img (see $T/work.$name/restore.log)"; return 1; }
}

host_pid() {  # host PID of the restored task NAME (unshare -> criu -> task)
  local u; u=$(eval echo "\$UNSHARE_$1")
  pgrep -P "$(pgrep -x -P "$u" criu)"
}

expect() {  # expect WHAT WANT GOT
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: want '$2', got '$3'"; fi
}

# Deleted files that stay mapped (Netty extracts its native library to /tmp, loads it and deletes it):
# CRIU dumps such a file as a ghost file and, on restore, recreates it next to the original path, links it
# to the original name, opens and maps it, and unlinks both names. thaw restores many workers of one image
# at once, all on the host's /tmp: those names must not collide (patch 0008). ROUNDS rounds of N restores
# at once (alternately mapped and copied); every copy must restore, see the files' contents and only its
# own writes, and no name may be left in the directory.
ghost_check() {
  local n=${GHOST_N:-4} rounds=${GHOST_ROUNDS:-3} gdir r i name ok=0 failed=0 left why
  gdir=$(mktemp -d /tmp/thaw-criu-ghost.XXXXXX); GHOST_DIRS+=("$gdir")
  start_prog ghost "$gdir" "$T/ghost-prog"
  dump "$PROG_PID" "$T/img-ghost" || return 0
  expect "the two deleted mapped files are dumped as ghost files" 2 "$(ls "$T"/img-ghost/ghost-file-*.img 2>/dev/null | wc -l)"
  for r in $(seq "$rounds"); do
    local opt=(); [ $((r % 2)) = 1 ] && opt=(--mmap-page-image)
    for i in $(seq "$n"); do NOWAIT=1 restore "g$r$i" "$T/img-ghost" "${opt[@]}"; done
    for i in $(seq "$n"); do  # until restored, or its criu has exited without (a failed restore)
      name=g$r$i
      for _ in $(seq 600); do
        [ -f "$T/work.$name/stats-restore" ] && break
        kill -0 "$(eval echo "\$UNSHARE_$name")" 2>/dev/null || break
        sleep 0.05
      done
      if [ -f "$T/work.$name/stats-restore" ] && [ "$(cmd "$name" verify "$T/out.$name.v")" = ok ]; then
        ok=$((ok + 1))
      else
        failed=$((failed + 1))
        why=$(cat "$T/work.$name/restore.log" "$T/out.$name.v" 2>/dev/null | grep -E 'Error|FAIL' | grep -v RLIMIT_NOFILE | head -1 || true)
        log "  restore $name ${opt[*]:-(copy)} failed: ${why:-no stats-restore, no answer}"
      fi
    done
    if [ "$r" = 1 ] && [ -f "$T/work.g12/stats-restore" ] && [ -f "$T/work.g11/stats-restore" ]; then
      cmd g11 "write 0x5eed0000" "$T/out.g11.w" > /dev/null
      expect "ghost: a restored copy sees its own write to its MAP_SHARED deleted file" ok "$(cmd g11 verify "$T/out.g11.v2")"
      expect "ghost: another copy of the same image does not see it (each has its own file)" ok "$(cmd g12 verify "$T/out.g12.v2")"
    fi
    for _ in $(seq 60); do left=$(ls -A "$gdir"); [ -z "$left" ] && break; sleep 0.05; done
    expect "ghost round $r: nothing left in the file's directory after $n restores at once" "" "$left"
    for i in $(seq "$n"); do echo exit >> "$T/cmd.g$r$i"; done
  done
  expect "ghost: $((n * rounds)) restores of an image with deleted mapped files, $n at once, each sees the files' contents" \
    "$((n * rounds)) ok" "$ok ok"
}

# Written pages of a private file mapping (the JVM's relocated CDS archive): with --mmap-page-image, runs
# of at least 16 pages are mapped from the pages image (patch 0009), smaller runs are read into the
# file's mapping, unwritten pages stay the file's. Contents, what /proc/self/maps names for each kind of
# page, private writes of two copies, MADV_DONTNEED (a known difference), a copied restore, and a
# refork of the mapped copy restored with its parent image deleted.
file_private_check() {
  local fdir sum_file sum_img ppid
  fdir=$(mktemp -d /var/tmp/thaw-criu-fp.XXXXXX); GHOST_DIRS+=("$fdir")
  if "$CRIU" check --feature mmap-page-image-file > /dev/null 2>&1; then pass "criu check --feature mmap-page-image-file"
  else fail "criu check --feature mmap-page-image-file"; fi
  start_prog fp "$fdir" "$T/fp-prog"
  dump "$PROG_PID" "$T/img-fp" || return 0
  sum_file=$(sha256sum < "$fdir/data.bin"); sum_img=$(cat "$T"/img-fp/pages-*.img | sha256sum)
  restore P "$T/img-fp" --mmap-page-image
  expect "file-private P (mapped): written and unwritten pages as dumped" ok "$(cmd P verify "$T/out.P.1")"
  expect "file-private P: the 64-page written run is mapped from the image, the 4-page run and unwritten pages stay the file's" \
    "$(basename "$(ls "$T"/img-fp/pages-*.img | head -1)") data.bin data.bin" "$(cmd P backing "$T/out.P.b")"
  if [ "$(stat_field "$T/work.P/stats-restore" 6)" -ge 64 ]; then pass "file-private P: stats count the run as mapped ($(stats "$T/work.P/stats-restore"))"
  else fail "file-private P: pages_mapped $(stat_field "$T/work.P/stats-restore" 6) < 64"; fi
  restore Q "$T/img-fp" --mmap-page-image
  cmd P "write 0x9a9a0000" "$T/out.P.w" > /dev/null
  expect "file-private P sees its own writes" ok "$(cmd P verify "$T/out.P.2")"
  expect "file-private Q (mapped, same image) does not see P's writes" ok "$(cmd Q verify "$T/out.Q.1")"
  expect "file-private: the mapped file and the image unchanged by the restored copies' writes" "$sum_file $sum_img" \
    "$(sha256sum < "$fdir/data.bin") $(cat "$T"/img-fp/pages-*.img | sha256sum)"
  restore R "$T/img-fp"
  expect "file-private R (copied): contents as dumped" ok "$(cmd R verify "$T/out.R.1")"
  expect "file-private R (copied): every page is the file's mapping" "data.bin data.bin data.bin" "$(cmd R backing "$T/out.R.b")"
  expect "file-private: MADV_DONTNEED on a mapped run reads back the image's page (known difference)" written "$(cmd Q dontneed "$T/out.Q.d")"
  expect "file-private: MADV_DONTNEED on a copied run reads back the file's page" file "$(cmd R dontneed "$T/out.R.d")"
  # Refork of P (mapped, after its own writes): the new image must not depend on the old one
  ppid=$(host_pid P)
  PIPE=$(readlink "/proc/$ppid/fd/0")
  mkdir -p "$T/img-fp2"
  if nsenter -t "$ppid" -p -m "$CRIU" dump -t "$(awk '/^NSpid/ {print $NF}' "/proc/$ppid/status")" \
       -D "$T/img-fp2" -o dump.log -v4 --leave-running; then
    rm -rf "$T/img-fp"
    restore S "$T/img-fp2" --mmap-page-image
    expect "file-private S (mapped, from a refork of P, parent image deleted) has P's memory" ok "$(cmd S verify "$T/out.S.1")"
  else
    fail "refork dump of file-private P (see $T/img-fp2/dump.log)"
  fi
  for n in P Q R S; do echo exit >> "$T/cmd.$n" 2>/dev/null || true; done
}

cc -O2 -Wall -pthread -o "$T/prog" "$HERE/mmap-page-image.c"
cc -O2 -Wall -o "$T/ghost-prog" "$HERE/ghost-file.c"
cc -O2 -Wall -o "$T/fp-prog" "$HERE/file-private.c"
log "criu: $(command -v "$CRIU") ($("$CRIU" --version | tr '\n' ' '))"

if [ "$MODE" = bench ]; then
  MIB=${MIB:-500}; RUNS=${RUNS:-3}
  start_prog orig "$MIB"
  dump "$PROG_PID" "$T/img"
  log "image: $(du -sm "$T/img" | cut -f1) MiB; restore_time (criu stats-restore), $RUNS runs each, interleaved:"
  for r in $(seq "$RUNS"); do
    for mode in copy map; do
      n=$mode$r; opt=(); [ $mode = map ] && opt=(--mmap-page-image)
      sync; restore "$n" "$T/img" "${opt[@]}"
      rt=$(stat_field "$T/work.$n/stats-restore" 4)
      ta=$(cmd "$n" "touchall" "$T/out.$n.t")
      v=$(cmd "$n" "verify" "$T/out.$n.v")
      log "  $mode run $r: restore_time $((rt / 1000)) ms, then first read of every page ${ta#ok } ms (verify: $v; stats: $(stats "$T/work.$n/stats-restore"))"
      echo exit >> "$T/cmd.$n"; wait "$(eval echo "\$UNSHARE_$n")" 2>/dev/null || true
    done
  done
  exit 0
fi

if [ "$MODE" = ghost ]; then  # only check 12
  ghost_check
  if [ $FAILS = 0 ]; then log "all tests passed"; else log "$FAILS test(s) failed"; exit 1; fi
  exit 0
fi

if [ "$MODE" = fileprivate ]; then  # only check 13
  file_private_check
  if [ $FAILS = 0 ]; then log "all tests passed"; else log "$FAILS test(s) failed"; exit 1; fi
  exit 0
fi

if [ "$MODE" = share ]; then  # N workers restored at once from one image, mapped or copied: time and PSS
  MIB=${MIB:-500}; N=${N:-4}
  start_prog orig "$MIB"
  dump "$PROG_PID" "$T/img"
  for mode in map copy; do
    opt=(); [ $mode = map ] && opt=(--mmap-page-image)
    t0=$(date +%s%N)
    for i in $(seq "$N"); do NOWAIT=1 restore "$mode$i" "$T/img" "${opt[@]}"; done
    for i in $(seq "$N"); do restore_wait "$mode$i" "$T/img"; done
    for i in $(seq "$N"); do cmd "$mode$i" touchall "$T/out.$mode$i.t" > /dev/null; done
    t1=$(date +%s%N)
    log "$N workers restored at once ($mode) and each read every page: $(( (t1 - t0) / 1000000 )) ms in all"
    for i in $(seq "$N"); do
      p=$(host_pid "$mode$i")
      log "  $mode$i: restore_time $(( $(stat_field "$T/work.$mode$i/stats-restore" 4) / 1000 )) ms; $(grep -E '^(Pss|Anonymous):' "/proc/$p/smaps_rollup" | tr -s ' \n' ' ')"
    done
    for i in $(seq "$N"); do echo exit >> "$T/cmd.$mode$i"; done; sleep 1
  done
  exit 0
fi

# 1. Feature detection
if "$CRIU" check --feature mmap-page-image > /dev/null 2>&1; then pass "criu check --feature mmap-page-image"; else fail "criu check --feature mmap-page-image"; fi
if "$CRIU" check --feature dump-mapped-page-images > /dev/null 2>&1; then pass "criu check --feature dump-mapped-page-images"; else fail "criu check --feature dump-mapped-page-images"; fi
if "$CRIU" check --feature concurrent-ghost-files > /dev/null 2>&1; then pass "criu check --feature concurrent-ghost-files"; else fail "criu check --feature concurrent-ghost-files"; fi
if "$CRIU" --version | grep -qx 'thaw-patches: .*mmap-page-image.*'; then pass "criu --version names the patches"; else fail "criu --version lacks 'thaw-patches:'"; fi

# 2. The original, dumped
start_prog orig 64
dump "$PROG_PID" "$T/img"
SUM0=$(cat "$T"/img/pages-*.img | sha256sum)

# 3. Restore mapped: contents, protections, maps, stats
restore A "$T/img" --mmap-page-image
expect "A (mapped) memory identical after restore" ok "$(cmd A verify "$T/out.A.1")"
cmd A maps "$T/maps.A" > /dev/null
read -r _ BIG < "$T/maps.A"
NMAPPED=$(grep -c 'pages-[0-9]*\.img' "$T/maps.A" || true)
BIGLINE=$(grep -m1 "^${BIG%-*}-" "$T/maps.A" || true)
if [[ "$BIGLINE" == *pages-*.img* ]]; then pass "smaps: big area is a mapping of the pages image ($NMAPPED mappings of pages-*.img in all)"; else fail "smaps: big area is '$BIGLINE'"; fi
awk -v s="${BIG%-*}" '$1 ~ "^"s"-" {p=1} p && /^(Rss|Pss|Private_Dirty|Shared_Clean|Private_Clean|Anonymous):/ {print "    " $0} p && /^VmFlags/ {exit}' "$T/maps.A"
SA=$(stats "$T/work.A/stats-restore"); log "  stats-restore A: $SA"
MAPPED=$(stat_field "$T/work.A/stats-restore" 6); RESTORED=$(stat_field "$T/work.A/stats-restore" 5)
if [ "${MAPPED:-0}" -ge 16384 ] && [ "$RESTORED" -ge "$MAPPED" ]; then pass "stats: pages_mapped (6) = $MAPPED of pages_restored (5) = $RESTORED"; else fail "stats: pages_mapped '$MAPPED' pages_restored '$RESTORED'"; fi

# 4. Private writes: two restores of one image see only their own writes; the image is unchanged
restore B "$T/img" --mmap-page-image
cmd A "write 0xAAAA0000" "$T/out.A.w" > /dev/null
cmd B "write 0xBBBB0000" "$T/out.B.w" > /dev/null
expect "A sees only its own writes" ok "$(cmd A verify "$T/out.A.2")"
expect "B sees only its own writes" ok "$(cmd B verify "$T/out.B.2")"
expect "image files unchanged by the restored processes' writes" "$SUM0" "$(cat "$T"/img/pages-*.img | sha256sum)"

# 5. MADV_DONTNEED: mapped memory shows the image's contents again, copied memory zeros
expect "MADV_DONTNEED on mapped memory reads back the image's page (known difference)" pattern "$(cmd A dontneed "$T/out.A.d")"
restore C "$T/img"
expect "C (copied, stock behaviour) memory identical" ok "$(cmd C verify "$T/out.C.1")"
expect "MADV_DONTNEED on copied memory reads back zeros" zero "$(cmd C dontneed "$T/out.C.d")"
expect "C stats have no pages_mapped" "" "$(stat_field "$T/work.C/stats-restore" 6)"

# 6. malloc/free churn, malloc_trim, calloc zeroing, new threads
expect "A: malloc/calloc/free churn, malloc_trim, 24 new threads, then verify" ok "$(cmd A churn "$T/out.A.c")"

# 7. Image directory deleted or replaced while the restored process runs
cp -a "$T/img" "$T/img-del"
restore D "$T/img-del" --mmap-page-image
rm -rf "$T/img-del"; sync; echo 1 > /proc/sys/vm/drop_caches
expect "D: image directory deleted (and page cache dropped), memory intact" ok "$(cmd D verify "$T/out.D.1")"
expect "D: churn after deletion" ok "$(cmd D churn "$T/out.D.c")"
cp -a "$T/img" "$T/img-rep"
restore E "$T/img-rep" --mmap-page-image
mv "$T/img-rep" "$T/img-rep.old"; mkdir "$T/img-rep"
for f in "$T"/img-rep.old/pages-*.img; do head -c "$(stat -c %s "$f")" /dev/urandom > "$T/img-rep/$(basename "$f")"; done
rm -rf "$T/img-rep.old"
expect "E: image directory renamed away, replaced by other files, deleted; memory intact" ok "$(cmd E verify "$T/out.E.1")"

# 8. The hazard: truncating (or writing) an image file in place shows in untouched mapped pages
cp -a "$T/img" "$T/img-trunc"
restore F "$T/img-trunc" --mmap-page-image
truncate -s 0 "$T"/img-trunc/pages-*.img
R=$(cmd F verify "$T/out.F.1")
if [ "$R" = TIMEOUT ] && ! kill -0 "$UNSHARE_F" 2>/dev/null; then
  pass "F: truncating the image in place kills the mapped process (SIGBUS), as documented"
else fail "F after truncation: '$R'"; fi

# 9. Refork: dump the mapped process A (after its own writes) while it runs, delete the parent
# image, restore the new image (mapped and copied) and check memory (A's writes included).
APID=$(host_pid A)
PIPE=$(readlink "/proc/$APID/fd/0")  # A's stdin, which the refork image records
mkdir -p "$T/img2"
if nsenter -t "$APID" -p -m "$CRIU" dump -t "$(awk '/^NSpid/ {print $NF}' "/proc/$APID/status")" \
     -D "$T/img2" -o dump.log -v4 --leave-running; then
  expect "A still runs after the refork dump" ok "$(cmd A verify "$T/out.A.3")"
  for n in A B; do echo exit >> "$T/cmd.$n"; done; sleep 0.3
  SUM2=$(cat "$T"/img2/pages-*.img | sha256sum)
  N2=$(grep -c 'as anonymous memory' "$T/img2/dump.log" || true)
  if [ "$N2" -gt 0 ] && ! grep -qa 'pages-[0-9]*\.img' "$T"/img2/reg-files.img "$T"/img2/files.img 2>/dev/null; then
    pass "refork dump took $N2 mappings of the pages image for anonymous memory; no image file refers to a pages image"
  else fail "refork dump: $N2 mappings converted, or an image file still names a pages image"; fi
  log "  refork image: $(du -sm "$T/img2" | cut -f1) MiB (parent: $(du -sm "$T/img" | cut -f1) MiB)"
  rm -rf "$T/img"
  restore G "$T/img2" --mmap-page-image
  R=$(cmd G verify "$T/out.G.1")
  expect "G (mapped, from the refork image, parent image deleted) has A's memory" ok "$R"
  restore H "$T/img2"
  expect "H (copied, from the refork image) has A's memory" ok "$(cmd H verify "$T/out.H.1")"
  expect "refork image unchanged by G and H" "$SUM2" "$(cat "$T"/img2/pages-*.img | sha256sum)"
  G2=$(stats "$T/work.G/stats-restore"); log "  stats-restore G: $G2"
else
  fail "refork dump of mapped A (see $T/img2/dump.log)"
fi

# 10. Refork of D, whose image directory was deleted: its mappings show "pages-N.img (deleted)"
DPID=$(host_pid D)
PIPE=$(readlink "/proc/$DPID/fd/0")
mkdir -p "$T/img3"
if grep -q 'pages-[0-9]*\.img (deleted)' "/proc/$DPID/maps" &&
   nsenter -t "$DPID" -p -m "$CRIU" dump -t "$(awk '/^NSpid/ {print $NF}' "/proc/$DPID/status")" \
     -D "$T/img3" -o dump.log -v4 --leave-running; then
  restore I "$T/img3" --mmap-page-image
  expect "I (mapped, from a refork of D, whose image was deleted before the dump) has D's memory" ok "$(cmd I verify "$T/out.I.1")"
else
  fail "refork dump of D, mapped from a deleted image (see $T/img3/dump.log)"
fi

# 11. A task that dropped root (thaw's --user): dumped even where root lacks CAP_SYS_RESOURCE, which
#     prlimit() of another user's task needs (patch 0007 reads /proc/PID/limits then), and restored as
#     that user.
setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- \
  setsid sleep 600 < /dev/null > /dev/null 2>&1 &
NPID=$!; disown; sleep 0.3
mkdir -p "$T/img4"
if "$CRIU" dump -t "$NPID" -D "$T/img4" -o dump.log -v4; then
  if (( (0x$(awk '/^CapEff:/ {print $2}' /proc/self/status) >> 24) & 1 )); then
    pass "dump of nobody's task (prlimit permitted here: root has CAP_SYS_RESOURCE)"
  else
    expect "dump of nobody's task without CAP_SYS_RESOURCE read its limits from /proc" 1 \
      "$(grep -c 'read from /proc (prlimit: no CAP_SYS_RESOURCE)' "$T/img4/dump.log" | awk '{print ($1 > 0)}')"
  fi
  mkdir -p "$T/work.N"
  unshare -p -m -f --mount-proc "$CRIU" restore -D "$T/img4" -W "$T/work.N" -o restore.log -v4 \
    < /dev/null > /dev/null 2>&1 &
  UNSHARES+=($!)
  RPID=""
  for i in $(seq 200); do RPID=$(pgrep -u 65534 -x sleep | head -1 || true); [ -n "$RPID" ] && break; sleep 0.05; done
  expect "the restored task runs as nobody (see $T/work.N/restore.log)" 65534 \
    "$(awk '/^Uid:/ {print $3}' "/proc/${RPID:-0}/status" 2>/dev/null || true)"
  if [ -n "$RPID" ]; then kill -9 "$RPID"; fi
else
  fail "dump of a task that dropped root (see $T/img4/dump.log)"
  kill -9 "$NPID" 2>/dev/null || true
fi

# 12. Concurrent restores of an image with deleted mapped files (ghost files), see ghost_check
ghost_check

# 13. Written pages of a private file mapping mapped from the image (patch 0009), see file_private_check
file_private_check

for f in "$T"/cmd.*; do echo exit >> "$f"; done
sleep 0.5
if [ $FAILS = 0 ]; then log "all tests passed"; else log "$FAILS test(s) failed"; exit 1; fi
