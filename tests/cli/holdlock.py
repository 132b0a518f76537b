# SPDX-License-Identifier: Apache-2.0
"""Hold one of famfs's host-local locks (lib/lock.c) on a device, as
another writer or famfsd would, until killed (tests only).

    holdlock.py IMG BYTE [shared]   BYTE: 0 use, 1 append, 2 serve

Prints "held" once the lock is taken.
"""
import fcntl
import os
import signal
import struct
import sys


def main():
    img, byte = sys.argv[1], int(sys.argv[2])
    shared = len(sys.argv) > 3 and sys.argv[3] == "shared"
    fd = os.open(img, os.O_RDWR)
    # struct flock: type, whence, start, len, pid (0 for OFD locks).
    fl = struct.pack("hhqqii", fcntl.F_RDLCK if shared else fcntl.F_WRLCK,
                     os.SEEK_SET, byte, 1, 0, 0)
    fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, fl)
    print("held", flush=True)
    signal.pause()


if __name__ == "__main__":
    main()
