#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""famfsd over --emulator-fd (no kernel): the INIT shim turns on
FUSE_DIRECT_IO_ALLOW_MMAP only when the "kernel" offered it, and the
session ends cleanly (exit 0) when the peer closes the socket.
Usage: init_shim.py FAMFSD MKIMAGE"""
import os
import socket
import struct
import subprocess
import sys
import tempfile

FUSE_INIT, FUSE_LOOKUP = 26, 1
INIT_EXT = 1 << 30
ALLOW_MMAP_FLAGS2 = 1 << 4  # FUSE_DIRECT_IO_ALLOW_MMAP = bit 36


def request(opcode, unique, nodeid, payload):
    return struct.pack('<IIQQIIIHH', 40 + len(payload), opcode, unique,
                       nodeid, 0, 0, 0, 0, 0) + payload


def run(famfsd, img, uuid, offer):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([famfsd, '-f', '-l', 'warn', '-u', uuid,
                          '--emulator-fd', str(b.fileno()), img, '/'],
                         pass_fds=[b.fileno()])
    b.close()
    flags2 = ALLOW_MMAP_FLAGS2 if offer else 0
    init_in = struct.pack('<IIIII', 7, 45, 0x20000, INIT_EXT, flags2)
    a.send(request(FUSE_INIT, 1, 0, init_in + b'\0' * 44))
    r = a.recv(1 << 16)
    length, err, unique = struct.unpack('<IiQ', r[:16])
    assert err == 0 and unique == 1 and length == len(r), (length, err)
    flags, = struct.unpack('<I', r[16 + 12:16 + 16])
    out2, = struct.unpack('<I', r[16 + 32:16 + 36])
    a.send(request(FUSE_LOOKUP, 2, 1, b'.meta\0'))
    r = a.recv(1 << 16)
    err, = struct.unpack('<i', r[4:8])
    nodeid, = struct.unpack('<Q', r[16:24])
    assert err == 0 and nodeid == 2, ('lookup .meta', err, nodeid)
    a.close()
    rc = p.wait(timeout=30)
    assert rc == 0, 'famfsd exit %d after the peer closed' % rc
    return flags, out2


def main():
    famfsd, mkimage = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='famfsd-shim.') as d:
        img, uuid = os.path.join(d, 'img'), os.path.join(d, 'uuid')
        subprocess.run([mkimage, img, '64', uuid], check=True)
        flags, flags2 = run(famfsd, img, uuid, True)
        assert flags & INIT_EXT, 'INIT_EXT missing: 0x%x' % flags
        assert flags2 & ALLOW_MMAP_FLAGS2, 'ALLOW_MMAP not set: 0x%x' % flags2
        flags, flags2 = run(famfsd, img, uuid, False)
        assert not flags2 & ALLOW_MMAP_FLAGS2, 'ALLOW_MMAP set unasked'
    print('PASS')


if __name__ == '__main__':
    main()
