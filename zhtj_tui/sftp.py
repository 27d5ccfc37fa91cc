"""A small SFTP server (protocol version 3) on standard input and output, confined to one
folder: what ``zhtj gate`` runs when an administrator's SSH connection asks for the sftp
subsystem (``sftp``, WinSCP, and ``scp`` since OpenSSH 9, which speaks SFTP).

Why not OpenSSH's own ``sftp-server``: every administrator logs in as the one system user
``zhtj``, and ``sftp-server -d DIR`` only sets the starting folder (``cd ..`` leaves it);
sshd's ``ChrootDirectory`` confines by system user, needs a root-owned path and would
enclose the interface too. Here the client's paths are names *inside* the folder: ``/`` is
the folder itself, ``..`` never climbs above it (``/../x`` is ``/x``), symbolic links are
neither created nor followed, and nothing but plain files and folders is listed. So an
administrator reaches their own folder and nothing else: not another administrator's
folder, not the database, not the system.

Supported: open/read/write/close, stat/lstat/fstat, opendir/readdir, remove, mkdir, rmdir,
rename, realpath; setstat only for times. Refused: symlink, readlink, changing modes or
owners, extensions. Files are created 0600, folders 0700.

Standard library only; no file names or contents are logged."""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import struct
import sys
import time
from typing import BinaryIO

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


class _Error(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _os_error(exc: OSError) -> _Error:
    code = {errno.ENOENT: NO_SUCH_FILE, errno.ENOTDIR: NO_SUCH_FILE, errno.EACCES: PERMISSION_DENIED,
            errno.EPERM: PERMISSION_DENIED, errno.ELOOP: PERMISSION_DENIED}.get(exc.errno or 0, FAILURE)
    messages = {NO_SUCH_FILE: "No such file", PERMISSION_DENIED: "Permission denied"}
    return _Error(code, messages.get(code, os.strerror(exc.errno or 0) if exc.errno else "Failure"))


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Error(BAD_MESSAGE, "Bad message")
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


def _string(b: bytes | str) -> bytes:
    if isinstance(b, str):
        b = b.encode("utf-8", "surrogateescape")
    return struct.pack(">I", len(b)) + b


def _attrs(st: os.stat_result | None) -> bytes:
    if st is None:
        return struct.pack(">I", 0)
    kind = stat.S_IFDIR if stat.S_ISDIR(st.st_mode) else stat.S_IFREG
    perms = kind | (DIR_MODE if kind == stat.S_IFDIR else FILE_MODE)
    return struct.pack(">IQIIIII", ATTR_SIZE | ATTR_UIDGID | ATTR_PERMISSIONS | ATTR_ACMODTIME,
                       st.st_size, st.st_uid, st.st_gid, perms, int(st.st_atime) & 0xFFFFFFFF,
                       int(st.st_mtime) & 0xFFFFFFFF)


def _longname(name: str, st: os.stat_result) -> str:
    is_dir = stat.S_ISDIR(st.st_mode)
    mode = "drwx------" if is_dir else "-rw-------"
    when = time.strftime("%b %d %H:%M", time.localtime(st.st_mtime))
    return f"{mode} 1 zhtj zhtj {st.st_size:>10} {when} {name}"


class SftpServer:
    """Serves one SFTP session confined to ``root`` over the binary streams given."""

    def __init__(self, root: str | os.PathLike, rfile: BinaryIO, wfile: BinaryIO):
        self.root = os.path.realpath(root)
        self.rfile, self.wfile = rfile, wfile
        self.handles: dict[bytes, dict] = {}
        self._next = 0

    # -- the folder ------------------------------------------------------------------------
    def virtual(self, path: str) -> str:
        """The client's path as a normalised path under ``/`` (``..`` stops at ``/``)."""
        if "\x00" in path:
            raise _Error(BAD_MESSAGE, "Bad path")
        v = posixpath.normpath(posixpath.join("/", path))
        return "/" if v in ("/", "//") else "/" + v.lstrip("/")

    def real(self, path: str, follow_last: bool = True) -> str:
        """The file on disk for a client path. Every existing component must be a plain
        folder (or, last, a plain file) inside the root: a symbolic link anywhere is refused."""
        v = self.virtual(path)
        parts = [p for p in v.split("/") if p]
        current = self.root
        for i, part in enumerate(parts):
            current = os.path.join(current, part)
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                break  # what does not exist yet (a new file or folder) cannot be a link
            except OSError as exc:
                raise _os_error(exc) from None
            if stat.S_ISLNK(st.st_mode):
                raise _Error(PERMISSION_DENIED, "Permission denied")
            last = i == len(parts) - 1
            if not last and not stat.S_ISDIR(st.st_mode):
                raise _Error(NO_SUCH_FILE, "No such file")
            if last and not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                raise _Error(PERMISSION_DENIED, "Permission denied")
        full = os.path.join(self.root, *parts)
        if os.path.commonpath([self.root, os.path.abspath(full)]) != self.root:  # pragma: no cover - by construction
            raise _Error(PERMISSION_DENIED, "Permission denied")
        return full

    # -- the wire --------------------------------------------------------------------------
    def _read_exact(self, n: int) -> bytes | None:
        chunks, left = [], n
        while left:
            chunk = self.rfile.read(left)
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _send(self, kind: int, payload: bytes) -> None:
        self.wfile.write(struct.pack(">IB", len(payload) + 1, kind) + payload)
        self.wfile.flush()

    def _status(self, rid: int, code: int, message: str = "") -> None:
        self._send(STATUS, struct.pack(">II", rid, code) + _string(message or ("Success" if code == OK else ""))
                   + _string("en"))

    def serve(self) -> int:
        """Answer requests until the client closes the connection."""
        while True:
            head = self._read_exact(5)
            if head is None:
                break
            length, kind = struct.unpack(">IB", head)
            if length < 1 or length > MAX_PACKET:
                return 1
            body = self._read_exact(length - 1)
            if body is None:
                break
            if kind == INIT:
                self._send(VERSION, struct.pack(">I", 3))
                continue
            r = _Reader(body)
            try:
                rid = r.u32()
            except _Error:
                return 1
            try:
                self._dispatch(kind, rid, r)
            except _Error as exc:
                self._status(rid, exc.code, exc.message)
            except OSError as exc:
                err = _os_error(exc)
                self._status(rid, err.code, err.message)
        for h in list(self.handles.values()):
            if h.get("fd") is not None:
                os.close(h["fd"])
        return 0

    # -- requests --------------------------------------------------------------------------
    def _dispatch(self, kind: int, rid: int, r: _Reader) -> None:
        handler = {
            OPEN: self._open, CLOSE: self._close, READ: self._read, WRITE: self._write,
            LSTAT: self._stat, STAT: self._stat, FSTAT: self._fstat, SETSTAT: self._setstat,
            FSETSTAT: self._fsetstat, OPENDIR: self._opendir, READDIR: self._readdir, REMOVE: self._remove,
            MKDIR: self._mkdir, RMDIR: self._rmdir, REALPATH: self._realpath, RENAME: self._rename,
        }.get(kind)
        if handler is None:
            # READLINK, SYMLINK, extensions: links could lead out of the folder.
            code = PERMISSION_DENIED if kind in (READLINK, SYMLINK) else OP_UNSUPPORTED
            self._status(rid, code, "Permission denied" if code == PERMISSION_DENIED else "Unsupported")
            return
        handler(rid, r)

    def _new_handle(self, entry: dict) -> bytes:
        if len(self.handles) >= MAX_HANDLES:
            raise _Error(FAILURE, "Too many open files")
        self._next += 1
        h = str(self._next).encode()
        self.handles[h] = entry
        return h

    def _handle(self, r: _Reader, kind: str) -> dict:
        entry = self.handles.get(r.string())
        if entry is None or entry["kind"] != kind:
            raise _Error(FAILURE, "Invalid handle")
        return entry

    def _open(self, rid: int, r: _Reader) -> None:
        path, pflags, _attrs_in = r.text(), r.u32(), r.attrs()
        real = self.real(path)
        flags = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        if pflags & FXF_READ and pflags & FXF_WRITE:
            flags |= os.O_RDWR
        elif pflags & FXF_WRITE:
            flags |= os.O_WRONLY
        else:
            flags |= os.O_RDONLY
        if pflags & FXF_CREAT:
            flags |= os.O_CREAT
        if pflags & FXF_TRUNC:
            flags |= os.O_TRUNC
        if pflags & FXF_EXCL:
            flags |= os.O_EXCL
        if pflags & FXF_APPEND:
            flags |= os.O_APPEND
        if os.path.isdir(real):
            raise _Error(FAILURE, "Is a directory")
        fd = os.open(real, flags, FILE_MODE)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise _Error(PERMISSION_DENIED, "Permission denied")
        self._send(HANDLE, struct.pack(">I", rid) + _string(self._new_handle({"kind": "file", "fd": fd})))

    def _close(self, rid: int, r: _Reader) -> None:
        entry = self.handles.pop(r.string(), None)
        if entry is None:
            raise _Error(FAILURE, "Invalid handle")
        if entry["kind"] == "file":
            os.close(entry["fd"])
        self._status(rid, OK)

    def _read(self, rid: int, r: _Reader) -> None:
        entry = self._handle(r, "file")
        offset, length = r.u64(), min(r.u32(), MAX_READ)
        data = os.pread(entry["fd"], length, offset)
        if not data:
            self._status(rid, EOF, "End of file")
            return
        self._send(DATA, struct.pack(">I", rid) + _string(data))

    def _write(self, rid: int, r: _Reader) -> None:
        entry = self._handle(r, "file")
        offset, data = r.u64(), r.string()
        if offset + len(data) > MAX_FILE:
            raise _Error(FAILURE, f"File too large (at most {MAX_FILE // 1024 // 1024} MB)")
        view = memoryview(data)
        while view:
            n = os.pwrite(entry["fd"], view, offset)
            view, offset = view[n:], offset + n
        self._status(rid, OK)

    def _stat(self, rid: int, r: _Reader) -> None:
        real = self.real(r.text())
        self._send(ATTRS, struct.pack(">I", rid) + _attrs(os.lstat(real)))

    def _fstat(self, rid: int, r: _Reader) -> None:
        entry = self._handle(r, "file")
        self._send(ATTRS, struct.pack(">I", rid) + _attrs(os.fstat(entry["fd"])))

    def _apply_times(self, target, attrs: dict) -> None:
        if "atime" in attrs:
            os.utime(target, (attrs["atime"], attrs["mtime"]))

    def _setstat(self, rid: int, r: _Reader) -> None:
        real = self.real(r.text())
        attrs = r.attrs()
        if not os.path.exists(real):
            raise _Error(NO_SUCH_FILE, "No such file")
        if "size" in attrs and os.path.isfile(real):
            if attrs["size"] > MAX_FILE:
                raise _Error(FAILURE, "File too large")
            os.truncate(real, attrs["size"])
        self._apply_times(real, attrs)  # modes and owners stay as the folder needs them
        self._status(rid, OK)

    def _fsetstat(self, rid: int, r: _Reader) -> None:
        entry = self._handle(r, "file")
        attrs = r.attrs()
        if "size" in attrs:
            if attrs["size"] > MAX_FILE:
                raise _Error(FAILURE, "File too large")
            os.ftruncate(entry["fd"], attrs["size"])
        self._apply_times(entry["fd"], attrs)
        self._status(rid, OK)

    def _opendir(self, rid: int, r: _Reader) -> None:
        real = self.real(r.text())
        if not os.path.isdir(real):
            raise _Error(NO_SUCH_FILE, "No such file")
        names = []
        with os.scandir(real) as it:
            for e in it:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):  # no links, devices, sockets
                    names.append((e.name, st))
        here = os.lstat(real)
        names = [(".", here), ("..", here), *sorted(names, key=lambda x: x[0])]
        self._send(HANDLE, struct.pack(">I", rid) + _string(self._new_handle({"kind": "dir", "names": names})))

    def _readdir(self, rid: int, r: _Reader) -> None:
        entry = self._handle(r, "dir")
        batch, entry["names"] = entry["names"][:DIR_BATCH], entry["names"][DIR_BATCH:]
        if not batch:
            self._status(rid, EOF, "End of file")
            return
        out = [struct.pack(">II", rid, len(batch))]
        for name, st in batch:
            out.append(_string(name) + _string(_longname(name, st)) + _attrs(st))
        self._send(NAME, b"".join(out))

    def _remove(self, rid: int, r: _Reader) -> None:
        real = self.real(r.text())
        if real == self.root or os.path.isdir(real):
            raise _Error(FAILURE, "Is a directory")
        os.unlink(real)
        self._status(rid, OK)

    def _mkdir(self, rid: int, r: _Reader) -> None:
        real = self.real(r.text())
        r.attrs()
        os.mkdir(real, DIR_MODE)
        self._status(rid, OK)

    def _rmdir(self, rid: int, r: _Reader) -> None:
        real = self.real(r.text())
        if real == self.root:
            raise _Error(PERMISSION_DENIED, "Permission denied")
        os.rmdir(real)
        self._status(rid, OK)

    def _realpath(self, rid: int, r: _Reader) -> None:
        v = self.virtual(r.text() or ".")
        self._send(NAME, struct.pack(">II", rid, 1) + _string(v) + _string(v) + _attrs(None))

    def _rename(self, rid: int, r: _Reader) -> None:
        old, new = self.real(r.text()), self.real(r.text())
        if self.root in (old, new):
            raise _Error(PERMISSION_DENIED, "Permission denied")
        if os.path.lexists(new):
            raise _Error(FAILURE, "File exists")  # SFTP v3: rename never replaces
        os.rename(old, new)
        self._status(rid, OK)


def serve_stdio(root: str | os.PathLike) -> int:
    """Serve the session on this process's standard input and output."""
    return SftpServer(root, sys.stdin.buffer, sys.stdout.buffer).serve()


if __name__ == "__main__":  # python -m zhtj_tui.sftp FOLDER (tests, and sftp -D)
    raise SystemExit(serve_stdio(sys.argv[1]))
