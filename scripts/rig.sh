#!/usr/bin/env bash
# VmManager test rig: real libvirt/QEMU (TCG) + Vagrant (vagrant-libvirt) + OpenLDAP + an SMTP sink on this
# machine, without systemd. Everything generated lives in $VMM_RIG (default /var/tmp/vmm-rig).
#
#   scripts/rig.sh install               Debian packages (no-op in < 1 s when all are there)
#   scripts/rig.sh install-web           chromium nginx websockify socat (browser/console tests, bridge bench)
#   scripts/rig.sh up [virt|ldap|smtp|nspawn]  start (idempotent: reuses what is up); writes $VMM_RIG/rig.env
#                                        (nspawn: a Debian 12 rootfs with systemd, built once, for the unit's tests)
#   scripts/rig.sh down [--purge]        stop everything, remove all domains/volumes/pools/networks;
#                                        keeps built artefacts unless --purge (removes $VMM_RIG)
#   scripts/rig.sh stop|start ldap|smtp  stop/start one service (fault injection)
#   scripts/rig.sh status                one line per part; exit 0 only if all are up
#   scripts/rig.sh smoke                 full Vagrant cycle with scripts/rig/Vagrantfile.example
# See scripts/rig/README.md.
set -Eeuo pipefail
export LC_ALL=C.UTF-8
trap 'printf "[rig] ERROR: failed (rc=%d) at %s line %d: %s\n" "$?" "${FUNCNAME[0]:-main}" "$LINENO" "$BASH_COMMAND" >&2' ERR

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/rig
RIG=${VMM_RIG:-/var/tmp/vmm-rig}

POOL=vmm-rig
NET=vagrant-libvirt
BRIDGE=virbr1
BOX=vmm/tiny
BOX_DIR_NAME=vmm-VAGRANTSLASH-tiny
BASE_VOL=vmm-base.qcow2
LDAP_URL=ldap://127.0.0.1:3389
LDAPS_URL=ldaps://127.0.0.1:6636
BASE_DN=dc=school,dc=test
SVC_DN=uid=svc-vmm,ou=services,$BASE_DN
SVC_PW=svc-vmm-pw
ADMIN_DN=cn=admin,$BASE_DN
ADMIN_PW=rig-admin-pw
SMTP_HOST=127.0.0.1
SMTP_PORT=2525
PY=/usr/bin/python3   # Debian's python: the pyenv one first in PATH has no aiosmtpd
LOCK=/run/lock/vmm-rig.lock   # one lock per machine: libvirtd, the bridge and the ports are machine-wide

PACKAGES=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils vagrant vagrant-libvirt dnsmasq-base
          iptables ebtables slapd ldap-utils python3-aiosmtpd busybox-static bc sqlite3 openssl
          openssh-client e2fsprogs xz-utils iproute2 procps util-linux
          systemd prometheus    # systemd-analyze (unit checks), promtool (metrics format checks)
          systemd-container debootstrap)   # the unit booted under a real systemd (NspawnUnitTests)
WEB_PACKAGES=(chromium nginx websockify socat)

export LIBVIRT_DEFAULT_URI=qemu:///system
export VAGRANT_HOME=$RIG/vagrant-home
export VAGRANT_CHECKPOINT_DISABLE=1   # no version check against the internet on every vagrant call
export VAGRANT_DEFAULT_PROVIDER=libvirt

say() { printf '[rig] %s\n' "$*"; }
die() { printf '[rig] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $RIG =~ ^/[A-Za-z0-9_./-]+$ ]] || die "VMM_RIG must be an absolute path of [A-Za-z0-9_./-] (it is written unquoted to rig.env)"
[[ $(id -u) == 0 ]] || die "run as root"

# --- timing ----------------------------------------------------------------------------------------------
usec() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
T0=$(usec)
STEPS=()
fmt_s() { local us=$1; printf '%d.%02ds' $((us / 1000000)) $((us % 1000000 / 10000)); }
step() { # step "label" command...: run it, remember how long it took
  local label=$1 t; shift
  t=$(usec)
  "$@"
  STEPS+=("$(printf '  %-40s %8s' "$label" "$(fmt_s $(( $(usec) - t )))")")
}
summary() {
  printf '%s\n' "${STEPS[@]}"
  printf '  %-40s %8s\n' "total" "$(fmt_s $(( $(usec) - T0 )))"
}

# --- locking ---------------------------------------------------------------------------------------------
# Every daemon we start gets `9>&-`: an inherited lock fd would keep the lock held forever.
LOCKED=0
take_lock() {
  (( LOCKED )) && return 0   # re-opening fd 9 would drop the lock we hold
  mkdir -p "${LOCK%/*}"
  exec 9>"$LOCK"
  flock -w 900 9 || die "another scripts/rig.sh still holds $LOCK"
  LOCKED=1
}

# --- processes (pids wrap: a pid file only counts if the process still runs the expected command) --------
pid_of() { # pid_of PIDFILE MUST_CONTAIN [MUST_NOT_CONTAIN]: print the live pid or fail
  local f=$1 want=$2 unwanted=${3:-} pid cmd
  [[ -r $f ]] || return 1
  pid=$(tr -cd '0-9' < "$f")
  [[ -n $pid ]] || return 1
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ -n $cmd && $cmd == *"$want"* ]] || return 1
  [[ -z $unwanted || $cmd != *"$unwanted"* ]] || return 1
  echo "$pid"
}
stop_pid() { # stop_pid PID NAME: SIGTERM, up to 15 s, then SIGKILL
  local pid=$1 name=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    [[ -e /proc/$pid && $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 0
    sleep 0.1
  done
  say "$name (pid $pid) ignored SIGTERM for 15 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}
stop_pidfile() { # stop_pidfile PIDFILE MUST_CONTAIN NAME [MUST_NOT_CONTAIN]
  local pid
  if pid=$(pid_of "$1" "$2" "${4:-}"); then stop_pid "$pid" "$3"; fi
  rm -f "$1" 2>/dev/null || true
}
wait_until() { # wait_until SECONDS command...: poll every 0.1 s until the command succeeds
  local i
  for ((i = 0; i < $1 * 10; i++)); do
    "${@:2}" && return 0
    sleep 0.1
  done
  return 1
}

# --- packages --------------------------------------------------------------------------------------------
missing_packages() { # prints those of "$@" that are not installed (one dpkg-query call)
  local installed p
  # (dpkg-query exits 1 when a package is unknown to dpkg: that is the case we are looking for)
  installed=" $({ dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' "$@" 2>/dev/null || true; } | awk '/^ii / { printf "%s ", $2 }') "
  for p in "$@"; do [[ $installed == *" $p "* ]] || printf '%s\n' "$p"; done
}
apt_install() {
  local missing rc=0 made_policy=0 i
  mapfile -t missing < <(missing_packages "$@")
  (( ${#missing[@]} )) || return 0
  say "installing: ${missing[*]}"
  for ((i = 0; i < 180; i++)); do   # another apt/dpkg run holds the locks: wait for it (up to 15 min)
    pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null || break
    sleep 5
  done
  # No package may start its daemon: there is no systemd, and we run our own slapd/libvirtd/nginx.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from VmManager scripts/rig.sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d; made_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT   # also when interrupted
  fi
  # slapd: no initial configuration/database (and so nothing for its init script to start on :389)
  if [[ " ${missing[*]} " == *" slapd "* ]]; then
    echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  fi
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  } >>"$RIG/logs/apt.log" 2>&1 || rc=$?
  if (( made_policy )); then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
  (( rc == 0 )) || die "apt-get failed (rc=$rc), see $RIG/logs/apt.log"
}
quiesce_package_daemons() {
  # If a postinst did start Debian's own slapd (no policy-rc.d), it listens on ldap:/// :389 with the
  # package's config: stop it, we run our own on 3389/6636.
  local pid
  if pid=$(pid_of /run/slapd/slapd.pid slapd "$RIG/ldap/slapd.conf"); then
    say "stopping the slapd started by the Debian package (pid $pid)"
    stop_pid "$pid" slapd
  fi
  if [[ -n $(ss -Hltn 'sport = :389' 2>/dev/null) ]]; then say "WARNING: something still listens on port 389"; fi
}
cmd_install() {
  take_lock
  mkdir -p "$RIG/logs"
  apt_install "${PACKAGES[@]}"
  quiesce_package_daemons
}
cmd_install_web() {
  take_lock
  mkdir -p "$RIG/logs"
  apt_install "${WEB_PACKAGES[@]}"
}

# --- virt ------------------------------------------------------------------------------------------------
guest_stamp() { cat "$SRC/build-guest.sh" "$SRC"/guest/* "$SRC/box/Vagrantfile" | sha256sum | cut -c1-16; }
ensure_guest() {
  local stamp; stamp=$(guest_stamp)
  if [[ -f $RIG/kernel/.built-$stamp && -f $RIG/kernel/vmlinuz && -f $RIG/kernel/initrd.img &&
        -f $RIG/kernel/initrd-net.img && -f $RIG/images/base.qcow2 && -f $RIG/box/vmm-tiny.box ]]; then
    return 0
  fi
  say "building guest artefacts (kernel, initramfs, base image, box)"
  RIG=$RIG bash "$SRC/build-guest.sh" >> "$RIG/logs/build-guest.log" 2>&1 ||
    die "guest build failed, see $RIG/logs/build-guest.log"
  rm -f "$RIG"/kernel/.built-*
  touch "$RIG/kernel/.built-$stamp"
}
libvirtd_pid() { pid_of /run/libvirtd.pid "$RIG/etc/libvirtd.conf"; }
foreign_libvirtd() { pid_of /run/libvirtd.pid libvirtd "$RIG/etc/libvirtd.conf"; }
virsh_ok() { virsh version >/dev/null 2>&1; }
start_libvirt() {
  local pid i
  if libvirtd_pid >/dev/null && virsh_ok; then return 0; fi
  if pid=$(foreign_libvirtd); then
    die "a libvirtd not started by this rig runs (pid $pid, $(tr '\0' ' ' < "/proc/$pid/cmdline")); stop it first"
  fi
  # libvirt's NAT network turns ip_forward on; remember the original for `down`
  [[ -f $RIG/run/ip_forward.orig ]] || cat /proc/sys/net/ipv4/ip_forward > "$RIG/run/ip_forward.orig"
  mkdir -p /run/libvirt "$RIG/etc" "$RIG/libvirt/qemu" "$RIG/libvirt/storage" /etc/libvirt/storage
  cp "$SRC/etc/libvirtd.conf" "$SRC/etc/qemu.conf" "$RIG/etc/"
  if ! pid_of /run/virtlogd.pid virtlogd >/dev/null; then
    LIBVIRT_LOG_OUTPUTS="3:file:$RIG/logs/virtlogd.log" virtlogd -d </dev/null >/dev/null 2>&1 9>&-
  fi
  # Private mount namespace: our qemu.conf replaces /etc/libvirt/qemu.conf, and the persistent domain/
  # network/pool definitions live in $RIG/libvirt (so Debian's autostarted 'default' network is not seen
  # and nothing is left under /etc). Nothing under /etc is edited.
  # shellcheck disable=SC2016 # $1 expands in the inner sh
  LIBVIRT_LOG_OUTPUTS="3:file:$RIG/logs/libvirtd.log" \
    unshare --mount --propagation private -- sh -c '
      mount --bind "$1/etc/qemu.conf" /etc/libvirt/qemu.conf &&
      mount --bind "$1/libvirt/qemu" /etc/libvirt/qemu &&
      mount --bind "$1/libvirt/storage" /etc/libvirt/storage &&
      exec libvirtd -d -f "$1/etc/libvirtd.conf"' sh "$RIG" </dev/null >>"$RIG/logs/libvirtd.out" 2>&1 9>&-
  # cold start (empty capability cache) takes 8-12 s
  for ((i = 0; i < 1200; i++)); do
    if virsh_ok; then return 0; fi
    sleep 0.05
  done
  die "libvirtd did not answer within 60 s, see $RIG/logs/libvirtd.log"
}
ensure_pool() {
  mkdir -p "$RIG/pool"
  if ! virsh pool-info "$POOL" >/dev/null 2>&1; then
    virsh pool-define-as "$POOL" dir --target "$RIG/pool" >/dev/null
  fi
  if [[ $(virsh pool-info "$POOL" | awk '/^State:/ { print $2 }') != running ]]; then
    virsh pool-start "$POOL" >/dev/null
  fi
  # the base image as a pool volume too: `virsh vol-create-as --backing-vol` only accepts pool volumes
  if ! virsh vol-info --pool "$POOL" "$BASE_VOL" >/dev/null 2>&1; then
    cp "$RIG/images/base.qcow2" "$RIG/pool/$BASE_VOL"
    virsh pool-refresh "$POOL" >/dev/null
  fi
}
# (no `virsh ... | grep -q`: grep exits at the first match, virsh gets SIGPIPE and pipefail fails the test)
net_active() { [[ $(virsh net-info "$NET" 2>/dev/null) =~ Active:\ +yes ]]; }
net_isolated() { [[ $(virsh net-dumpxml "$NET" 2>/dev/null) == *"<port isolated='yes'/>"* ]]; }
ensure_network() {
  # A network defined before guests were isolated is redefined, but never under running guests.
  if virsh net-info "$NET" >/dev/null 2>&1 && ! net_isolated; then
    if [[ -n $(virsh list --name) ]]; then
      echo "rig.sh: network $NET does not isolate guests; redefine it once no domain runs (scripts/rig.sh up virt)" >&2
    else
      if net_active; then virsh net-destroy "$NET" >/dev/null; fi
      virsh net-undefine "$NET" >/dev/null
    fi
  fi
  virsh net-info "$NET" >/dev/null 2>&1 || virsh net-define "$SRC/xml/vagrant-libvirt-net.xml" >/dev/null
  net_active || virsh net-start "$NET" >/dev/null
}
box_installed() { [[ -f $VAGRANT_HOME/boxes/$BOX_DIR_NAME/0/libvirt/metadata.json ]]; }
ensure_box() {
  local stamp
  stamp=$(sha256sum "$RIG/box/vmm-tiny.box" | cut -c1-16)
  if box_installed && [[ $(cat "$RIG/box/.added" 2>/dev/null) == "$stamp" ]]; then return 0; fi
  vagrant box add --force --name "$BOX" "$RIG/box/vmm-tiny.box" >> "$RIG/logs/vagrant-box.log" 2>&1 ||
    die "vagrant box add failed, see $RIG/logs/vagrant-box.log"
  echo "$stamp" > "$RIG/box/.added"
  # (the box image vagrant-libvirt uploads to the pool is named with the box's add time, so a re-added box
  #  gets a fresh upload; older copies may still back existing VMs and stay until `down`)
}
up_virt() {
  step "virt: guest artefacts" ensure_guest
  step "virt: virtlogd + libvirtd" start_libvirt
  step "virt: pool $POOL" ensure_pool
  step "virt: network $NET" ensure_network
  step "virt: vagrant box $BOX" ensure_box
}
virt_clean_libvirt() { # remove every domain (with its storage), volume, pool and network
  local d p n f doms pools nets
  mapfile -t doms < <(virsh list --all --name 2>/dev/null | sed '/^$/d')
  for d in "${doms[@]}"; do virsh destroy "$d" >/dev/null 2>&1 & done   # TCG destroy takes 1.5-2 s: in parallel
  wait
  for d in "${doms[@]}"; do
    virsh undefine "$d" --remove-all-storage --nvram --managed-save --snapshots-metadata >/dev/null 2>&1 ||
      virsh undefine "$d" >/dev/null 2>&1 || say "WARNING: could not undefine domain $d"
  done
  mapfile -t pools < <(virsh pool-list --all --name 2>/dev/null | sed '/^$/d')
  for p in "${pools[@]}"; do
    if [[ $p == "$POOL" ]]; then
      virsh pool-start "$p" >/dev/null 2>&1 || true
      virsh pool-refresh "$p" >/dev/null 2>&1 || true
      for f in "$RIG/pool"/*; do
        [[ -e $f ]] && { virsh vol-delete "$f" >/dev/null 2>&1 || rm -f "$f"; }
      done
    fi
    virsh pool-destroy "$p" >/dev/null 2>&1 || true
    virsh pool-undefine "$p" >/dev/null 2>&1 || true
  done
  mapfile -t nets < <(virsh net-list --all --name 2>/dev/null | sed '/^$/d')
  for n in "${nets[@]}"; do
    virsh net-destroy "$n" >/dev/null 2>&1 || true
    virsh net-undefine "$n" >/dev/null 2>&1 || true
  done
}
stop_libvirt() {
  stop_pidfile /run/libvirtd.pid "$RIG/etc/libvirtd.conf" libvirtd
  stop_pidfile /run/virtlogd.pid virtlogd virtlogd
}
clean_host() { # whatever a crashed/killed libvirtd may leave: processes, firewall chains, bridge, ip_forward
  local f ipt t chains c rule r
  for f in /run/libvirt/qemu/*.pid; do [[ -e $f ]] && stop_pidfile "$f" qemu-system qemu; done
  for f in /run/libvirt/network/*.pid; do [[ -e $f ]] && stop_pidfile "$f" dnsmasq dnsmasq; done
  # runtime status of domains/networks of a libvirtd that died without cleaning up
  rm -f /run/libvirt/qemu/*.xml /run/libvirt/network/*.xml
  # libvirt leaves its (empty) LIBVIRT_* chains and the jumps to them behind
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for t in filter nat mangle raw; do
      chains=$("$ipt" -w -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^LIBVIRT_/ { print $2 }') || true
      [[ -n $chains ]] || continue
      while read -r rule; do
        read -ra r <<< "$rule"; r[0]=-D
        "$ipt" -w -t "$t" "${r[@]}" 2>/dev/null || true
      done < <("$ipt" -w -t "$t" -S | awk '$1 == "-A" && $2 !~ /^LIBVIRT_/ && / -j LIBVIRT_/')
      for c in $chains; do "$ipt" -w -t "$t" -F "$c" 2>/dev/null || true; done
      for c in $chains; do "$ipt" -w -t "$t" -X "$c" 2>/dev/null || true; done
    done
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE" 2>/dev/null || true; fi
  if [[ -f $RIG/run/ip_forward.orig ]]; then
    cat "$RIG/run/ip_forward.orig" > /proc/sys/net/ipv4/ip_forward
    rm -f "$RIG/run/ip_forward.orig"
  fi
  rm -rf "$RIG/libvirt" "$RIG/pool"
}
down_virt() {
  local pid
  if pid=$(foreign_libvirtd); then
    say "WARNING: libvirtd pid $pid was not started by this rig: leaving libvirt alone"
    return 0
  fi
  if libvirtd_pid >/dev/null && virsh_ok; then
    step "virt: domains, volumes, pools, networks" virt_clean_libvirt
  fi
  step "virt: stop libvirtd + virtlogd" stop_libvirt
  step "virt: host cleanup" clean_host
}

# --- TLS (shared by slapd and the SMTP sink) -------------------------------------------------------------
ensure_tls() {
  local d=$RIG/tls
  [[ -f $d/ca.crt && -f $d/server.crt && -f $d/server.key && -d $d/hashed ]] && return 0
  rm -rf "$d"; mkdir -p "$d/hashed"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout ca.key -out ca.crt \
      -subj "/CN=VmManager rig test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > server.ext
    openssl x509 -req -sha256 -days 3650 -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out server.crt -extfile server.ext 2>/dev/null
    rm -f server.csr server.ext ca.srl
    chmod 600 ca.key server.key
    cp ca.crt hashed/ && openssl rehash hashed   # for clients that want a CA directory
  )
}

# --- LDAP ------------------------------------------------------------------------------------------------
slapd_pid() { pid_of "$RIG/run/slapd.pid" "$RIG/ldap/slapd.conf"; }
# Serving means what VmManager does first: a StartTLS bind with the service account. slapd answers an
# anonymous search on 3389 before that works, and a test started in that gap fails with "server unavailable".
ldap_serves() {
  slapd_pid >/dev/null &&
    LDAPTLS_CACERT="$RIG/tls/ca.crt" ldapwhoami -ZZ -x -H "$LDAP_URL" -D "$SVC_DN" -w "$SVC_PW" >/dev/null 2>&1
}
ldif_attr() { # ldif_attr NAME VALUE: plain when safe ASCII, base64 (NAME::) otherwise (RFC 2849)
  local ascii='^[ -~]*$'
  if [[ $2 =~ $ascii && $2 != [\ :\<]* && $2 != *' ' ]]; then printf '%s: %s\n' "$1" "$2"
  else printf '%s:: %s\n' "$1" "$(printf '%s' "$2" | base64 -w0)"; fi
}
hash_pw() { slappasswd -h '{SSHA}' -s "$1"; }
PEOPLE_DN=ou=people,$BASE_DN
GROUPS_DN=ou=groups,$BASE_DN   # (not GROUPS: a bash special variable)
person() { # person UID PASSWORD "GIVEN" "SN" MAIL UIDNUMBER ROLE
  ldif_attr dn "uid=$1,$PEOPLE_DN"
  printf 'objectClass: %s\n' inetOrgPerson posixAccount
  ldif_attr uid "$1"; ldif_attr cn "$3 $4"; ldif_attr givenName "$3"; ldif_attr sn "$4"
  ldif_attr displayName "$3 $4"
  printf 'mail: %s\nuidNumber: %s\ngidNumber: 10000\nhomeDirectory: /home/%s\nloginShell: /bin/sh\nemployeeType: %s\n' \
    "$5" "$6" "${5%@*}" "$7"
  printf 'userPassword: %s\n\n' "$(hash_pw "$2")"
}
group_of_names() { # group_of_names CN UID...
  local cn=$1 u; shift
  printf 'dn: cn=%s,%s\nobjectClass: groupOfNames\ncn: %s\n' "$cn" "$GROUPS_DN" "$cn"
  for u in "$@"; do ldif_attr member "uid=$u,$PEOPLE_DN"; done
  echo
}
seed_ldif() {
  printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: School\ndc: school\n\n' "$BASE_DN"
  printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' services "$BASE_DN" services \
    people "$BASE_DN" people groups "$BASE_DN" groups
  printf 'dn: %s\nobjectClass: account\nobjectClass: simpleSecurityObject\nuid: svc-vmm\ndescription: %s\nuserPassword: %s\n\n' \
    "$SVC_DN" "VmManager service account (reads everything except passwords)" "$(hash_pw "$SVC_PW")"
  person alice 'Alice-Pw1' Alice 'Dupré' alice@school.test 10001 student
  person bob 'Bob-Pw2!é' Bob Martin bob@school.test 10002 student
  person 'élodie' 'Élodie-Pw5' 'Élodie' 'Fauré' elodie@school.test 10003 student
  person zoe 'Été-2026-Élodie' 'Zoé' 'Garnier' zoe@school.test 10004 student   # accents in the password, in no group
  person tom 'Tom-Pw3' Tom 'Lefèvre' tom@school.test 10101 teacher
  person ada 'Ada-Pw4' Ada Roux ada@school.test 10201 admin
  group_of_names students alice bob 'élodie'
  group_of_names teachers tom
  printf 'dn: cn=admins,%s\nobjectClass: posixGroup\ncn: admins\ngidNumber: 20000\nmemberUid: ada\n\n' "$GROUPS_DN"
  group_of_names class-1a alice bob
  classes_ldif
}
CLASSES_DN=ou=classes,$BASE_DN
classes_ldif() { # two classes for the classes tests: carla in both, dan in net through a nested group (a cycle), élodie in none
  printf 'dn: %s\nobjectClass: organizationalUnit\nou: classes\n\n' "$CLASSES_DN"
  person carla 'Carla-Pw6' Carla Petit carla@school.test 10004 student
  person dan 'Dan-Pw7' Dan Moreau dan@school.test 10005 student
  person iris 'Iris-Pw8' Iris Garnier iris@school.test 10102 teacher
  # net: a groupOfNames whose teachers are its owner attribute; net-lab is nested in it and names it back.
  printf 'dn: cn=net,%s\nobjectClass: groupOfNames\ncn: net\n' "$CLASSES_DN"
  ldif_attr description 'Réseaux 2B'
  printf 'owner: uid=tom,%s\nmember: uid=carla,%s\nmember: cn=net-lab,%s\n\n' "$PEOPLE_DN" "$PEOPLE_DN" "$GROUPS_DN"
  printf 'dn: cn=net-lab,%s\nobjectClass: groupOfNames\ncn: net-lab\nmember: uid=dan,%s\nmember: cn=net,%s\n\n' \
    "$GROUPS_DN" "$PEOPLE_DN" "$CLASSES_DN"
  # sys: a posixGroup (memberUid) whose teachers are the members of the group sys-teachers.
  printf 'dn: cn=sys,%s\nobjectClass: posixGroup\ncn: sys\ngidNumber: 20101\n' "$CLASSES_DN"
  ldif_attr description 'Systèmes 2B'
  printf 'memberUid: carla\n\n'
  group_of_names sys-teachers iris
}
# Adds the classes entries to a directory seeded before they existed (additive; entries already there are kept).
add_classes() {
  slapd_pid >/dev/null || return 0
  ldapsearch -x -LLL -H "$LDAP_URL" -D "$ADMIN_DN" -w "$ADMIN_PW" -b "$CLASSES_DN" -s base 1.1 >/dev/null 2>&1 && return 0
  classes_ldif | ldapadd -c -x -H "$LDAP_URL" -D "$ADMIN_DN" -w "$ADMIN_PW" >> "$RIG/logs/slapd.log" 2>&1 || true
}
start_slapd() {
  local L=$RIG/ldap i
  if slapd_pid >/dev/null; then
    wait_until 10 ldap_serves || die "slapd runs but refuses a StartTLS bind of $SVC_DN for 10 s, see $RIG/logs/slapd.log"
    return 0
  fi
  mkdir -p "$L/data" "$RIG/run"
  sed -e "s|@RIG@|$RIG|g" -e "s|@ROOTPW@|$(hash_pw "$ADMIN_PW")|" "$SRC/ldap/slapd.conf.in" > "$L/slapd.conf"
  if [[ ! -f $L/data/data.mdb ]]; then   # fresh directory: seed it offline
    LDAP_FRESH=1
    seed_ldif > "$L/seed.ldif"
    slapadd -q -f "$L/slapd.conf" -l "$L/seed.ldif" >> "$RIG/logs/slapd.log" 2>&1 ||
      die "slapadd failed, see $RIG/logs/slapd.log"
  fi
  rm -f "$RIG/run/slapd.pid"
  # foreground (-d) so the log goes to our file; setsid detaches it from the caller's session
  setsid /usr/sbin/slapd -f "$L/slapd.conf" -h "$LDAP_URL/ $LDAPS_URL/" -d stats \
    </dev/null >>"$RIG/logs/slapd.log" 2>&1 9>&- &
  for ((i = 0; i < 300; i++)); do
    if ldap_serves; then return 0; fi
    kill -0 $! 2>/dev/null || die "slapd exited at start (port 3389/6636 taken?), see $RIG/logs/slapd.log"
    sleep 0.05
  done
  die "slapd did not accept a StartTLS bind of $SVC_DN within 15 s, see $RIG/logs/slapd.log"
}
stop_slapd() { stop_pidfile "$RIG/run/slapd.pid" "$RIG/ldap/slapd.conf" slapd; }
down_ldap() { stop_slapd; rm -rf "$RIG/ldap/data"; }   # the next `up` seeds a fresh directory
verify_ldap() { # what VmManager relies on. Seed-dependent checks only warn unless the directory was just
  # seeded (tests may have changed passwords or groups since); `down` + `up` reseeds.
  local ca=$RIG/tls/ca.crt n=0 warn=0 u pw got strict=${LDAP_FRESH:-0}
  check() { # check "what" command...: must pass
    if ! got=$("${@:2}" 2>&1); then die "ldap check failed: $1: $got"; fi
    n=$((n + 1))
  }
  seed_check() { # seed_check "what" condition-command...: must pass on a fresh seed, else warn
    if "${@:2}"; then n=$((n + 1)); return 0; fi
    (( strict )) && die "ldap check failed: $1${got:+: $got}"
    say "WARNING: ldap seed data changed since slapd started ($1); 'scripts/rig.sh down && scripts/rig.sh up' reseeds"
    warn=$((warn + 1))
  }
  # shellcheck disable=SC2317 # called through seed_check
  run() { got=$("$@" 2>&1); }
  # shellcheck disable=SC2317 # called through seed_check
  has() { [[ $got == *"$1"* ]]; }
  # shellcheck disable=SC2317 # called through seed_check
  lacks() { [[ $got != *"$1"* ]]; }
  # shellcheck disable=SC2317 # called through seed_check
  refused() { ! "$@" >/dev/null 2>&1; }
  # shellcheck disable=SC2317 # called through seed_check
  count_is() { [[ $(grep -c "$1" <<< "$got") == "$2" ]]; }
  check "service bind" ldapwhoami -x -H "$LDAP_URL" -D "$SVC_DN" -w "$SVC_PW"
  check "admin bind" ldapwhoami -x -H "$LDAP_URL" -D "$ADMIN_DN" -w "$ADMIN_PW"
  check "StartTLS" env LDAPTLS_CACERT="$ca" ldapwhoami -ZZ -x -H "$LDAP_URL" -D "$SVC_DN" -w "$SVC_PW"
  check "ldaps" env LDAPTLS_CACERT="$ca" ldapwhoami -x -H "$LDAPS_URL" -D "$SVC_DN" -w "$SVC_PW"
  while IFS='|' read -r u pw; do
    seed_check "bind $u" run ldapwhoami -x -H "$LDAP_URL" -D "uid=$u,$PEOPLE_DN" -w "$pw"
  done <<< $'alice|Alice-Pw1\nbob|Bob-Pw2!é\nélodie|Élodie-Pw5\nzoe|Été-2026-Élodie\ntom|Tom-Pw3\nada|Ada-Pw4'
  seed_check "wrong password refused" refused ldapwhoami -x -H "$LDAP_URL" -D "uid=alice,$PEOPLE_DN" -w wrong
  run ldapsearch -x -LLL -H "$LDAP_URL" -D "$SVC_DN" -w "$SVC_PW" -b "$PEOPLE_DN" '(uid=élodie)' cn || true
  seed_check "search (uid=élodie)" has "dn:: "
  run ldapsearch -x -LLL -H "$LDAP_URL" -D "$SVC_DN" -w "$SVC_PW" -b "$GROUPS_DN" \
    "(|(member=uid=élodie,$PEOPLE_DN)(memberUid=ada))" cn || true
  seed_check "groups of élodie (groupOfNames) and ada (posixGroup)" count_is '^cn: ' 2
  run ldapsearch -x -LLL -H "$LDAP_URL" -D "$SVC_DN" -w "$SVC_PW" -b "uid=alice,$PEOPLE_DN" -s base userPassword mail || true
  seed_check "service account reads mail" has "mail: alice@school.test"
  seed_check "service account cannot read userPassword" lacks userPassword
  local w=''; if (( warn )); then w=", $warn warning(s)"; fi
  say "ldap: $n checks ok$w (binds, wrong password, non-ASCII uid, StartTLS, ldaps, groups, password ACL)"
}
up_ldap() {
  step "ldap: tls" ensure_tls
  step "ldap: slapd" start_slapd
  step "ldap: classes" add_classes
  step "ldap: checks" verify_ldap
}

# --- SMTP ------------------------------------------------------------------------------------------------
smtp_pid() { pid_of "$RIG/run/aiosmtpd.pid" "aiosmtpd"; }
# Serving means the SMTP greeting (220), not only an open port.
smtp_greets() {
  smtp_pid >/dev/null || return 1
  # shellcheck disable=SC2016 # $1/$2 expand in the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && IFS= read -r line <&3 && printf "QUIT\r\n" >&3 && [[ $line == 220* ]]' \
    _ "$SMTP_HOST" "$SMTP_PORT" 2>/dev/null
}
start_smtp() {
  local i
  if smtp_pid >/dev/null && wait_until 10 smtp_greets; then return 0; fi
  stop_smtp
  mkdir -p "$RIG/smtp" "$RIG/run"
  # sh writes its own pid, then execs python: the pid file names the server whatever setsid does
  # shellcheck disable=SC2016 # $$/$0/$@ expand in the inner sh
  env -u PYTHONPATH -u PYTHONHOME PYTHONUNBUFFERED=1 setsid sh -c 'echo $$ > "$0"; exec "$@"' "$RIG/run/aiosmtpd.pid" \
    "$PY" -m aiosmtpd -n -u -l "$SMTP_HOST:$SMTP_PORT" \
    --tlscert "$RIG/tls/server.crt" --tlskey "$RIG/tls/server.key" --no-requiretls \
    -c aiosmtpd.handlers.Mailbox "$RIG/smtp/maildir" \
    </dev/null >>"$RIG/logs/aiosmtpd.log" 2>&1 9>&- &
  for ((i = 0; i < 200; i++)); do
    if smtp_greets; then
      "$PY" "$SRC/smtp_check.py" send "$SMTP_HOST" "$SMTP_PORT" "$RIG/smtp/maildir" "$RIG/tls/ca.crt" ||
        die "smtp check failed"
      say "smtp: UTF-8 mail over STARTTLS arrived as one file in maildir/new (then removed)"
      return 0
    fi
    kill -0 $! 2>/dev/null || die "aiosmtpd exited at start (port $SMTP_PORT taken?), see $RIG/logs/aiosmtpd.log"
    sleep 0.05
  done
  die "aiosmtpd did not greet within 10 s, see $RIG/logs/aiosmtpd.log"
}
stop_smtp() { stop_pidfile "$RIG/run/aiosmtpd.pid" aiosmtpd aiosmtpd; }
down_smtp() { stop_smtp; rm -rf "$RIG/smtp/maildir"; }
up_smtp() {
  ensure_tls
  step "smtp: aiosmtpd" start_smtp
  step "smtp: checks" "$PY" "$SRC/smtp_check.py" probe "$SMTP_HOST" "$SMTP_PORT"
}

# --- nspawn: a Debian 12 rootfs that boots systemd 252 (systemd-nspawn --boot) ----------------------------
# Built once and kept; the tests boot it with --volatile=overlay (nothing they do is written to it), with
# the host's .NET runtime and the daemon's build output bind-mounted read-only (no package source needed).
NSPAWN_PACKAGES=systemd,systemd-sysv,dbus,libicu72,libssl3,procps,iproute2,passwd,ca-certificates,curl
nspawn_stamp() { printf '%s\n' "$NSPAWN_PACKAGES" "$(declare -f build_rootfs)" | sha256sum | cut -c1-16; }
debian_mirror() { # the machine's own Debian mirror (one-line or deb822 sources), else deb.debian.org
  local m
  m=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -n1 | tr -d ' ') || true
  echo "${m:-http://deb.debian.org/debian}"
}
build_rootfs() { # build_rootfs DIR
  local r=$1
  debootstrap --variant=minbase --include="$NSPAWN_PACKAGES" bookworm "$r" "$(debian_mirror)"
  echo vmm-test > "$r/etc/hostname"
  : > "$r/etc/machine-id"   # empty: systemd makes a fresh one at each boot
  chroot "$r" passwd -d root
  mkdir -p "$r/usr/share/dotnet" "$r/root/published" "$r/root/vm-manager/deploy"   # bind-mount targets
  ln -sfn /usr/share/dotnet/dotnet "$r/usr/bin/dotnet"
  rm -rf "$r"/var/cache/apt/archives/*.deb
}
ensure_rootfs() {
  local d=$RIG/nspawn stamp
  stamp=$(nspawn_stamp)
  [[ -f $d/.built-$stamp && -x $d/rootfs/lib/systemd/systemd ]] && return 0
  say "building the nspawn rootfs (debootstrap bookworm, about a minute)"
  mkdir -p "$d"
  rm -rf "$d/rootfs.new"
  build_rootfs "$d/rootfs.new" >> "$RIG/logs/nspawn-rootfs.log" 2>&1 ||
    die "debootstrap failed, see $RIG/logs/nspawn-rootfs.log"
  rm -rf "$d/rootfs" "$d"/.built-*
  mv "$d/rootfs.new" "$d/rootfs"
  touch "$d/.built-$stamp"
}
up_nspawn() { step "nspawn: Debian 12 rootfs" ensure_rootfs; }
nspawn_built() { compgen -G "$RIG/nspawn/.built-*" >/dev/null && [[ -x $RIG/nspawn/rootfs/lib/systemd/systemd ]]; }

# --- rig.env ---------------------------------------------------------------------------------------------
write_env() {
  cat > "$RIG/rig.env.tmp" <<EOF
# Written by scripts/rig.sh up; plain KEY=value lines (also valid shell: set -a; . rig.env).
RIG=$RIG
LIBVIRT_DEFAULT_URI=qemu:///system
VAGRANT_HOME=$VAGRANT_HOME
VAGRANT_CHECKPOINT_DISABLE=1
VAGRANT_DEFAULT_PROVIDER=libvirt
VMM_POOL=$POOL
VMM_POOL_DIR=$RIG/pool
VMM_NETWORK=$NET
VMM_BOX=$BOX
VMM_LIBVIRT_DRIVER=qemu
VMM_VNC_LISTEN=127.0.0.1
VMM_GUEST_MEMORY_MIB=128
VMM_KERNEL=$RIG/kernel/vmlinuz
VMM_INITRD=$RIG/kernel/initrd.img
VMM_INITRD_NET=$RIG/kernel/initrd-net.img
VMM_BASE_IMAGE=$RIG/images/base.qcow2
VMM_BASE_VOLUME=$BASE_VOL
VMM_VAGRANTFILE_EXAMPLE=$SRC/Vagrantfile.example
LDAP_URL=$LDAP_URL
LDAPS_URL=$LDAPS_URL
LDAP_CA=$RIG/tls/ca.crt
LDAP_CA_DIR=$RIG/tls/hashed
LDAPTLS_CACERT=$RIG/tls/ca.crt
LDAP_BASE=$BASE_DN
LDAP_PEOPLE_BASE=$PEOPLE_DN
LDAP_GROUPS_BASE=$GROUPS_DN
LDAP_BIND_DN=$SVC_DN
LDAP_BIND_PASSWORD=$SVC_PW
LDAP_ADMIN_DN=$ADMIN_DN
LDAP_ADMIN_PASSWORD=$ADMIN_PW
SMTP_HOST=$SMTP_HOST
SMTP_PORT=$SMTP_PORT
SMTP_MAILDIR=$RIG/smtp/maildir
SMTP_CA=$RIG/tls/ca.crt
VMM_NSPAWN_ROOTFS=$RIG/nspawn/rootfs
EOF
  mv "$RIG/rig.env.tmp" "$RIG/rig.env"
}

# --- commands --------------------------------------------------------------------------------------------
cmd_up() {
  local parts=("$@") p
  (( ${#parts[@]} )) || parts=(virt ldap smtp nspawn)
  for p in "${parts[@]}"; do [[ $p =~ ^(virt|ldap|smtp|nspawn)$ ]] || die "unknown part '$p' (virt|ldap|smtp|nspawn)"; done
  step "lock (queue behind other rig.sh)" take_lock
  mkdir -p "$RIG"/{logs,run}
  step "packages" cmd_install
  for p in "${parts[@]}"; do "up_$p"; done
  step "rig.env" write_env
  say "up (${parts[*]}) - env: $RIG/rig.env"
  summary
}
cmd_down() {
  local purge=0
  [[ ${1:-} == --purge ]] && purge=1
  [[ -z ${1:-} || $purge == 1 ]] || die "usage: down [--purge]"
  step "lock (queue behind other rig.sh)" take_lock
  rm -f "$RIG/rig.env"
  down_virt
  step "ldap: stop, drop data" down_ldap
  step "smtp: stop, drop maildir" down_smtp
  if (( purge )); then
    step "purge $RIG" rm -rf "$RIG"
    say "down --purge"
  else
    say "down (artefacts kept in $RIG)"
  fi
  summary
}
cmd_stop() {
  step "lock (queue behind other rig.sh)" take_lock
  case ${1:-} in
    ldap) stop_slapd ;;
    smtp) stop_smtp ;;
    *) die "usage: stop ldap|smtp" ;;
  esac
  say "$1 stopped"
}
cmd_start() {
  step "lock (queue behind other rig.sh)" take_lock
  mkdir -p "$RIG"/{logs,run}
  case ${1:-} in
    ldap) up_ldap ;;
    smtp) up_smtp ;;
    *) die "usage: start ldap|smtp" ;;
  esac
  say "$1 started"
  summary
}
cmd_status() {
  local rc=0 pid d='' n
  if pid=$(libvirtd_pid) && virsh_ok && [[ $(virsh pool-info "$POOL" 2>/dev/null | awk '/^State:/ { print $2 }') == running ]] &&
     net_active && box_installed; then
    n=$(virsh list --name | sed '/^$/d' | wc -l)
    echo "virt: up   (libvirtd pid $pid, pool $POOL, network $NET, box $BOX, $n domain(s) running)"
  else
    if pid=$(foreign_libvirtd); then d=", a foreign libvirtd runs (pid $pid)"; fi
    echo "virt: down$d"; rc=1
  fi
  if pid=$(slapd_pid) && ldap_serves; then
    echo "ldap: up   (slapd pid $pid, $LDAP_URL, $LDAPS_URL)"
  else echo "ldap: down"; rc=1; fi
  if pid=$(smtp_pid) && smtp_greets; then
    n=$(find "$RIG/smtp/maildir/new" -type f 2>/dev/null | wc -l)
    echo "smtp: up   (aiosmtpd pid $pid, $SMTP_HOST:$SMTP_PORT, $n mail(s) in maildir/new)"
  else echo "smtp: down"; rc=1; fi
  if nspawn_built; then echo "nspawn: up   (rootfs $RIG/nspawn/rootfs)"
  else echo "nspawn: down (no rootfs: scripts/rig.sh up nspawn)"; rc=1; fi
  return "$rc"
}
cmd_smoke() {
  [[ -f $RIG/rig.env ]] || die "rig is not up (no $RIG/rig.env)"
  RIG=$RIG bash "$SRC/vagrant-smoke.sh" "$@"
}

# who ran what: several people/test runs share one rig
if [[ ${1:-} =~ ^(install|install-web|up|down|stop|start|smoke)$ ]] && mkdir -p "$RIG/logs" 2>/dev/null; then
  printf '%s pid=%d parent=%s: rig.sh %s\n' "$(date '+%F %T')" "$$" "$(ps -o args= -p "$PPID" 2>/dev/null | cut -c1-80)" "$*" \
    >> "$RIG/logs/rig.log" 2>/dev/null || true
fi
case ${1:-} in
  install) cmd_install ;;
  install-web) cmd_install_web ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  start) shift; cmd_start "$@" ;;
  status) trap - ERR; cmd_status ;;   # exit 1 = not all up: a result, not an error
  smoke) shift; cmd_smoke "$@" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
