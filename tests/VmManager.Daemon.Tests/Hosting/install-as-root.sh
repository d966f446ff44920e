#!/usr/bin/env bash
# deploy/install.sh for the real system (no --prefix), run by InstallScriptTests inside a private mount
# namespace (unshare -m) where /etc, /opt and /var/lib are overlays: useradd, chown and every file land
# in WORK, the host is untouched. Checks what a scratch-prefix install cannot: the user, the ownership
# the service needs, root's admin commands beside it, the pre-upgrade backup, the purge.
#   install-as-root.sh WORK REPO PUBLISHED
set -Eeuo pipefail
work=$1 repo=$2 published=$3
fail() { echo "CHECK FAILED: $*" >&2; exit 1; }
owner() { stat -c '%U:%G %a' "$1"; }

for dir in etc opt var/lib; do
  layer=$work/${dir//\//-}
  mkdir -p "$layer-upper" "$layer-work"
  mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$layer-upper,workdir=$layer-work" "/$dir"
done

"$repo/deploy/install.sh" --from "$published"
id -nG vm-manager | grep -qw libvirt || fail "vm-manager is not in group libvirt"
[[ $(owner /var/lib/vm-manager) == "vm-manager:vm-manager 750" ]] || fail "data folder: $(owner /var/lib/vm-manager)"
[[ $(owner /etc/vm-manager/vm-manager.toml) == "root:vm-manager 640" ]] || fail "config: $(owner /etc/vm-manager/vm-manager.toml)"
[[ $(owner /opt/vm-manager/vm-manager) == "root:root 755" ]] || fail "program: $(owner /opt/vm-manager/vm-manager)"

# The admin's first steps, as root: secrets into the store, check, first account.
printf %s 'bind-secret' | install -m 0600 /dev/stdin /etc/credstore/vm-manager.ldap-bind-password
printf %s 'mail-secret' | install -m 0600 /dev/stdin /etc/credstore/vm-manager.mail-password
[[ $(/opt/vm-manager/vm-manager check-config) == ok ]] || fail "check-config as root"
printf 'First-Admin-Pw1\n' | /opt/vm-manager/vm-manager users add first.admin --role admin
[[ $(owner /var/lib/vm-manager/vm-manager.db) == "vm-manager:vm-manager 640" ]] ||
  fail "root's users add left the database as $(owner /var/lib/vm-manager/vm-manager.db)"

# The service's identity and umask as the unit sets them; systemd would hand over the secrets.
# Always called in a subshell: exec all the way down, so that $! is the daemon itself.
as_service() {
  exec setpriv --reuid=vm-manager --regid=vm-manager --init-groups --inh-caps=-all --bounding-set=-all --no-new-privs \
    env -i HOME=/var/lib/vm-manager PATH=/usr/bin:/bin CREDENTIALS_DIRECTORY="$work/credentials" \
    VAGRANT_HOME=/var/lib/vm-manager/vagrant.d VMMANAGER__Server__Url=http://127.0.0.1:0 \
    bash -c 'umask 0027; cd /var/lib/vm-manager; exec "$@"' as-service "$@"
}
install -d -m 0755 "$work/credentials"
printf %s 'bind-secret' > "$work/credentials/Ldap__BindPassword"
printf %s 'mail-secret' > "$work/credentials/Mail__Password"
chmod 0644 "$work/credentials"/*
printf 'Changed-By-Svc-2\n' | (as_service /opt/vm-manager/vm-manager users passwd first.admin) ||
  fail "the service user cannot write the database root's command created"
(as_service /opt/vm-manager/vm-manager --config /etc/vm-manager/vm-manager.toml) > "$work/daemon.log" 2>&1 &
daemon=$!
trap 'kill -KILL "$daemon" 2> /dev/null || true' EXIT
for _ in $(seq 300); do grep -q 'Now listening on' "$work/daemon.log" && break; sleep 0.1; done
grep -q 'Now listening on' "$work/daemon.log" || { cat "$work/daemon.log"; fail "the daemon did not start as vm-manager"; }
/opt/vm-manager/vm-manager backup "$work/online.db" || fail "backup as root beside the running daemon"
kill -TERM "$daemon"
wait "$daemon" || fail "the daemon did not stop cleanly"
[[ $(owner /var/lib/vm-manager/keys) == "vm-manager:vm-manager 700" ]] || fail "keys: $(owner /var/lib/vm-manager/keys)"
[[ -z $(find /var/lib/vm-manager -maxdepth 1 \( -name '*-wal' -o -name '*-shm' \)) ]] || fail "WAL files left behind"

"$repo/deploy/install.sh" --from "$published"
compgen -G '/var/lib/vm-manager/backups/before-upgrade-*.db' > /dev/null || fail "no pre-upgrade backup"
printf 'First-Admin-Pw1\n' | /opt/vm-manager/vm-manager users add first.admin --role admin && fail "the account was lost by the upgrade"

# A release that refuses the config aborts the upgrade before touching anything.
printf '[Server]\nUrl = "ftp://nowhere"\n' > "$work/bad.toml"
cp /etc/vm-manager/vm-manager.toml "$work/good.toml"
cp "$work/bad.toml" /etc/vm-manager/vm-manager.toml
before=$(stat -c %i /opt/vm-manager)
"$repo/deploy/install.sh" --from "$published" && fail "the upgrade went on with a refused config"
[[ $(stat -c %i /opt/vm-manager) == "$before" ]] || fail "the refused upgrade replaced the program"
cp "$work/good.toml" /etc/vm-manager/vm-manager.toml

"$repo/deploy/install.sh" --uninstall --purge
id vm-manager > /dev/null 2>&1 && fail "--purge left the vm-manager user"
[[ ! -e /var/lib/vm-manager && ! -e /etc/vm-manager && ! -e /opt/vm-manager ]] || fail "--purge left files"
echo "all checks passed"
