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

from zhtj_tui.sftp.server import SftpServer, serve_stdio

__all__ = ["SftpServer", "serve_stdio"]
