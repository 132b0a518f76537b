# SPDX-License-Identifier: Apache-2.0
"""Run one file-system operation and print how it ended: "OK" or the errno
name (EROFS, ENOSPC, ...). Shell tools hide errno; the tests need it exact.

    errop.py OP ARGS...
"""
import errno
import os
import stat
import sys


def do_fill(path, chunk="1048576"):
    """Create PATH and write until something fails (write or close)."""
    buf = b"\xa5" * int(chunk)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    err = None
    written = 0
    try:
        while True:
            n = os.write(fd, buf)
            written += n
            if n == 0:
                break
    except OSError as e:
        err = e
    try:
        os.close(fd)
    except OSError as e:
        err = err or e
    sys.stderr.write("errop: fill wrote %d bytes\n" % written)
    if err:
        raise err


def do_append(path):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, b"x")
    finally:
        os.close(fd)


def do_writeat(path, off):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, b"x", int(off))
    finally:
        os.close(fd)


def do_create(path, mode="0644"):
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                     int(mode, 8)))


def do_createfile(path, size="1"):
    """Create, write SIZE bytes, close (the file is logged at close)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        os.write(fd, b"y" * int(size))
    finally:
        os.close(fd)


def do_read(path):
    with open(path, "rb") as f:
        f.read(1)


def do_openw(path):
    os.close(os.open(path, os.O_WRONLY))


def do_rename2(src, dst, flags):
    """renameat2(2) with "noreplace" or "exchange" (glibc has no Python
    binding for it)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    bits = {"noreplace": 1, "exchange": 2}[flags]
    if libc.renameat2(-100, src.encode(), -100, dst.encode(), bits):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


OPS = {
    "rename2": do_rename2,
    "create": do_create,
    "createfile": do_createfile,
    "mkdir": lambda p, m="0755": os.mkdir(p, int(m, 8)),
    "unlink": os.unlink,
    "rmdir": os.rmdir,
    "rename": os.rename,
    "link": os.link,
    "symlink": os.symlink,
    "truncate": lambda p, n: os.truncate(p, int(n)),
    "append": do_append,
    "writeat": do_writeat,
    "setxattr": lambda p, k, v: os.setxattr(p, k, v.encode()),
    "removexattr": os.removexattr,
    "chmod": lambda p, m: os.chmod(p, int(m, 8)),
    "chown": lambda p, u, g: os.chown(p, int(u), int(g)),
    "mknod": lambda p: os.mknod(p, 0o644 | stat.S_IFIFO),
    "utime": lambda p: os.utime(p, (0, 0)),
    "fill": do_fill,
    "read": do_read,
    "openw": do_openw,
    "listdir": os.listdir,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in OPS:
        sys.stderr.write("usage: errop.py %s ARGS...\n" % "|".join(OPS))
        return 2
    try:
        OPS[sys.argv[1]](*sys.argv[2:])
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
        return 0
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
