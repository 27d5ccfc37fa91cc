"""python -m zhtj_tui.sftp FOLDER: serve one session on standard input and output (the
tests, and ``sftp -D``)."""

import sys

from zhtj_tui.sftp.server import serve_stdio

raise SystemExit(serve_stdio(sys.argv[1]))
