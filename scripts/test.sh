#!/usr/bin/env bash
# Every test, on a fresh Debian 12 machine as root: installs what the tests use, brings up the real
# rig (libvirtd + QEMU, Vagrant box, slapd, SMTP sink), builds with zero warnings, runs all tests.
#   scripts/test.sh                 leaves the rig up for the next run (scripts/rig.sh down stops it)
#   scripts/test.sh --teardown      also tears the rig down and checks nothing is left (CI does this)
#   scripts/test.sh -- ARGS         extra arguments for dotnet test (e.g. --filter ...)
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
teardown=${CI:+yes}
extra=()
while (($#)); do
  case $1 in
    --teardown) teardown=yes ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: scripts/test.sh [--teardown] [-- dotnet test args]" >&2; exit 64 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
scripts/rig.sh install
scripts/rig.sh install-web
scripts/rig.sh up

mkdir -p artifacts
build_log=artifacts/build.log
dotnet build VmManager.sln -c Release -nologo 2>&1 | tee "$build_log" | grep -E 'error|warn|Warn|Elapsed' || true
grep -qE '^\s*0 Warning\(s\)' "$build_log" || { echo "the build has warnings or failed (see $build_log)" >&2; exit 1; }
grep -qE '^\s*0 Error\(s\)' "$build_log" || { echo "the build failed (see $build_log)" >&2; exit 1; }

status=0
rm -rf artifacts/test-results
# One project after the other: both drive the same rig and the machine has two cores.
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build -nologo --results-directory artifacts/test-results \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" "${extra[@]}" 2>&1 |
    tee "artifacts/$name.log" || status=$?
done

if [[ $teardown == yes ]]; then
  scripts/rig.sh down
  scripts/rig.sh status >/dev/null 2>&1 && { echo "the rig is still up after teardown" >&2; status=1; }
fi

# CI shows only the end of the log, so the failures are repeated here with their first lines.
python3 - artifacts/test-results/*.trx <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", "", ns).strip()
        stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", ns).strip()
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        for line in (message.splitlines()[:12] + stack.splitlines()[:6]):
            print(f"    {line}")
PY

# One closing line for whoever reads the run: the totals of every test assembly's TRX report.
totals=$(cat artifacts/test-results/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' |
  sed -E 's/.* passed="([0-9]+)" failed="([0-9]+)".* notExecuted="([0-9]+)".*/\1 \2 \3/' |
  awk '{ p += $1; f += $2; s += $3 } END { printf "%d %d %d", p, f, s }')
read -r passed failed skipped <<<"${totals:-0 0 0}"
echo "$passed passed, $failed failed, $skipped skipped"
(( passed > 0 && failed == 0 )) || status=1
exit "$status"
