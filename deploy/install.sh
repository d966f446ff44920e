#!/usr/bin/env bash
# Installs, upgrades or removes VmManager on Debian 12. Run as root from a checkout.
#
#   deploy/install.sh [--from DIR] [--prefix DIR] [--no-backup]
#       Publishes src/VmManager.Daemon (needs the .NET 10 SDK; the result needs the ASP.NET Core 10 runtime) or
#       takes an already published folder (--from), installs it to /opt/vm-manager, creates the vm-manager
#       user (in group libvirt), /var/lib/vm-manager, /etc/vm-manager/vm-manager.toml (only if absent;
#       an older install's vm-manager.json is converted to it and kept beside it),
#       the systemd unit and the nginx site. Re-running upgrades in place: a new /opt/vm-manager is
#       swapped in, data and config stay, the database is backed up first (--no-backup: not) to
#       /var/lib/vm-manager/backups, and a running daemon restarts.
#   deploy/install.sh --uninstall [--purge] [--prefix DIR]
#       Removes the program, the unit and the nginx site; keeps /var/lib/vm-manager and /etc/vm-manager
#       unless --purge (which also deletes the vm-manager user and its credentials).
#
# --prefix DIR installs into DIR instead of / (a scratch root for tests or packaging): no user is
# created, nothing is chowned, systemd and nginx are not touched.
set -Eeuo pipefail
trap 'echo "install.sh: failed (rc=$?) at line $LINENO: $BASH_COMMAND" >&2' ERR

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }

prefix=/ from='' mode=install purge=no backup=yes
while (($#)); do
  case $1 in
    --prefix) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; prefix=$2; shift ;;
    --from) [[ $# -ge 2 ]] || { usage >&2; exit 64; }; from=$2; shift ;;
    --uninstall) mode=uninstall ;;
    --purge) purge=yes ;;
    --no-backup) backup=no ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
  shift
done
[[ $purge == no || $mode == uninstall ]] || die "--purge goes with --uninstall"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
root=$(realpath -m "$prefix"); root=${root%/}   # "" for the real system
system=no; [[ -z $root ]] && system=yes
[[ $system == no ]] || ((EUID == 0)) || die "run as root (or use --prefix DIR for a scratch install)"

user=vm-manager
app=$root/opt/vm-manager
etc=$root/etc/vm-manager
config=$etc/vm-manager.toml
legacy_config=$etc/vm-manager.json
data=$root/var/lib/vm-manager
unit=$root/etc/systemd/system/vm_manager.service
credstore=$root/etc/credstore
site=$root/etc/nginx/sites-available/vm-manager
site_link=$root/etc/nginx/sites-enabled/vm-manager

# systemctl only on the real system, and only when systemd is PID 1 (not in a container or chroot).
systemd_runs() { [[ $system == yes && -d /run/systemd/system ]] && command -v systemctl >/dev/null; }
owned() { if [[ $system == yes ]]; then echo "-o $1 -g $2"; fi; }   # install(1) ownership options, real system only

uninstall() {
  if systemd_runs; then
    systemctl disable --now vm_manager.service 2>/dev/null || true
  fi
  say "removing $app, $unit and the nginx site"
  rm -rf "$app" "$root"/opt/.vm-manager.*
  rm -f "$unit" "$site_link" "$site" "$site.new"
  if [[ $purge == yes ]]; then
    say "purging $data, $etc, the unit's drop-ins and the credentials"
    rm -rf "$data" "$etc" "$unit.d"
    rm -f "$credstore"/vm-manager.*
    if [[ $system == yes ]]; then
      if id "$user" >/dev/null 2>&1; then userdel "$user"; fi
      if getent group "$user" >/dev/null; then groupdel "$user"; fi
    fi
    echo "Student VMs that still exist in libvirt (virsh list --all) were not removed."
  else
    echo "Kept $data (database, student_vms, Vagrant boxes) and $etc: --uninstall --purge removes them."
  fi
  if systemd_runs; then
    systemctl daemon-reload
    if systemctl is-active --quiet nginx; then systemctl reload nginx; fi
  fi
}

# The program: published into a fresh folder beside /opt/vm-manager (same filesystem, so the final
# rename cannot fail half-way), checked, then swapped in.
stage_program() {
  mkdir -p "$root/opt"
  stage=$(mktemp -d "$root/opt/.vm-manager.new.XXXXXX")
  if [[ -n $from ]]; then
    [[ -x $from/vm-manager ]] || die "--from $from: no executable vm-manager in it (a dotnet publish output folder)"
    say "copying the published daemon from $from"
    cp -a "$from/." "$stage/"
  else
    # The runtime alone (aspnetcore-runtime-10.0) runs the daemon but cannot build it: dotnet publish
    # would fail with "No .NET SDKs were found".
    local sdks
    sdks=$(dotnet --list-sdks 2>/dev/null || true)
    [[ $sdks =~ (^|$'\n')10\. ]] ||
      die "building from this checkout needs the .NET 10 SDK (package dotnet-sdk-10.0), which is not installed; the runtime alone runs the daemon but cannot build it. Install the SDK, or publish on another machine (dotnet publish src/VmManager.Daemon -c Release -o DIR) and run: deploy/install.sh --from DIR"
    say "publishing src/VmManager.Daemon (Release, framework-dependent)"
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$repo/src/VmManager.Daemon" -c Release -o "$stage" -nologo -v quiet
  fi
  chmod -R u=rwX,go=rX "$stage"
  chmod 0755 "$stage" "$stage/vm-manager"
  [[ $system == no ]] || chown -R root:root "$stage"
  # The apphost must find the shared runtime (/usr/share/dotnet or /usr/lib/dotnet): fail now, not at start.
  "$stage/vm-manager" --help >/dev/null ||
    die "$stage/vm-manager does not run: install the ASP.NET Core 10 runtime (package aspnetcore-runtime-10.0)"
}

create_user() {
  [[ $system == yes ]] || { say "--prefix: not creating the $user user (ownership left to the packager)"; return; }
  getent group "$user" >/dev/null || groupadd --system "$user"
  if ! id "$user" >/dev/null 2>&1; then
    say "creating the system user $user"
    useradd --system --gid "$user" --home-dir /var/lib/vm-manager --no-create-home \
      --shell /usr/sbin/nologin --comment "VmManager daemon" "$user"
  fi
  usermod -a -G libvirt "$user"
}

# The unit runs the daemon in group libvirt (SupplementaryGroups=libvirt, for libvirt's socket): without
# the group every start fails with 216/GROUP. Checked before anything is changed.
require_libvirt_group() {
  [[ $system == yes ]] || return 0
  getent group libvirt >/dev/null ||
    die "the group libvirt does not exist, so the service could not start (216/GROUP): install libvirt first (apt install libvirt-daemon-system), then re-run"
}

create_folders() {
  # shellcheck disable=SC2046 # owned prints words for install(1)
  install -d -m 0750 $(owned "$user" "$user") "$data" "$data/student_vms" "$data/vagrant.d" "$data/backups"
  # An empty file is a valid empty SQLite database. Created here with the service's ownership, so
  # that `vm-manager users add` run by root before the first start cannot leave a root-owned one.
  if [[ ! -e $data/vm-manager.db ]]; then
    # shellcheck disable=SC2046
    install -m 0640 $(owned "$user" "$user") /dev/null "$data/vm-manager.db"
  fi
  # shellcheck disable=SC2046
  install -d -m 0750 $(owned root "$user") "$etc"
  install -d -m 0700 "$credstore"
}

install_config() {
  # The current example is always beside the config, to compare with after an upgrade.
  # shellcheck disable=SC2046
  install -m 0640 $(owned root "$user") "$here/vm-manager.example.toml" "$etc/vm-manager.example.toml"
  rm -f "$etc/vm-manager.example.json"
  if [[ -e $config ]]; then
    say "keeping $config"
    config_created=no
  elif [[ -e $legacy_config ]]; then
    # The unit reads the TOML file now: the same settings, without the JSON file's comments.
    say "converting $legacy_config to $config (the JSON file stays, unused)"
    "$stage/vm-manager" check-config --config "$legacy_config" --print-toml > "$config.new" ||
      die "could not convert $legacy_config (above); fix it, re-run"
    # shellcheck disable=SC2046
    install -m 0640 $(owned root "$user") "$config.new" "$config"
    rm -f "$config.new"
    config_created=no
  else
    say "creating $config from deploy/vm-manager.example.toml"
    # shellcheck disable=SC2046
    install -m 0640 $(owned root "$user") "$here/vm-manager.example.toml" "$config"
    config_created=yes
  fi
}

install_unit() {
  say "installing $unit"
  install -D -m 0644 "$here/vm_manager.service" "$unit"
}

install_nginx_site() {
  if [[ ! -f $here/nginx.conf ]]; then
    say "no deploy/nginx.conf in this checkout: nginx site not installed"
    nginx_step="  6. nginx: no site was installed (deploy/nginx.conf missing): proxy https to 127.0.0.1:5000 yourself"
    return
  fi
  mkdir -p "$(dirname "$site")"
  if [[ ! -e $site ]]; then
    say "installing the nginx site $site"
    install -m 0644 "$here/nginx.conf" "$site"
    if [[ -d $(dirname "$site_link") || $system == no ]]; then
      mkdir -p "$(dirname "$site_link")"
      ln -sfn ../sites-available/vm-manager "$site_link"
    fi
  elif ! cmp -s "$here/nginx.conf" "$site"; then
    # The admin edits server_name and certificates in it: never overwrite.
    install -m 0644 "$here/nginx.conf" "$site.new"
    say "$site differs from this release's: the new one is $site.new, merge it by hand"
  fi
  if [[ $system == yes ]] && command -v nginx >/dev/null; then
    if ! nginx -t -q 2>/dev/null; then
      rm -f "$site_link"
      echo "warning: nginx -t fails with the site enabled (certificates? server_name?): disabled it;" \
        "edit $site, then: ln -s ../sites-available/vm-manager $site_link && nginx -t && systemctl reload nginx" >&2
    elif systemd_runs && systemctl is-active --quiet nginx; then
      systemctl reload nginx
    fi
  fi
}

# The students' VMs' management network, with guests isolated from each other (<port isolated='yes'/>).
# The definition always lands beside the config; libvirt is only touched on the real system. An existing
# network is never redefined under running VMs: the admin is told how instead (/readyz warns meanwhile).
install_network() {
  install -m 0644 "$here/vagrant-libvirt-net.xml" "$etc/vagrant-libvirt-net.xml"
  [[ $system == yes ]] && command -v virsh >/dev/null || return 0
  local net=vagrant-libvirt
  if ! virsh -c qemu:///system net-info "$net" >/dev/null 2>&1; then
    say "defining the libvirt network $net (VMs isolated from each other)"
    virsh -c qemu:///system net-define "$etc/vagrant-libvirt-net.xml" >/dev/null
    virsh -c qemu:///system net-autostart "$net" >/dev/null
    virsh -c qemu:///system net-start "$net" >/dev/null
  elif [[ $(virsh -c qemu:///system net-dumpxml "$net") != *"<port isolated='yes'/>"* ]]; then
    echo "warning: the libvirt network $net lets students' VMs reach each other. With no VM running:" \
      "virsh net-destroy $net; virsh net-undefine $net; virsh net-define $etc/vagrant-libvirt-net.xml;" \
      "virsh net-autostart $net; virsh net-start $net" >&2
  fi
}

# Before anything changes: the new release must accept the current config, or the old one keeps running.
check_config_for_upgrade() {
  [[ $system == yes && -d $app && -e $config ]] || return 0
  say "checking $config with the new release"
  "$stage/vm-manager" check-config --config "$config" >/dev/null ||
    die "the new release refuses the config (above); compare it with $here/vm-manager.example.toml, fix it, re-run"
}

# Migrations are forward only: keep the database as it was before the new version starts.
backup_database() {
  [[ $system == yes && $backup == yes && -s $data/vm-manager.db && -d $app ]] || return 0
  local target
  target=$data/backups/before-upgrade-$(date -u +%Y%m%dT%H%M%SZ).db
  say "backing up the database to $target"
  "$stage/vm-manager" backup "$target" --config "$config" ||
    die "the pre-upgrade backup failed (see above); fix it, or re-run with --no-backup"
}

swap_program() {
  local old=
  if [[ -d $app ]]; then
    old=$(mktemp -d "$root/opt/.vm-manager.old.XXXXXX")
    # Two renames: for microseconds there is no /opt/vm-manager; a running daemon keeps its open files.
    mv -T "$app" "$old/app"
  fi
  if ! mv -T "$stage" "$app"; then
    [[ -z $old ]] || mv -T "$old/app" "$app"
    die "could not move the new program into $app (the previous one is back)"
  fi
  [[ -z $old ]] || rm -rf "$old"
  say "installed $app ($(du -sh "$app" | cut -f1))"
}

install_all() {
  local upgrade=no
  [[ -d $app ]] && upgrade=yes
  nginx_step="  6. nginx: edit $site (server_name, certificates), nginx -t, systemctl reload nginx"
  stage=
  trap 'rm -rf "${stage:-}"' EXIT
  require_libvirt_group
  stage_program
  create_user
  create_folders
  install_config
  check_config_for_upgrade
  backup_database
  install_unit
  install_nginx_site
  install_network
  swap_program
  if systemd_runs; then
    systemctl daemon-reload
    if [[ $upgrade == yes ]] && systemctl is-active --quiet vm_manager.service; then
      say "restarting vm_manager (the new version migrates the database at start)"
      systemctl restart vm_manager.service
    fi
  elif [[ $system == yes ]]; then
    say "systemd is not running here: no daemon-reload"
  fi
  next_steps "$upgrade"
}

next_steps() {
  echo
  if [[ $1 == yes ]]; then
    echo "Upgraded. Compare $config with $etc/vm-manager.example.toml for new keys, then: vm-manager check-config"
    return
  fi
  local created=""
  if [[ $config_created == yes ]]; then created=" (created from the example)"; fi
  cat <<EOF
Installed. Next:
  1. Edit $config$created: Server:PublicOrigin, Ldap, Mail, Machines:Templates.
  2. Secrets, as systemd credentials (read at each start, never in the config file):
       printf %s 'PASSWORD' | install -m 0600 /dev/stdin $credstore/vm-manager.ldap-bind-password
       printf %s 'PASSWORD' | install -m 0600 /dev/stdin $credstore/vm-manager.mail-password
  3. Vagrant boxes for the templates, as the service user:
       sudo -u $user VAGRANT_HOME=/var/lib/vm-manager/vagrant.d vagrant box add NAME FILE.box
  4. A first local admin (password from stdin):  /opt/vm-manager/vm-manager users add NAME --role admin
  5. /opt/vm-manager/vm-manager check-config   then   systemctl enable --now vm_manager
$nginx_step
  Logs: journalctl -u vm_manager    Health: curl http://127.0.0.1:5000/readyz
EOF
}

if [[ $mode == uninstall ]]; then uninstall; else install_all; fi
