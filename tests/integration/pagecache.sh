#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Shared mmap and other hosts (famfsd(8), DATA PATHS): files are direct
# I/O, so read(2) always sees the device, also bytes another host just
# wrote; the kernel drops a direct-I/O file's page cache at every new
# mmap(2), so a new mapping reads the device too.
source "$(dirname "$0")/lib.sh"
require_fuse
setup

make_fs "$T/img" 4G "$T/uuid-a"
new_uuid "$T/uuid-b"
m=$T/master
c=$T/client
start_famfsd "$T/img" "$m" "$T/uuid-a" --settle-ms 100
MPID=$DPID
head -c $((8 << 20)) /dev/urandom >"$T/old"
head -c $((8 << 20)) /dev/urandom >"$T/new"
cp "$T/old" "$m/f"
wait_for 10 bash -c "grep -qx 'pending 0' '$m/.meta/.stats'" ||
	fail "f not logged"
start_famfsd "$T/img" "$c" "$T/uuid-b"
wait_for 10 test -e "$c/f" || fail "the client does not see f"

# map_sum FILE: sha256 of FILE read through a shared mapping.
map_sum() {
	$PY - "$1" <<'PY'
import hashlib, mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ)
    print(hashlib.sha256(m[:]).hexdigest())
    m.close()
PY
}
old=$(sha256sum <"$T/old" | cut -d' ' -f1)
new=$(sha256sum <"$T/new" | cut -d' ' -f1)

# Process A holds f open and mapped (reads it once) until told to stop.
mkfifo "$T/go"
$PY - "$m/f" "$T/go" "$T/a.sum" <<'PY' &
import hashlib, mmap, sys
f = open(sys.argv[1], "rb")
m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ)
first = hashlib.sha256(m[:]).hexdigest()
open(sys.argv[3], "w").write(first + "\n")
open(sys.argv[2]).read()
m.close()
f.close()
PY
holder=$!
wait_for 10 test -s "$T/a.sum" || fail "A's mapping read nothing"
[ "$(cat "$T/a.sum")" = "$old" ] || fail "A's mapping: wrong bytes"

# The other host writes the file (data is writable on every host).
dd if="$T/new" of="$c/f" bs=1M conv=notrunc oflag=direct status=none ||
	fail "client write"
got=$(sha256sum <"$m/f" | cut -d' ' -f1)
[ "$got" = "$new" ] || fail "read(2) on the master misses the client's write"
# A new mapping reads the device again, even while A's is still there.
[ "$(map_sum "$m/f")" = "$new" ] || fail "a new mapping shows stale bytes"
echo stop >"$T/go"
wait "$holder" || fail "holder exited $?"
log "ok: read(2) and every new mapping see the other host's bytes"

# splice(2) and sendfile(2) read through the page cache and stop at the
# i_size of the last attribute reply. .meta/.stats changes under load, so
# its OPEN serves the text that reply sized (famfsd(8)): every splice read
# must end with the last counter's line. A reader thread keeps the
# counters moving. A logged file sent whole must be the device's bytes.
$PY - "$m" "$new" <<'PY' || fail "splice/sendfile through the mount"
import hashlib, os, sys, threading
mnt, want = sys.argv[1], sys.argv[2]
stop = False
def churn():
    while not stop:
        with open(mnt + "/f", "rb") as f:
            f.read(4096)
t = threading.Thread(target=churn)
t.start()
bad = []
for i in range(300):
    fd = os.open(mnt + "/.meta/.stats", os.O_RDONLY)
    r, w = os.pipe()
    text = b""
    while True:
        n = os.splice(fd, w, 65536)
        if n == 0:
            break
        text += os.read(r, n)
    os.close(r)
    os.close(w)
    os.close(fd)
    last = text.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if not text.endswith(b"\n") or not last.startswith(b"map_evictions "):
        bad.append(text[-24:])
stop = True
t.join()
if bad:
    sys.exit("%d of 300 splice reads of .stats cut short, e.g. %r" % (len(bad), bad[0]))
h = hashlib.sha256()
with open(mnt + "/f", "rb") as f:
    r, w = os.pipe()
    off = 0
    size = os.fstat(f.fileno()).st_size
    while off < size:
        n = os.sendfile(w, f.fileno(), off, 65536)
        if n == 0:
            break
        off += n
        h.update(os.read(r, n))
    os.close(r)
    os.close(w)
if h.hexdigest() != want:
    sys.exit("sendfile of f: wrong bytes")
PY
log "ok: splice of .meta/.stats is whole under load; sendfile of f is the device's bytes"
stop_famfsd "$DPID" "$c" || fail "client exit $?"
stop_famfsd "$MPID" "$m" || fail "master exit $?"
