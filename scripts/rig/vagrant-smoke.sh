#!/usr/bin/env bash
# Full Vagrant cycle on the rig with scripts/rig/Vagrantfile.example (run by `scripts/rig.sh smoke`):
# up (+ shell provisioner sets the root password) -> password hash checked in /etc/shadow and by an SSH
# password login -> VNC answers RFB -> halt -> up (password persisted) -> ACPI shutdown -> destroy -f.
# shellcheck disable=SC2016,SC1091 # single-quoted $ is meant literally; rig.env exists only once the rig is up
set -euo pipefail
export LC_ALL=C.UTF-8
RIG=${RIG:?set RIG}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
set -a; . "$RIG/rig.env"; set +a
PY=/usr/bin/python3

usec() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
T0=$(usec)
fmt_s() { printf '%d.%02ds' $(($1 / 1000000)) $(($1 % 1000000 / 10000)); }
t() { # t "label" command...: run, print duration, keep output in $OUT
  local label=$1 s rc=0; shift
  s=$(usec)
  "$@" > "$OUT" 2>&1 || rc=$?
  printf '  %-44s rc=%d %8s\n' "$label" "$rc" "$(fmt_s $(( $(usec) - s )))"
  if (( rc )); then tail -n 20 "$OUT" | sed 's/^/    | /'; fi
  return "$rc"
}
fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }
wait_state() { # wait_state DOMAIN STATE SECONDS
  local i
  for ((i = 0; i < $3 * 10; i++)); do [[ $(virsh domstate "$1" 2>/dev/null) == "$2" ]] && return 0; sleep 0.1; done
  return 1
}

D=$RIG/scratch/smoke-$$/alice/vm1
mkdir -p "$D"
OUT=$RIG/logs/smoke-$$.out
PREFIX="rig-smoke-$$-"
sed "s/lv.default_prefix *= .*/lv.default_prefix          = \"$PREFIX\"/" "$SRC/Vagrantfile.example" > "$D/Vagrantfile"
cd "$D"
export VMM_PASSWORD='Stud-Pw!é:1'   # non-ASCII, '!' and ':' on purpose
trap 'vagrant destroy -f >/dev/null 2>&1 || true; rm -rf "$RIG/scratch/smoke-$$"' EXIT

echo "smoke in $D"
t "vagrant up (boot + provision)" vagrant up --provider=libvirt || fail "vagrant up"
grep -q 'Running provisioner: set-password' "$OUT" || fail "provisioner did not run"
UUID=$(cat .vagrant/machines/default/libvirt/id); DOM=$(virsh domname "$UUID")
echo "  domain $DOM ($UUID) state: $(virsh domstate "$DOM")"

t "vagrant ssh -c 'cat /etc/shadow'" vagrant ssh -c 'cat /etc/shadow' || fail "vagrant ssh"
HASH=$(awk -F: '/^root:/ { print $2 }' "$OUT" | tr -d '\r')
[[ $HASH == '$6$'* ]] || fail "root password not set by the provisioner (shadow field: '$HASH', initramfs has '*')"
"$PY" -W ignore -c 'import crypt, sys; sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) != sys.argv[2])' "$VMM_PASSWORD" "$HASH" ||
  fail "the shadow hash does not match VMM_PASSWORD"
echo "  /etc/shadow root hash ${HASH:0:20}... matches VMM_PASSWORD (was '*' = locked before provisioning)"

# end to end: log in over SSH with the password (dropbear, password auth, no key)
IP=$(vagrant ssh-config | awk '$1 == "HostName" { print $2 }')
ASK=$RIG/scratch/smoke-$$/askpass; printf '#!/bin/sh\nprintf "%%s\\n" "$VMM_PASSWORD"\n' > "$ASK"; chmod 700 "$ASK"
t "ssh root@$IP with the password" env SSH_ASKPASS="$ASK" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w \
  ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no \
      -o PreferredAuthentications=password -o ConnectTimeout=10 "root@$IP" 'echo password-login-ok' </dev/null ||
  fail "password login"
grep -q password-login-ok "$OUT" || fail "password login did not run the command"
printf '#!/bin/sh\necho wrong-password\n' > "$ASK"
if env SSH_ASKPASS="$ASK" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w ssh -o StrictHostKeyChecking=no \
     -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o PreferredAuthentications=password \
     -o NumberOfPasswordPrompts=1 "root@$IP" true </dev/null >/dev/null 2>&1; then fail "a wrong password was accepted"; fi
echo "  a wrong password is refused"

# The env value is double-quoted by Vagrant, so $ and backticks are expanded by the guest shell; the
# base64 variant documented in the example passes any password intact. Check it with a hostile one.
B64_PW='a$HOME`id`b\c"d'\''e é!'
sed -i -e '/^  config.vm.provision "shell"/,/env: { "VMM_PASSWORD"/d' \
       -e 's/^  # config.vm.provision/  config.vm.provision/; s/^  #   inline:/    inline:/; s/^  #   env:/    env:/' Vagrantfile
grep -q VMM_PASSWORD_B64 Vagrantfile || fail "could not switch the Vagrantfile to the base64 variant"
t "vagrant provision (base64 variant)" env VMM_PASSWORD_B64="$(printf '%s' "$B64_PW" | base64 -w0)" vagrant provision ||
  fail "base64 provisioner"
vagrant ssh -c 'cat /etc/shadow' > "$OUT" 2>&1
H2=$(awk -F: '/^root:/ { print $2 }' "$OUT" | tr -d '\r')
"$PY" -W ignore -c 'import crypt, sys; sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) != sys.argv[2])' "$B64_PW" "$H2" ||
  fail "base64 variant: hash does not match"
echo "  base64 variant set a password with \$ \` \\ \" ' intact"
HASH=$H2

DISP=$(virsh domdisplay --type vnc "$DOM"); PORT=$((5900 + ${DISP##*:}))
RFB=$("$PY" -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3); print(s.recv(12).decode().strip())' "$PORT")
[[ $RFB == RFB* ]] || fail "VNC port $PORT answered '$RFB'"
echo "  virsh domdisplay: $DISP -> port $PORT answers '$RFB'"

t "vagrant halt" vagrant halt || fail "vagrant halt"
[[ $(virsh domstate "$DOM") == "shut off" ]] || fail "after halt: $(virsh domstate "$DOM")"
grep -q 'Forcing shutdown' "$OUT" && fail "halt was forced: the guest ignored shutdown -h"
t "vagrant up (again, no provisioning)" vagrant up || fail "second vagrant up"
t "vagrant ssh: password kept across halt/up" vagrant ssh -c 'cat /etc/shadow' || fail "vagrant ssh"
[[ $(awk -F: '/^root:/ { print $2 }' "$OUT" | tr -d '\r') == "$HASH" ]] || fail "password lost across halt/up"

s=$(usec); virsh shutdown "$DOM" >/dev/null
wait_state "$DOM" "shut off" 30 || fail "ACPI shutdown: still $(virsh domstate "$DOM") after 30 s"
printf '  %-44s rc=0 %8s\n' "virsh shutdown (ACPI) -> shut off" "$(fmt_s $(( $(usec) - s )))"

t "vagrant destroy -f" vagrant destroy -f || fail "vagrant destroy"
virsh dominfo "$UUID" >/dev/null 2>&1 && fail "domain still defined after destroy"
echo "  pool $VMM_POOL now: $(virsh vol-list "$VMM_POOL" | awk 'NR > 2 && $1 { printf "%s ", $1 }')"
printf 'SMOKE OK in %s\n' "$(fmt_s $(( $(usec) - T0 )))"
