#!/usr/bin/env bash
# `cmake --install` and the Debian package of a build folder, without Docker or
# root (ctest -L deploy, Deploy.InstallAndPackage; seconds):
#   cmake --install BUILD_DIR --prefix TMP/prefix: bin/roseyd, etc/roseyd/roseyd.yaml,
#     lib/systemd/system/roseyd.service naming this prefix's binary and config,
#     the dashboards, the alert rules and the docs; the installed roseyd's
#     --version and check-config of the installed config (no start-up benchmark,
#     data in /var/lib/roseyd); `systemd-analyze verify` of the installed unit
#     exits 0 and prints nothing;
#   DESTDIR=TMP/staged cmake --install BUILD_DIR --prefix /usr: the config in
#     /etc/roseyd, the unit in /usr/lib/systemd/system as the tree has it;
#   cpack -G DEB in BUILD_DIR (what scripts/package.sh runs): the .deb checked
#     by check_package.py (Depends: against docs/INSTALL.md and README.md, the
#     conffile, the maintainer scripts, the files).
# The package installed with apt, run by systemd and removed is
# Deploy.DebianPackage (label docker, package_test.sh).
#
#   tests/deploy/install_test.sh BUILD_DIR     exit 0 passed, 1 failed
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${1:?usage: install_test.sh BUILD_DIR}" && pwd)
log() { printf '%s\n' "install test: $*"; }
fail() { log "FAILED: $*"; exit 1; }
for tool in systemd-analyze dpkg-shlibdeps file cpack; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup.sh installs it)"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/roseyd-install-test-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
started=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

prefix=$tmp/prefix
cmake --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install --prefix $prefix"; }
for f in bin/roseyd etc/roseyd/roseyd.yaml lib/systemd/system/roseyd.service \
         share/roseyd/prometheus/alerts.yml share/roseyd/prometheus/prometheus.yml \
         share/doc/roseyd/README.md share/doc/roseyd/INSTALL.md; do
  [ -f "$prefix/$f" ] || fail "cmake --install did not install $f"
done
[ -x "$prefix/bin/roseyd" ] || fail "bin/roseyd is not executable"
for d in "$repo"/dashboards/*.json; do
  cmp -s "$d" "$prefix/share/roseyd/dashboards/$(basename "$d")" ||
    fail "share/roseyd/dashboards/$(basename "$d") is not dashboards/$(basename "$d")"
done
unit=$prefix/lib/systemd/system/roseyd.service
grep -qx "ExecStart=$prefix/bin/roseyd run --config $prefix/etc/roseyd/roseyd.yaml" "$unit" ||
  fail "the installed unit's ExecStart is not this prefix's: $(grep '^ExecStart=' "$unit")"
log "cmake --install --prefix: roseyd, config, unit (ExecStart=$prefix/bin/roseyd ...)," \
    "$(find "$prefix/share/roseyd/dashboards" -name '*.json' | wc -l) dashboards, alert rules, docs"

version=$("$prefix/bin/roseyd" --version) || fail "the installed roseyd --version"
"$prefix/bin/roseyd" check-config "$prefix/etc/roseyd/roseyd.yaml" >"$tmp/check.txt" 2>&1 ||
  { cat "$tmp/check.txt"; fail "roseyd check-config of the installed config"; }
grep -qx 'bench.run_at_start: ""' "$tmp/check.txt" ||
  fail "the installed config runs a benchmark at start: $(grep '^bench.run_at_start' "$tmp/check.txt")"
grep -qx 'data_dir: "/var/lib/roseyd"' "$tmp/check.txt" ||
  fail "the installed config's data_dir: $(grep '^data_dir' "$tmp/check.txt")"
log "installed roseyd --version: $(head -n 1 <<<"$version"); check-config: no start-up" \
    "benchmark, data_dir /var/lib/roseyd"

systemd-analyze verify "$unit" >"$tmp/verify.txt" 2>&1 ||
  { cat "$tmp/verify.txt"; fail "systemd-analyze verify exited non-zero"; }
[ ! -s "$tmp/verify.txt" ] ||
  { cat "$tmp/verify.txt"; fail "systemd-analyze verify of the installed unit printed the above"; }
log "systemd-analyze verify of the installed unit: exit 0, no output"

staged=$tmp/staged
DESTDIR=$staged cmake --install "$build_dir" --prefix /usr >"$tmp/install-usr.log" 2>&1 ||
  { cat "$tmp/install-usr.log"; fail "DESTDIR=... cmake --install --prefix /usr"; }
cmp -s "$repo/deploy/package/roseyd.yaml" "$staged/etc/roseyd/roseyd.yaml" ||
  fail "with the /usr prefix the config is not /etc/roseyd/roseyd.yaml"
cmp -s "$repo/deploy/systemd/roseyd.service" "$staged/usr/lib/systemd/system/roseyd.service" ||
  fail "with the /usr prefix the unit is not deploy/systemd/roseyd.service as it is"
[ -x "$staged/usr/bin/roseyd" ] || fail "with the /usr prefix no /usr/bin/roseyd"
log "--prefix /usr: /usr/bin/roseyd, /etc/roseyd/roseyd.yaml, /usr/lib/systemd/system/roseyd.service"

pkg_started=$EPOCHREALTIME
cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$tmp/cpack" >"$tmp/cpack.log" 2>&1 ||
  { tail -n 30 "$tmp/cpack.log"; fail "cpack -G DEB"; }
debs=("$tmp"/cpack/roseyd_*.deb)
[ -f "${debs[0]}" ] || fail "cpack wrote no roseyd_*.deb"
log "cpack: $(basename "${debs[0]}") in $(elapsed "$pkg_started") s;" \
    "Depends: $(dpkg-deb --field "${debs[0]}" Depends)"
python3 "$repo/tests/deploy/check_package.py" "${debs[0]}" --root "$repo" ||
  fail "the package (above)"
log "PASSED in $(elapsed "$started") s"
