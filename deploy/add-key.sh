#!/bin/sh
# Give an administrator access (run as root): their public key, tied to their account.
#   sh deploy/add-key.sh 13800000000 zhangsan.pub [/var/lib/zhtj/.ssh/authorized_keys]
# The account is the mobile number (or ID number) they log in with, registered or about to
# be. With this key they get the interface (login fixed to that account) and sftp/WinSCP
# confined to that account's own folder; nothing else. To revoke, delete the line.
set -eu
account=$1
pub=$2
keys=${3:-/var/lib/zhtj/.ssh/authorized_keys}
case "$account" in
  *[!0-9Xx]*|'') echo "account must be an 11-digit mobile number or an 18-character ID number"; exit 2 ;;
esac
line=$(grep -v '^[[:space:]]*#' "$pub" | grep -E '^(ssh-|ecdsa-|sk-)' | head -n 1)
[ -n "$line" ] || { echo "$pub holds no OpenSSH public key (in PuTTYgen: 'Public key for pasting into OpenSSH authorized_keys file')"; exit 2; }
key=$(echo "$line" | awk '{print $1" "$2}')
if grep -qF "$key" "$keys" 2>/dev/null; then
  echo "this key is already in $keys: delete its line first to give it to another account"; exit 1
fi
printf 'restrict,pty,environment="ZHTJ_ACCOUNT=%s" %s zhtj:%s\n' "$account" "$key" "$account" >>"$keys"
echo "added: key for account $account"
