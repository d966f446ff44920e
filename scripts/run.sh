#!/usr/bin/env bash
# Runs the daemon on this machine with its embedded demo defaults: SQLite under ./.data, local demo
# accounts, the tiny demo template, VMs under ./student_vms, libvirt + Vagrant from scripts/rig.sh.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
url=${VMM_URL:-http://127.0.0.1:5000}
rig=${VMM_RIG:-/var/tmp/vmm-rig}
mkdir -p artifacts "$rig/logs"
log=$PWD/artifacts/run.log
: > "$log"

# step "what" WATCHED command...: the command's output goes to $log; while it runs, every 5 s a line
# with the time spent and the last line of WATCHED (the log that shows its progress).
step() {
  local what=$1 watched=$2 started=$SECONDS pid i; shift 2
  echo "==> $what"
  "$@" >> "$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null || break
    printf '    %3d s  %s\n' $((SECONDS - started)) "$(tail -n 1 "$watched" 2>/dev/null | tr -d '\r' | cut -c1-110)"
  done
  if ! wait "$pid"; then
    echo "run.sh: '$what' failed; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "    done in $((SECONDS - started)) s"
}

step "Debian packages (the first time about 3 minutes; log: $rig/logs/apt.log)" "$rig/logs/apt.log" scripts/rig.sh install
step "libvirt, storage pool, network and the demo Vagrant box (scripts/rig.sh up virt)" "$log" scripts/rig.sh up virt
step "building the daemon and its web UI (the first time about a minute)" "$log" \
  dotnet build src/VmManager.Daemon -c Release -nologo -v minimal -clp:NoSummary

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
