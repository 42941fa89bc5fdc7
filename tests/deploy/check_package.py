#!/usr/bin/env python3
"""The Debian package (scripts/package.sh, cmake/package.cmake) against the tree
and its docs, without installing it:

  check_package.py DEB --root REPO

- named roseyd_<Version>_amd64.deb, Architecture amd64;
- Depends: the packages of docs/INSTALL.md's dependency table, both ways, and the
  libraries README.md's Install section names (each Depends library starts with
  one of its `lib...` words, and each of those words is a Depends package's);
  `adduser`, the Recommends: (nats-server) and Suggests: named there too;
- /etc/roseyd/roseyd.yaml a conffile; postinst, prerm, postrm in the control
  part, executable, and valid sh;
- the files: /usr/bin/roseyd (0755), the config as deploy/package/roseyd.yaml, the
  unit in /usr/lib/systemd/system as deploy/systemd/roseyd.service, every
  dashboard of dashboards/ and the alert rules under /usr/share/roseyd, the docs;
  nothing outside /etc and /usr, nothing under /usr/local.
Prints one line per problem and exits 1, or prints what it checked and exits 0.
"""
import argparse
import io
import pathlib
import re
import subprocess
import sys
import tarfile

BASE = {"libc6", "libgcc-s1", "libstdc++6"}  # the C and C++ runtime, on every system


def field(deb, name):
    return subprocess.run(["dpkg-deb", "--field", deb, name], capture_output=True, text=True,
                          check=True).stdout.strip()


def names(value):
    """Package names of a Depends:-style field (alternatives included)."""
    out = set()
    for part in re.split(r"[,|]", value):
        part = part.strip()
        if part:
            out.add(re.split(r"[\s(]", part)[0])
    return out


def tar_of(deb, part):
    data = subprocess.run(["dpkg-deb", part, deb], capture_output=True, check=True).stdout
    return tarfile.open(fileobj=io.BytesIO(data))


def install_table(text):
    """The first-column packages of docs/INSTALL.md's table after `<!-- depends:`."""
    if "<!-- depends:" not in text:
        return None
    table = text.split("<!-- depends:", 1)[1].split("\n\n", 1)[0]
    documented = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            documented |= set(re.findall(r"`([a-z0-9][a-z0-9.+-]+)`", row.split("|")[1]))
    return documented


def readme_install(text):
    """README.md's Install section."""
    m = re.search(r"^## Install\n(.*?)^## ", text, re.M | re.S)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("deb")
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    deb = args.deb
    problems = []

    version, arch = field(deb, "Version"), field(deb, "Architecture")
    if pathlib.Path(deb).name != f"roseyd_{version}_amd64.deb" or arch != "amd64":
        problems.append(f"package {pathlib.Path(deb).name}, Architecture {arch}: "
                        f"not roseyd_{version}_amd64.deb for amd64")
    depends = names(field(deb, "Depends"))
    recommends = names(field(deb, "Recommends"))
    suggests = names(field(deb, "Suggests"))

    documented = install_table((root / "docs/INSTALL.md").read_text(encoding="utf-8"))
    if documented is None:
        problems.append("docs/INSTALL.md has no `<!-- depends:` table")
    else:
        documented -= {"libspdlog1.10"}  # named as the provider of libspdlog1.10-fmt9
        if depends - documented:
            problems.append(f"in Depends:, not in docs/INSTALL.md's table: {sorted(depends - documented)}")
        if documented - depends:
            problems.append(f"in docs/INSTALL.md's table, not in Depends: {sorted(documented - depends)}")

    section = readme_install((root / "README.md").read_text(encoding="utf-8"))
    if section is None:
        problems.append("README.md has no Install section")
    else:
        words = set(re.findall(r"`([a-z0-9][a-z0-9.+-]*)`", section))
        libs = {w for w in words if w.startswith("lib")}
        for package in sorted(depends - BASE):
            if package.startswith("lib") and not any(package.startswith(w) for w in libs):
                problems.append(f"README.md's Install section names no library of Depends: {package}")
            elif not package.startswith("lib") and package not in words:
                problems.append(f"README.md's Install section does not name Depends: {package}")
        for w in sorted(libs):
            if not any(p.startswith(w) for p in depends):
                problems.append(f"README.md's Install section names `{w}`, which no Depends: package is")
        for package in sorted(recommends | suggests):
            if package not in words:
                problems.append(f"README.md's Install section does not name {package} (Recommends/Suggests)")
    if recommends != {"nats-server"}:
        problems.append(f"Recommends: {sorted(recommends)}, not nats-server (the installed config's server)")

    control = tar_of(deb, "--ctrl-tarfile")
    members = {m.name.lstrip("./"): m for m in control.getmembers()}
    conffiles = control.extractfile(members["conffiles"]).read().decode() if "conffiles" in members else ""
    if "/etc/roseyd/roseyd.yaml" not in conffiles.split():
        problems.append("/etc/roseyd/roseyd.yaml is not a conffile")
    for script in ("postinst", "prerm", "postrm"):
        m = members.get(script)
        if m is None:
            problems.append(f"no {script} in the control part")
            continue
        if m.mode & 0o111 != 0o111:
            problems.append(f"{script} is mode {m.mode:o}, not executable")
        body = control.extractfile(m).read()
        if body != (root / "deploy/package" / script).read_bytes():
            problems.append(f"{script} is not deploy/package/{script}")
        if subprocess.run(["sh", "-n"], input=body, capture_output=True).returncode != 0:
            problems.append(f"{script} is not valid sh")

    data = tar_of(deb, "--fsys-tarfile")
    files = {m.name.lstrip("."): m for m in data.getmembers()}
    def same(path, source):
        if path not in files:
            problems.append(f"{path} is not in the package")
        elif data.extractfile(files[path]).read() != (root / source).read_bytes():
            problems.append(f"{path} is not {source}")
    binary = files.get("/usr/bin/roseyd")
    if binary is None or binary.mode != 0o755:
        problems.append(f"/usr/bin/roseyd: {'missing' if binary is None else oct(binary.mode)}, not 0755")
    same("/etc/roseyd/roseyd.yaml", "deploy/package/roseyd.yaml")
    same("/usr/lib/systemd/system/roseyd.service", "deploy/systemd/roseyd.service")
    same("/usr/share/roseyd/prometheus/alerts.yml", "deploy/prometheus/alerts.yml")
    for dashboard in sorted((root / "dashboards").glob("*.json")):
        same(f"/usr/share/roseyd/dashboards/{dashboard.name}", f"dashboards/{dashboard.name}")
    for doc in ("README.md", "INSTALL.md"):
        if f"/usr/share/doc/roseyd/{doc}" not in files:
            problems.append(f"/usr/share/doc/roseyd/{doc} is not in the package")
    stray = sorted(p for p, m in files.items()
                   if not m.isdir() and (not p.startswith(("/usr/", "/etc/")) or p.startswith("/usr/local/")))
    if stray:
        problems.append(f"files outside /usr and /etc, or under /usr/local: {stray}")

    if problems:
        print("\n".join(problems))
        return 1
    print(f"{pathlib.Path(deb).name}: Depends: ({len(depends)} packages) matches docs/INSTALL.md and "
          f"README.md's Install section; Recommends: nats-server; the config a conffile; "
          f"{sum(1 for m in files.values() if not m.isdir())} files where they belong")
    return 0


if __name__ == "__main__":
    sys.exit(main())
