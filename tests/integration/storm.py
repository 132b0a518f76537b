# SPDX-License-Identifier: Apache-2.0
"""Create small files until something fails; after each fsync() and close()
return, append "path sha256" to LIST (fsynced), so a checker knows which
files a crash must not lose. Now and then the writer also deletes
("D path"), renames ("R old new") or atomically replaces (a fsynced
temporary renamed over it: "R tmp path" after "tmp sha256") a file it
finished, once the operation returned.

    storm.py write DIR LIST SEED [COUNT]   create DIR/fNNNNN (DIR made here)
    storm.py tree DIR LIST SEED            like cp -r: nested directories,
                                           no fsync, "path sha256" per close
    storm.py check ROOT LIST [FIRST]       every file the list leaves is
                                           intact, every deleted one absent
                                           (FIRST: only the first FIRST
                                           files must be there)
"""
import hashlib
import os
import random
import sys
import time


def note(out, line):
    out.write(line + "\n")
    out.flush()
    os.fsync(out.fileno())


def fsynced(out, path, data):
    """Create PATH with DATA, fsync, close; then note it as finished."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    note(out, "%s %s" % (path, hashlib.sha256(data).hexdigest()))


def mutate(rnd, out, done):
    """Delete, rename or replace one finished file of this round. A file
    that got logged meanwhile (the writer stalled for a settle interval)
    refuses with EPERM: its intent line then stays open, and the check
    accepts the file as it was."""
    try:
        mutate_one(rnd, out, done)
    except PermissionError:
        pass


def mutate_one(rnd, out, done):
    if not done or rnd.random() >= 0.3:
        return
    path = rnd.choice(done)
    kind = rnd.choice(("delete", "rename", "replace"))
    if kind == "delete":
        note(out, "d %s" % path)  # intent: a crash may come in between
        os.unlink(path)
        done.remove(path)
        note(out, "D %s" % path)
    elif kind == "rename":
        note(out, "r %s %sr" % (path, path))
        os.rename(path, path + "r")
        done[done.index(path)] = path + "r"
        note(out, "R %s %sr" % (path, path))
    else:
        tmp = path + ".tmp"
        data = rnd.randbytes(rnd.choice((10, 3000)))
        fsynced(out, tmp, data)
        note(out, "r %s %s" % (tmp, path))
        os.rename(tmp, path)
        note(out, "R %s %s" % (tmp, path))


def write(top, lst, seed, count):
    rnd = random.Random(int(seed))
    out = open(lst, "a")
    try:
        os.mkdir(top)
    except FileExistsError:
        pass
    done = []
    for i in range(count):
        path = os.path.join(top, "f%05d" % i)
        data = rnd.randbytes(rnd.choice((1, 100, 4095, 4096, 5000, 70000)))
        fsynced(out, path, data)
        done.append(path)
        mutate(rnd, out, done)
    return 0


def tree(top, lst, seed):
    """cp -r's pattern: mkdir, then create, write, close; no fsync."""
    rnd = random.Random(int(seed))
    out = open(lst, "a")
    dirs = [top]
    os.mkdir(top)
    for i in range(1 << 30):
        if rnd.random() < 0.1:
            d = os.path.join(rnd.choice(dirs), "d%04d" % i)
            os.mkdir(d)
            dirs.append(d)
        path = os.path.join(rnd.choice(dirs), "f%05d" % i)
        data = rnd.randbytes(rnd.choice((1, 4096, 30000)))
        with open(path, "wb") as f:
            f.write(data)
        note(out, "%s %s" % (path, hashlib.sha256(data).hexdigest()))
        time.sleep(0.01)


def digest_of(root, path):
    try:
        with open(os.path.join(root, os.path.relpath(path, root)), "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None


def check(root, lst, first=None):
    files = {}  # path -> digest, in completion order
    gone = set()
    open_ops = []  # "d"/"r" lines whose result was never noted (a crash)
    for line in open(lst):
        f = line.split()
        if len(f) == 2 and f[0] not in ("d", "D"):
            files[f[0]] = f[1]
            gone.discard(f[0])
        elif f[0] in ("d", "r"):
            open_ops.append(f)
        elif f[0] == "D":
            open_ops.pop()
            del files[f[1]]
            gone.add(f[1])
        elif f[0] == "R":
            open_ops.pop()
            files[f[2]] = files.pop(f[1])
            gone.add(f[1])
            gone.discard(f[2])
    bad = 0
    for op in open_ops:
        # Killed between the call and its note: either outcome is fine,
        # and nothing else.
        old = files.pop(op[1])
        got_old = digest_of(root, op[1])
        if op[0] == "d":
            ok = got_old in (None, old)
        else:
            new = files.pop(op[2], None)
            got_new = digest_of(root, op[2])
            ok = (got_old == old and got_new == new) or \
                (got_old is None and got_new == old)
        if not ok:
            print("storm: %s: neither before nor after it" % " ".join(op))
            bad += 1
    n = 0
    for path, digest in files.items():
        n += 1
        try:
            with open(os.path.join(root, os.path.relpath(path, root)), "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
        except OSError as e:
            if first is not None and n > first:
                continue  # not required to survive
            print("storm: %s: %s" % (path, e))
            bad += 1
            continue
        if got != digest:
            print("storm: %s: content differs" % path)
            bad += 1
    for path in gone:
        if os.path.lexists(os.path.join(root, os.path.relpath(path, root))):
            print("storm: %s: deleted or renamed away, but present" % path)
            bad += 1
    print("storm: %d of %d completed files intact, %d names gone" %
          (n - bad, n, len(gone)))
    return 1 if bad else 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) in (4, 5) and a[0] == "write":
        try:
            sys.exit(write(a[1], a[2], a[3], int(a[4]) if len(a) == 5 else 1 << 30))
        except OSError as e:
            print("storm: writer stopped: %s" % e)
            sys.exit(3)
    if len(a) == 4 and a[0] == "tree":
        try:
            tree(a[1], a[2], a[3])
        except OSError as e:
            print("storm: writer stopped: %s" % e)
            sys.exit(3)
    if len(a) in (3, 4) and a[0] == "check":
        sys.exit(check(a[1], a[2], int(a[3]) if len(a) == 4 else None))
    sys.stderr.write(__doc__)
    sys.exit(2)
