# SPDX-License-Identifier: Apache-2.0
"""Create small files until something fails; after each fsync() and close()
return, append "path sha256" to LIST (fsynced), so a checker knows which
files a crash must not lose.

    storm.py write DIR LIST SEED [COUNT]   create DIR/fNNNNN (DIR made here)
    storm.py check ROOT LIST               every listed file is intact
"""
import hashlib
import os
import random
import sys


def write(top, lst, seed, count):
    rnd = random.Random(int(seed))
    out = open(lst, "a")
    try:
        os.mkdir(top)
    except FileExistsError:
        pass
    for i in range(count):
        path = os.path.join(top, "f%05d" % i)
        data = rnd.randbytes(rnd.choice((1, 100, 4095, 4096, 5000, 70000)))
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        out.write("%s %s\n" % (path, hashlib.sha256(data).hexdigest()))
        out.flush()
        os.fsync(out.fileno())
    return 0


def check(root, lst):
    bad = 0
    n = 0
    for line in open(lst):
        path, digest = line.split()
        n += 1
        try:
            with open(os.path.join(root, os.path.relpath(path, root)), "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
        except OSError as e:
            print("storm: %s: %s" % (path, e))
            bad += 1
            continue
        if got != digest:
            print("storm: %s: content differs" % path)
            bad += 1
    print("storm: %d of %d completed files intact" % (n - bad, n))
    return 1 if bad else 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) in (4, 5) and a[0] == "write":
        try:
            sys.exit(write(a[1], a[2], a[3], int(a[4]) if len(a) == 5 else 1 << 30))
        except OSError as e:
            print("storm: writer stopped: %s" % e)
            sys.exit(3)
    if len(a) == 3 and a[0] == "check":
        sys.exit(check(a[1], a[2]))
    sys.stderr.write(__doc__)
    sys.exit(2)
