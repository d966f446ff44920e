#!/usr/bin/env bash
# Build the rig's guest artefacts under $RIG (called by scripts/rig.sh; no network except the Debian mirror):
#   kernel/vmlinuz          Debian cloud kernel (apt-get download + dpkg -x, never installed)
#   kernel/initrd.img       plain busybox initramfs (raw libvirt tests: ACPI poweroff, banner on ttyS0)
#   kernel/initrd-net.img   + virtio_net/DHCP, dropbear, scp, chpasswd, fake sudo/shutdown (Vagrant box)
#   images/base.qcow2       32 MiB ext4 data disk (hello.txt)
#   box/vmm-tiny.box        Vagrant libvirt box: box.img + metadata.json + Vagrantfile + vmlinuz + initrd.img
set -euo pipefail
RIG=${RIG:?set RIG}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
K=$RIG/kernel
mkdir -p "$K/debs" "$RIG/images" "$RIG/box"

# --- Debian packages (downloaded once, kept by `rig.sh down`) -----------------------------------------
apt_download() { # apt-get download as root into the cwd; refresh the lists once if they are missing/stale
  apt-get download -q -o APT::Sandbox::User=root "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get download -q -o APT::Sandbox::User=root "$@" >/dev/null; }
}
if [[ ! -d $K/extracted/lib/modules || ! -x $K/dropbear-x/usr/sbin/dropbear ]]; then
  (
    cd "$K/debs"
    rm -f ./*.deb
    kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [[ -n $kpkg ]] || { apt-get update -q >/dev/null; kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'); }
    apt_download "$kpkg" dropbear-bin libtomcrypt1 libtommath1
    rm -rf ../extracted ../dropbear-x
    dpkg -x linux-image-*.deb ../extracted
    for d in dropbear-bin_*.deb libtomcrypt1_*.deb libtommath1_*.deb; do dpkg -x "$d" ../dropbear-x; done
  )
fi
KVER=$(ls "$K/extracted/lib/modules")
MODS=$K/extracted/lib/modules/$KVER/kernel
cp "$K/extracted/boot/vmlinuz-$KVER" "$K/vmlinuz"

# --- helpers -------------------------------------------------------------------------------------------
copy_modules() { # $1=initramfs root, rest: module paths below kernel/ (built-in ones are simply absent)
  local w=$1 m; shift
  for m in "$@"; do
    if [[ -f $MODS/$m.ko ]]; then cp "$MODS/$m.ko" "$w/lib/modules/"
    elif [[ -f $MODS/$m.ko.xz ]]; then xz -dc "$MODS/$m.ko.xz" > "$w/lib/modules/${m##*/}.ko"
    fi
  done
}
copy_with_libs() { # $1=initramfs root $2=binary $3=target dir; copies the ELF and every library ldd names
  local w=$1 bin=$2 dst=$3 lib target
  mkdir -p "$w$dst"; cp -L "$bin" "$w$dst/"
  for lib in $(LD_LIBRARY_PATH=$K/dropbear-x/usr/lib/x86_64-linux-gnu ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib64\// { print $1 }'); do
    target=${lib#"$K/dropbear-x"}   # libs from the unpacked debs go to their packaged path
    mkdir -p "$w${target%/*}"; cp -L "$lib" "$w$target"
  done
}
pack() { (cd "$1" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$2"; }
BASE_MODS=(drivers/input/evdev drivers/acpi/button drivers/virtio/virtio_ring drivers/virtio/virtio
           drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci
           drivers/block/virtio_blk)

# --- plain initramfs -----------------------------------------------------------------------------------
W=$K/initramfs-root
rm -rf "$W"; mkdir -p "$W"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,etc/acpi/PWRF,var/log,var/run}
cp /bin/busybox "$W/bin/busybox"
copy_modules "$W" "${BASE_MODS[@]}"
install -m 755 "$SRC/guest/init-plain" "$W/init"
install -m 755 "$SRC/guest/poweroff-now" "$W/sbin/poweroff-now"
install -m 755 "$SRC/guest/acpi-power-button" "$W/etc/acpi/PWRF/00000080"
pack "$W" "$K/initrd.img"

# --- networked initramfs (Vagrant box) -----------------------------------------------------------------
W=$K/initramfs-net-root
rm -rf "$W"; mkdir -p "$W"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,etc/acpi/PWRF,etc/dropbear,var/log,var/run,root/.ssh,usr/bin,usr/sbin,usr/share/udhcpc}
cp /bin/busybox "$W/bin/busybox"
copy_modules "$W" "${BASE_MODS[@]}" net/core/failover drivers/net/net_failover drivers/net/virtio_net
copy_with_libs "$W" "$K/dropbear-x/usr/sbin/dropbear" /usr/sbin
# Vagrant uploads provisioner scripts with (Ruby) net-scp, which runs `scp -t <dest>` in the guest:
# dropbear-bin has no scp, so take OpenSSH's (its sink mode needs only libc).
copy_with_libs "$W" /usr/bin/scp /usr/bin
install -m 755 "$SRC/guest/init-net" "$W/init"
install -m 755 "$SRC/guest/poweroff-now" "$W/sbin/poweroff-now"
install -m 755 "$SRC/guest/shutdown" "$W/sbin/shutdown"
install -m 755 "$SRC/guest/sudo" "$W/bin/sudo"
install -m 755 "$SRC/guest/chpasswd" "$W/usr/sbin/chpasswd"
install -m 755 "$SRC/guest/udhcpc.script" "$W/usr/share/udhcpc/default.script"
install -m 755 "$SRC/guest/acpi-power-button" "$W/etc/acpi/PWRF/00000080"
echo 'root:x:0:0:root:/root:/bin/sh' > "$W/etc/passwd"
echo 'root:x:0:' > "$W/etc/group"
install -m 600 /dev/null "$W/etc/shadow"; echo 'root:*:19000:0:99999:7:::' > "$W/etc/shadow"  # locked until provisioned
printf '/bin/sh\n' > "$W/etc/shells"
printf 'VmManager rig tiny guest \\n (\\l)\n\n' > "$W/etc/issue"
printf 'ID=linux\nNAME="rig tiny busybox"\nPRETTY_NAME="VmManager rig tiny busybox guest"\n' > "$W/etc/os-release"
pub=$(find /usr/share/rubygems-integration/all/gems -path '*/vagrant-[0-9]*/keys/vagrant.pub' | sort | tail -n 1)
[[ -n $pub ]] || { echo 'vagrant.pub (insecure key) not found' >&2; exit 1; }
install -m 600 "$pub" "$W/root/.ssh/authorized_keys"
chmod 700 "$W/root" "$W/root/.ssh"; chmod 1777 "$W/tmp"
pack "$W" "$K/initrd-net.img"

# --- base data disk ------------------------------------------------------------------------------------
if [[ ! -f $RIG/images/base.qcow2 ]]; then
  rm -rf "$RIG/images/basefs"; mkdir -p "$RIG/images/basefs"
  echo hello-from-base-image > "$RIG/images/basefs/hello.txt"
  truncate -s 32M "$RIG/images/base.raw"
  mkfs.ext4 -q -F -d "$RIG/images/basefs" "$RIG/images/base.raw"
  qemu-img convert -f raw -O qcow2 "$RIG/images/base.raw" "$RIG/images/base.qcow2"
  rm -rf "$RIG/images/base.raw" "$RIG/images/basefs"
fi

# --- Vagrant box ---------------------------------------------------------------------------------------
B=$RIG/box/tiny
rm -rf "$B"; mkdir -p "$B"
cp "$RIG/images/base.qcow2" "$B/box.img"
cp "$K/vmlinuz" "$B/vmlinuz"
cp "$K/initrd-net.img" "$B/initrd.img"
cp "$SRC/box/Vagrantfile" "$B/Vagrantfile"
echo '{"provider":"libvirt","format":"qcow2","virtual_size":1}' > "$B/metadata.json"
tar czf "$RIG/box/vmm-tiny.box" -C "$B" .
echo "guest artefacts built: kernel $KVER"
