"""The SFTP version 3 wire format (draft-ietf-secsh-filexfer-02): packet types, status
codes and attribute flags, the limits this server keeps, reading a request's fields and
writing an answer's strings and attributes. No file system access here."""

from __future__ import annotations

import errno
import os
import stat
import struct
import time

# Packet types (draft-ietf-secsh-filexfer-02).
INIT, VERSION = 1, 2
OPEN, CLOSE, READ, WRITE, LSTAT, FSTAT, SETSTAT, FSETSTAT = 3, 4, 5, 6, 7, 8, 9, 10
OPENDIR, READDIR, REMOVE, MKDIR, RMDIR, REALPATH, STAT, RENAME = 11, 12, 13, 14, 15, 16, 17, 18
READLINK, SYMLINK = 19, 20
STATUS, HANDLE, DATA, NAME, ATTRS = 101, 102, 103, 104, 105
EXTENDED = 200

OK, EOF, NO_SUCH_FILE, PERMISSION_DENIED, FAILURE, BAD_MESSAGE, OP_UNSUPPORTED = 0, 1, 2, 3, 4, 5, 8

ATTR_SIZE, ATTR_UIDGID, ATTR_PERMISSIONS, ATTR_ACMODTIME, ATTR_EXTENDED = 0x1, 0x2, 0x4, 0x8, 0x80000000

FXF_READ, FXF_WRITE, FXF_APPEND, FXF_CREAT, FXF_TRUNC, FXF_EXCL = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20

#: Largest packet accepted (OpenSSH's own limit is 256 KiB).
MAX_PACKET = 256 * 1024
#: Largest read answered at once.
MAX_READ = 64 * 1024
#: Largest file an upload may make (a workbook is a few MB; this stops a full disk).
MAX_FILE = 64 * 1024 * 1024
#: Open handles at once.
MAX_HANDLES = 64
#: Names per READDIR answer.
DIR_BATCH = 100

FILE_MODE = 0o600
DIR_MODE = 0o700


class SftpError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def os_error(exc: OSError) -> SftpError:
    code = {errno.ENOENT: NO_SUCH_FILE, errno.ENOTDIR: NO_SUCH_FILE, errno.EACCES: PERMISSION_DENIED,
            errno.EPERM: PERMISSION_DENIED, errno.ELOOP: PERMISSION_DENIED}.get(exc.errno or 0, FAILURE)
    messages = {NO_SUCH_FILE: "No such file", PERMISSION_DENIED: "Permission denied"}
    return SftpError(code, messages.get(code, os.strerror(exc.errno or 0) if exc.errno else "Failure"))


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise SftpError(BAD_MESSAGE, "Bad message")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack(">Q", self.take(8))[0]

    def string(self) -> bytes:
        return self.take(self.u32())

    def text(self) -> str:
        return self.string().decode("utf-8", "surrogateescape")

    def attrs(self) -> dict:
        flags = self.u32()
        out: dict = {}
        if flags & ATTR_SIZE:
            out["size"] = self.u64()
        if flags & ATTR_UIDGID:
            out["uid"], out["gid"] = self.u32(), self.u32()
        if flags & ATTR_PERMISSIONS:
            out["permissions"] = self.u32()
        if flags & ATTR_ACMODTIME:
            out["atime"], out["mtime"] = self.u32(), self.u32()
        if flags & ATTR_EXTENDED:
            for _ in range(self.u32()):
                self.string()
                self.string()
        return out


def pack_string(b: bytes | str) -> bytes:
    if isinstance(b, str):
        b = b.encode("utf-8", "surrogateescape")
    return struct.pack(">I", len(b)) + b


def pack_attrs(st: os.stat_result | None) -> bytes:
    if st is None:
        return struct.pack(">I", 0)
    kind = stat.S_IFDIR if stat.S_ISDIR(st.st_mode) else stat.S_IFREG
    perms = kind | (DIR_MODE if kind == stat.S_IFDIR else FILE_MODE)
    return struct.pack(">IQIIIII", ATTR_SIZE | ATTR_UIDGID | ATTR_PERMISSIONS | ATTR_ACMODTIME,
                       st.st_size, st.st_uid, st.st_gid, perms, int(st.st_atime) & 0xFFFFFFFF,
                       int(st.st_mtime) & 0xFFFFFFFF)


def long_name(name: str, st: os.stat_result) -> str:
    is_dir = stat.S_ISDIR(st.st_mode)
    mode = "drwx------" if is_dir else "-rw-------"
    when = time.strftime("%b %d %H:%M", time.localtime(st.st_mtime))
    return f"{mode} 1 zhtj zhtj {st.st_size:>10} {when} {name}"
