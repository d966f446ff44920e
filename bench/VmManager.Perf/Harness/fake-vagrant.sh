#!/bin/sh
# Stands in for vagrant in --smoke runs, so a benchmark's plumbing is checked in seconds: "up" defines
# and starts a diskless domain (SeaBIOS screen, VNC on) named as the Vagrantfile's default_prefix says,
# "destroy" removes it. The daemon, libvirt and virsh stay real; only vagrant's Ruby and the guest's
# boot are skipped. Creates no .vagrant folder, so the daemon deletes with virsh alone.
set -eu
virsh() { command virsh -q -c qemu:///system "$@"; }
domain() { echo "$(sed -n 's/^ *lv.default_prefix = "\(.*\)"$/\1/p' Vagrantfile)default"; }
case "${1:-}" in
  box)
    echo '1,,box-name,vmm/tiny'; echo '1,,box-provider,libvirt'; echo '1,,box-version,0' ;;
  up)
    name=$(domain)
    echo "==> default: Creating domain with the following settings..."
    cat > fake-domain.xml <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='vga'/></video></devices>
</domain>
XML
    virsh define fake-domain.xml >/dev/null
    echo "==> default: Starting domain."
    virsh start "$name" >/dev/null
    echo "==> default: Waiting for domain to get an IP address..."
    echo "==> default: Machine booted and ready!" ;;
  destroy)
    name=$(domain)
    virsh destroy "$name" >/dev/null 2>&1 || true
    virsh undefine "$name" >/dev/null 2>&1 || true ;;
  *)
    echo "fake vagrant: $* is not faked" >&2; exit 1 ;;
esac
