#!/usr/bin/env bash
# Runs the daemon on this machine with its embedded demo defaults: SQLite under ./.data, local demo
# accounts, the tiny demo template, VMs under ./student_vms, libvirt + Vagrant from scripts/rig.sh.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
url=${VMM_URL:-http://127.0.0.1:5000}

scripts/rig.sh install
scripts/rig.sh up virt
dotnet build src/VmManager.Daemon -c Release -nologo -v quiet

cat <<INFO

  VmManager (demo) → $url
  Comptes de démonstration / demo accounts:
    étudiant   etudiant   / Etudiant-Demo1
    enseignant enseignant / Enseignant-Demo1
    admin      admin      / Admin-Demo1
  Ctrl+C pour arrêter / to stop.

INFO
export VMMANAGER__Server__Url=$url
exec src/VmManager.Daemon/bin/Release/net10.0/vm-manager
