#!/bin/sh
# Set up zhtj-tui on a shared server (Debian/Ubuntu, run as root from the source folder):
#   sh deploy/install.sh            # SQLite in /var/lib/zhtj/data (default)
#   sh deploy/install.sh postgres   # a local PostgreSQL role and database named zhtj
# Idempotent: running it again upgrades the program and keeps the data.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
backend=${1:-sqlite}

# 1. A dedicated system user that owns the data. Its shell must be a real shell: sshd runs
#    the ForceCommand through it (the ForceCommand, not the shell, is what users get).
if ! id zhtj >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/zhtj --create-home --shell /bin/sh zhtj
fi
install -d -o zhtj -g zhtj -m 0700 /var/lib/zhtj /var/lib/zhtj/data /var/lib/zhtj/files /var/backups/zhtj
install -d -o zhtj -g zhtj -m 0700 /var/lib/zhtj/.config /var/lib/zhtj/.config/zhtj-tui

# 2. The program in its own virtualenv.
install -d -m 0755 /opt/zhtj
[ -x /opt/zhtj/.venv/bin/python ] || python3 -m venv /opt/zhtj/.venv
if [ "$backend" = postgres ]; then
  /opt/zhtj/.venv/bin/pip install -q "$src[postgres]"
else
  /opt/zhtj/.venv/bin/pip install -q "$src"
fi

# 3. Where the data lives. PostgreSQL: peer authentication over the local socket, so the
#    config holds no password at all.
cfg=/var/lib/zhtj/.config/zhtj-tui/config.toml
if [ ! -e "$cfg" ]; then
  if [ "$backend" = postgres ]; then
    su postgres -c "psql -v ON_ERROR_STOP=1 -f $src/deploy/postgres.sql"
    echo 'db = "postgresql:///zhtj"' >"$cfg"
  else
    echo 'db = "sqlite:////var/lib/zhtj/data/zhtj.sqlite"' >"$cfg"
  fi
  chown zhtj:zhtj "$cfg"
  chmod 0600 "$cfg"
fi
# Each administrator's own folder is made (0700) under files_dir on first use; sftp through
# `zhtj gate` reaches only that folder.
grep -q '^files_dir' "$cfg" || echo 'files_dir = "/var/lib/zhtj/files"' >>"$cfg"

# 4. SSH: keys are managed by root, one line per administrator naming their account
#    (deploy/add-key.sh writes it): restrict,pty,environment="ZHTJ_ACCOUNT=<mobile>" ssh-ed25519 …
install -d -o root -g root -m 0755 /var/lib/zhtj/.ssh
[ -e /var/lib/zhtj/.ssh/authorized_keys ] || install -o root -g root -m 0644 /dev/null /var/lib/zhtj/.ssh/authorized_keys
install -o root -g root -m 0644 "$src/deploy/sshd_config.d/zhtj.conf" /etc/ssh/sshd_config.d/zhtj.conf
sshd -t
sshd -T -C user=zhtj,host=localhost,addr=127.0.0.1 | grep -qi '^forcecommand /opt/zhtj/.venv/bin/zhtj gate' \
  || { echo "sshd does not apply the zhtj Match block: put it at the end of /etc/ssh/sshd_config"; exit 1; }
systemctl reload ssh 2>/dev/null || systemctl reload sshd 2>/dev/null || true

# 5. Backups and checks from cron.
install -o root -g root -m 0644 "$src/deploy/cron.d/zhtj" /etc/cron.d/zhtj

echo "Done. Next, as the zhtj user: su -s /bin/sh zhtj -c '/opt/zhtj/.venv/bin/zhtj init --name 学校团委'"
echo "Add each administrator's key: sh deploy/add-key.sh 13800000000 their_key.pub  (the mobile number they register with)"
