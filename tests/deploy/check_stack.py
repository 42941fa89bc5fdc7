#!/usr/bin/env python3
"""Static checks of the live-view stack (no Docker engine needed).

Checks that the compose stack, the Dockerfile, Prometheus's configs, Grafana's
provisioning and the dashboards agree with each other and with roseyd's
defaults: every referenced file exists, ports and addresses match, the image
runs the README's command, every dashboard panel is described, uses the data
source variable and has a query, and every metric a dashboard or alert reads
is one roseyd (or the load generator) documents.

Usage: check_stack.py [--root REPO] --roseyd BIN    exit 0 all passed, 1 a check failed.
       check_stack.py --self-test        break a copy of the repo once per
                                         MUTATIONS entry; each named check must fail.
Needs python3 and PyYAML (Debian: python3-yaml). Run by ctest -L deploy.
"""
import argparse
import copy
import fnmatch
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

import promql

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# ---------------------------------------------------------------- helpers


class Repo:
    """The files the checks read, loaded once; a missing file is a failure."""

    def __init__(self, root, binary=None):
        self.root = os.path.abspath(root)
        self.binary = binary
        self.cache = {}

    def path(self, rel):
        return os.path.join(self.root, rel)

    def text(self, rel):
        with open(self.path(rel), encoding="utf-8") as f:
            return f.read()

    def yaml(self, rel):
        """Parsed once per Repo; callers must not modify the result."""
        if rel not in self.cache:
            with open(self.path(rel), encoding="utf-8") as f:
                self.cache[rel] = yaml.load(f, Loader=SAFE_LOADER)
        return self.cache[rel]


def host_port(addr):
    """'host:port' -> (host, int port)."""
    host, _, port = addr.rpartition(":")
    return host, int(port)


def url_host_port(url):
    m = re.match(r"^[a-z]+://([^/:]+):(\d+)", url)
    if not m:
        raise ValueError(f"no host:port in URL '{url}'")
    return m.group(1), int(m.group(2))


# ---------------------------------------------------------------- Dockerfile


def parse_dockerfile(text):
    """Instructions as (KEYWORD, argument text), continuation lines joined."""
    instructions = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def exec_form(arg):
    """JSON exec form (["a","b"]) or shell form, as a list of words."""
    arg = arg.strip()
    if arg.startswith("["):
        return json.loads(arg)
    return shlex.split(arg)


def dockerfile_facts(repo):
    """What the final stage of the Dockerfile sets up."""
    instr = parse_dockerfile(repo.text("Dockerfile"))
    stages = []
    for keyword, arg in instr:
        if keyword == "FROM":
            stages.append([])
        stages[-1].append((keyword, arg))
    final = stages[-1]
    facts = {"env": {}, "copies": [], "expose": [], "volumes": [], "entrypoint": [],
             "cmd": [], "user": None, "healthcheck": None, "all": instr}
    for keyword, arg in final:
        if keyword == "ENV":
            for word in shlex.split(arg):
                key, _, value = word.partition("=")
                facts["env"][key] = value
        elif keyword == "COPY":
            words = shlex.split(arg)
            opts = [w for w in words if w.startswith("--")]
            paths = [w for w in words if not w.startswith("--")]
            facts["copies"].append((opts, paths[:-1], paths[-1]))
        elif keyword == "EXPOSE":
            facts["expose"] += [int(p.split("/")[0]) for p in arg.split()]
        elif keyword == "VOLUME":
            facts["volumes"] += exec_form(arg)
        elif keyword == "ENTRYPOINT":
            facts["entrypoint"] = exec_form(arg)
        elif keyword == "CMD":
            facts["cmd"] = exec_form(arg)
        elif keyword == "USER":
            facts["user"] = arg
        elif keyword == "HEALTHCHECK":
            facts["healthcheck"] = arg
    return facts


def dockerignore_patterns(repo):
    if not os.path.exists(repo.path(".dockerignore")):
        return []
    out = []
    for line in repo.text(".dockerignore").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.rstrip("/"))
    return out


def ignored_by_dockerignore(rel, patterns):
    """The .dockerignore pattern that keeps rel (or a folder above it) out, if any."""
    parts = rel.strip("/").split("/")
    prefixes = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    for pattern in patterns:
        if pattern.startswith("!"):
            continue
        if pattern.startswith("**/"):
            tails = ["/".join(parts[i:k]) for i in range(len(parts))
                     for k in range(i + 1, len(parts) + 1)]
            if any(fnmatch.fnmatch(t, pattern[3:]) for t in tails):
                return pattern
        elif any(fnmatch.fnmatch(p, pattern) for p in prefixes):
            return pattern
    return None


# ---------------------------------------------------------------- roseyd facts


def config_defaults(repo):
    """The shipped config/roseyd.yaml (every key at its default)."""
    return repo.yaml("config/roseyd.yaml")


def readme_env_vars(repo):
    """ROSEYD_* variables of the configuration table (docs/CONFIGURATION.md), with
    their keys."""
    out = {}
    for m in re.finditer(r"^\| `([a-z_.]+)` \| `(ROSEYD_[A-Z_]+)` \|",
                         repo.text("docs/CONFIGURATION.md"), re.M):
        out[m.group(2)] = m.group(1)
    return out


def documented_metrics(repo):
    """Metric names documented in the metrics reference (docs/METRICS.md) and, for
    the load generator, in dashboards/README.md."""
    names = set()
    texts = [repo.text("docs/METRICS.md")]
    dash_readme = repo.path("dashboards/README.md")
    if os.path.exists(dash_readme):
        texts.append(repo.text("dashboards/README.md"))
    for text in texts:
        last = None
        for token in re.findall(r"`([a-z_:][a-z0-9_:]*)`", text):
            if token.startswith("_") and last:
                # `roseyd_write_queue_depth` / `_capacity`
                names.add(last.rsplit("_", 1)[0] + token)
            elif re.match(r"^(roseyd|process)_", token):
                names.add(token)
                last = token
    return names


BUILTIN_SERIES = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds",
                  "scrape_samples_scraped"}


def dashboard_files(repo):
    d = repo.path("dashboards")
    return sorted(f"dashboards/{f}" for f in os.listdir(d) if f.endswith(".json"))


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


# ---------------------------------------------------------------- the checks
# Each returns a list of failure messages; empty means it passed.

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


COMPOSE = "deploy/docker-compose.yml"
ROOT_COMPOSE = "compose.yaml"  # the same stack, with paths from the repo root
REPLICAS = "deploy/replicas/docker-compose.yml"  # another stack, beside the live view


def compose(repo):
    return repo.yaml(COMPOSE)


@check
def compose_has_the_four_services(repo):
    services = compose(repo).get("services", {})
    return [f"service '{s}' missing" for s in ("nats", "roseyd", "prometheus", "grafana")
            if s not in services]


@check
def compose_files_exist(repo):
    """Every bind-mounted file or folder and every build context/Dockerfile exists."""
    errors = []
    base = repo.path("deploy")
    for name, svc in compose(repo)["services"].items():
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0]
            if source.startswith((".", "/")):
                if not os.path.exists(os.path.normpath(os.path.join(base, source))):
                    errors.append(f"{name}: mounted '{source}' does not exist")
        build = svc.get("build")
        if build:
            context = os.path.normpath(os.path.join(base, build.get("context", ".")))
            dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
            if not os.path.isdir(context):
                errors.append(f"{name}: build context '{context}' missing")
            if not os.path.isfile(dockerfile):
                errors.append(f"{name}: Dockerfile '{dockerfile}' missing")
    return errors


@check
def compose_named_volumes_declared_and_used(repo):
    c = compose(repo)
    declared = set((c.get("volumes") or {}).keys())
    used = set()
    errors = []
    for name, svc in c["services"].items():
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
                if source not in declared:
                    errors.append(f"{name}: volume '{source}' not declared")
    errors += [f"volume '{v}' declared but unused" for v in sorted(declared - used)]
    for svc, target in (("roseyd", "/var/lib/roseyd"), ("prometheus", "/prometheus")):
        if not any(not v.startswith((".", "/")) and v.split(":")[1] == target
                   for v in c["services"][svc].get("volumes", [])):
            errors.append(f"{svc}: no named volume on {target}")
    return errors


@check
def compose_every_service_has_a_health_check(repo):
    errors = []
    facts = dockerfile_facts(repo)
    for name, svc in compose(repo)["services"].items():
        hc = svc.get("healthcheck")
        if hc:
            if hc.get("disable"):
                errors.append(f"{name}: health check disabled")
            elif not hc.get("test"):
                errors.append(f"{name}: health check without a test")
        elif not (svc.get("build") and facts["healthcheck"]):
            errors.append(f"{name}: no health check (compose or image)")
    return errors


@check
def compose_health_checks_probe_the_service_port(repo):
    """The URL each health check fetches is on the port the service listens on."""
    c = compose(repo)["services"]
    errors = []
    nats_cmd = c["nats"].get("command", [])
    monitor = int(nats_cmd[nats_cmd.index("-m") + 1]) if "-m" in nats_cmd else None
    expected = {"nats": monitor, "prometheus": 9090, "grafana": 3000}
    for name, port in expected.items():
        test = " ".join(c[name].get("healthcheck", {}).get("test", []))
        m = re.search(r"http://(127\.0\.0\.1|localhost):(\d+)/", test)
        if not m or int(m.group(2)) != port:
            errors.append(f"{name}: health check '{test}' does not probe port {port}")
    facts = dockerfile_facts(repo)
    _, metrics_port = host_port(facts["env"].get("ROSEYD_METRICS_LISTEN", ":0"))
    hc = facts["healthcheck"] or ""
    if f"/{metrics_port}" not in hc and f":{metrics_port}" not in hc:
        errors.append(f"Dockerfile HEALTHCHECK does not probe /metrics port {metrics_port}")
    if "GET /ready " not in hc:
        errors.append("Dockerfile HEALTHCHECK does not ask /ready (503 while NATS is not connected)")
    return errors


@check
def compose_depends_on_healthy_services(repo):
    c = compose(repo)["services"]
    errors = []
    for name, svc in c.items():
        deps = svc.get("depends_on", {})
        if isinstance(deps, list):
            errors.append(f"{name}: depends_on without condition: service_healthy")
            continue
        for dep, cond in deps.items():
            if dep not in c:
                errors.append(f"{name}: depends on unknown service '{dep}'")
            elif cond.get("condition") != "service_healthy":
                errors.append(f"{name}: depends on '{dep}' without service_healthy")
    if "nats" not in c["roseyd"].get("depends_on", {}):
        errors.append("roseyd does not wait for nats")
    if "prometheus" not in c["grafana"].get("depends_on", {}):
        errors.append("grafana does not wait for prometheus")
    return errors


# The live view's ports a user reaches: each published on loopback, nothing else.
USER_PORTS = {"grafana": {3000}, "prometheus": {9090}, "nats": {4222}, "roseyd": {9464}}


def with_defaults(text):
    """Compose's ${VAR-default} and ${VAR:-default} replaced by their defaults."""
    return re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", str(text))


@check
def compose_publishes_only_user_ports_on_loopback(repo):
    """Each port a user reaches (NATS for the bot, roseyd's /metrics for curl,
    Prometheus, Grafana) is published on 127.0.0.1, and no other port is."""
    errors = []
    services = compose(repo)["services"]
    for name, svc in services.items():
        published = set()
        for spec in svc.get("ports", []):
            parts = with_defaults(spec).split(":")
            container = int(parts[-1].split("/")[0])
            published.add(container)
            if container not in USER_PORTS.get(name, set()):
                errors.append(f"{name}: publishes {spec}, not a port a user needs")
            if len(parts) != 3 or parts[0] != "127.0.0.1":
                errors.append(f"{name}: {spec} is not bound to 127.0.0.1")
        errors += [f"{name}: port {port} not published on 127.0.0.1"
                   for port in sorted(USER_PORTS.get(name, set()) - published)]
    return errors


@check
def compose_nats_matches_roseyd_url(repo):
    """nats runs JetStream and monitoring; roseyd's image points at it."""
    c = compose(repo)["services"]
    cmd = c["nats"].get("command", [])
    errors = []
    if "-js" not in cmd:
        errors.append("nats: JetStream (-js) not on")
    if "-m" not in cmd:
        errors.append("nats: monitoring port (-m) not on")
    port = int(cmd[cmd.index("-p") + 1]) if "-p" in cmd else 4222
    env = dict(dockerfile_facts(repo)["env"])
    env.update(c["roseyd"].get("environment") or {})
    host, url_port = url_host_port(env.get("ROSEYD_NATS_URL", "none://x:0"))
    if host != "nats" or url_port != port:
        errors.append(f"roseyd's ROSEYD_NATS_URL {host}:{url_port} is not the nats service "
                      f"nats:{port}")
    return errors


# What Compose v1 (Debian 12's docker-compose 1.29) and v2 both accept at the top
# level: v1 rejects `name:` and `include:`, v2 warns that `version:` is obsolete.
COMPOSE_TOP_LEVEL = {"services", "volumes", "networks", "configs", "secrets"}


@check
def compose_files_run_on_compose_v1_and_v2(repo):
    """Both compose files keep to the keys both Compose versions accept, and both
    .env files (beside them) name the same project, which v1 cannot read from
    the files themselves."""
    errors = []
    for rel in (ROOT_COMPOSE, COMPOSE, REPLICAS):
        for key in repo.yaml(rel):
            if key not in COMPOSE_TOP_LEVEL and not key.startswith("x-"):
                errors.append(f"{rel}: top-level `{key}:`, which Compose v1 rejects or v2 "
                              f"warns about")
    names = {}
    for rel in (".env", "deploy/.env"):
        if not os.path.exists(repo.path(rel)):
            errors.append(f"{rel} missing: the project would be named after its folder")
            continue
        names[rel] = env_project(repo, rel)
    if len(set(names.values())) > 1 or None in names.values():
        errors.append(f"the .env files name different projects: {names}")
    return errors


def env_project(repo, rel):
    """COMPOSE_PROJECT_NAME of a .env file, or None."""
    m = re.search(r"^COMPOSE_PROJECT_NAME=(\S+)$", repo.text(rel), re.M)
    return m.group(1) if m else None


def default_host_ports(stack):
    """Host ports a stack publishes when no *_PORT variable is set."""
    ports = set()
    for svc in (stack.get("services") or {}).values():
        for spec in svc.get("ports", []):
            parts = with_defaults(spec).split(":")
            if len(parts) >= 2:
                ports.add(int(parts[-2]))
    return ports


@check
def stacks_do_not_collide(repo):
    """The live view and the replicas stack run at once on one Docker host: each
    has a project of its own (the .env beside its file; a folder of its own, as
    Compose v1 reads the .env of the compose file's folder), and no service,
    volume or default host port of one is the other's, so that even under one
    project name (-p, or COMPOSE_PROJECT_NAME set in the shell) starting one
    does not recreate the other's containers and `down -v` of one leaves the
    other's volumes. The replicas reach their own NATS and PostgreSQL."""
    errors = []
    live, replicas = compose(repo), repo.yaml(REPLICAS)
    replicas_env = os.path.join(os.path.dirname(REPLICAS), ".env")
    live_name = env_project(repo, "deploy/.env")
    if not os.path.exists(repo.path(replicas_env)) or not env_project(repo, replicas_env):
        errors.append(f"{replicas_env} names no project: Compose would name it after "
                      f"its folder")
    elif env_project(repo, replicas_env) == live_name:
        errors.append(f"{replicas_env} names the live view's project, {live_name}")
    for kind in ("services", "volumes"):
        shared = set(live.get(kind) or {}) & set(replicas.get(kind) or {})
        if shared:
            errors.append(f"both stacks name the {kind} {sorted(shared)}")
    shared = default_host_ports(live) & default_host_ports(replicas)
    if shared:
        errors.append(f"both stacks publish the host ports {sorted(shared)} by default")
    services = replicas.get("services") or {}
    for name, svc in services.items():
        env = svc.get("environment") or {}
        for var in ("ROSEYD_NATS_URL", "ROSEYD_STORE_URL"):
            if name.startswith("roseyd") and var in env:
                host = re.match(r"^[a-z]+://(?:[^@/]*@)?([^/:]+)", env[var]).group(1)
                if host not in services:
                    errors.append(f"{REPLICAS} {name}: {var} reaches '{host}', "
                                  f"not a service of its stack")
            elif name.startswith("roseyd"):
                errors.append(f"{REPLICAS} {name}: no {var} (the image's default "
                              f"reaches the live view's service names)")
    return errors


def resolved_stack(repo, rel):
    """A compose file's services and volumes with every relative path made
    absolute from the file's folder, as Compose resolves them."""
    base = os.path.dirname(repo.path(rel))
    stack = copy.deepcopy({k: repo.yaml(rel).get(k) for k in COMPOSE_TOP_LEVEL})

    def resolve(path):
        return os.path.normpath(os.path.join(base, path))
    for svc in (stack["services"] or {}).values():
        build = svc.get("build")
        if isinstance(build, str):
            svc["build"] = build = {"context": build}
        if build:
            build["context"] = resolve(build.get("context", "."))
        volumes = []
        for v in svc.get("volumes", []):
            source, sep, rest = v.partition(":")
            volumes.append((resolve(source) if source.startswith(".") else source) + sep + rest)
        if "volumes" in svc:
            svc["volumes"] = volumes
    return stack


def differences(a, b, where=""):
    """Where two parsed YAML documents differ, as 'path: a != b' lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += differences(a.get(key), b.get(key), f"{where}.{key}" if where else key)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


@check
def root_compose_is_the_deploy_stack(repo):
    """compose.yaml (repo root) and deploy/docker-compose.yml describe the same
    stack, service for service, once their relative paths are resolved."""
    return [f"{ROOT_COMPOSE} and {COMPOSE} differ at {d}"
            for d in differences(resolved_stack(repo, ROOT_COMPOSE), resolved_stack(repo, COMPOSE))]


@check
def dockerfile_copies_exist_and_reach_the_context(repo):
    facts = dockerfile_facts(repo)
    patterns = dockerignore_patterns(repo)
    errors = []
    for keyword, arg in facts["all"]:
        if keyword not in ("COPY", "ADD"):
            continue
        words = shlex.split(arg)
        if any(w.startswith("--from") for w in words):
            continue
        for src in [w for w in words if not w.startswith("--")][:-1]:
            if src == ".":
                continue
            if not os.path.exists(repo.path(src)):
                errors.append(f"{keyword} {src}: not in the repo")
            elif ignored_by_dockerignore(src, patterns):
                errors.append(f"{keyword} {src}: excluded by .dockerignore")
    for must in ("build", "data"):
        if not ignored_by_dockerignore(must, patterns):
            errors.append(f".dockerignore lets '{must}/' into the build context")
    return errors


@check
def dockerfile_runtime_matches_roseyd_defaults(repo):
    """Same config as the README's but for addresses; ports agree everywhere."""
    facts = dockerfile_facts(repo)
    cfg = config_defaults(repo)
    known = readme_env_vars(repo)
    errors = []
    for var in facts["env"]:
        if var.startswith("ROSEYD_") and var not in known:
            errors.append(f"ENV {var} is not a roseyd setting (docs/CONFIGURATION.md's table)")
    address_keys = {"ROSEYD_DATA_DIR", "ROSEYD_NATS_URL", "ROSEYD_METRICS_LISTEN"}
    for var in facts["env"]:
        if var.startswith("ROSEYD_") and var not in address_keys:
            errors.append(f"ENV {var} changes a setting other than an address")
    _, default_port = host_port(cfg["metrics"]["listen"])
    listen = facts["env"].get("ROSEYD_METRICS_LISTEN", "")
    if not listen:
        errors.append("ENV ROSEYD_METRICS_LISTEN not set: /metrics stays on loopback")
    else:
        host, port = host_port(listen)
        if port != default_port:
            errors.append(f"ROSEYD_METRICS_LISTEN port {port} != metrics.listen port "
                          f"{default_port} of config/roseyd.yaml")
        if host in ("127.0.0.1", "localhost"):
            errors.append("ROSEYD_METRICS_LISTEN on loopback: Prometheus cannot reach it")
    if default_port not in facts["expose"]:
        errors.append(f"EXPOSE lacks the metrics port {default_port}")
    data_dir = facts["env"].get("ROSEYD_DATA_DIR")
    if data_dir not in facts["volumes"]:
        errors.append(f"ROSEYD_DATA_DIR {data_dir} is not the image's VOLUME {facts['volumes']}")
    if facts["user"] in (None, "root", "0"):
        errors.append("the image runs as root")
    if not facts["healthcheck"]:
        errors.append("no HEALTHCHECK")
    return errors


@check
def image_command_is_the_readme_run_command(repo):
    facts = dockerfile_facts(repo)
    argv = facts["entrypoint"] + facts["cmd"]
    errors = []
    if len(argv) < 4 or os.path.basename(argv[0]) != "roseyd" or argv[1] != "run" or \
            argv[2] != "--config":
        return [f"image command {argv} is not `roseyd run --config FILE`"]
    config_in_image = argv[3]
    copied = [dest for opts, srcs, dest in facts["copies"]
              if not opts and srcs == ["config/roseyd.yaml"]]
    if config_in_image not in copied:
        errors.append(f"--config {config_in_image} is not where config/roseyd.yaml is copied "
                      f"({copied})")
    readme = repo.text("README.md")
    if "roseyd run [--config FILE]" not in readme:
        errors.append("README no longer documents `roseyd run [--config FILE]`")
    unit = repo.text("deploy/systemd/roseyd.service")
    m = re.search(r"^ExecStart=(\S+) run --config (\S+)", unit, re.M)
    if not m or os.path.basename(m.group(1)) != "roseyd":
        errors.append("systemd ExecStart is not `roseyd run --config FILE`")
    return errors


@check
def prometheus_configs_agree(repo):
    """prometheus.compose.yml is prometheus.yml with roseyd reached by service name."""
    local = repo.yaml("deploy/prometheus/prometheus.yml")
    comp = repo.yaml("deploy/prometheus/prometheus.compose.yml")
    errors = []
    for key in ("global", "rule_files"):
        if local.get(key) != comp.get(key):
            errors.append(f"'{key}' differs between prometheus.yml and prometheus.compose.yml")
    jobs_l = {j["job_name"]: j for j in local["scrape_configs"]}
    jobs_c = {j["job_name"]: j for j in comp["scrape_configs"]}
    if set(jobs_l) != set(jobs_c):
        errors.append(f"jobs differ: {sorted(jobs_l)} vs {sorted(jobs_c)}")
    if "roseyd" not in jobs_c:
        return errors + ["no job 'roseyd' (the alert RoseydDown reads up{job=\"roseyd\"})"]
    _, port = host_port(config_defaults(repo)["metrics"]["listen"])
    targets_c = [t for sc in jobs_c["roseyd"]["static_configs"] for t in sc["targets"]]
    targets_l = [t for sc in jobs_l["roseyd"]["static_configs"] for t in sc["targets"]]
    if targets_c != [f"roseyd:{port}"]:
        errors.append(f"compose targets {targets_c} != ['roseyd:{port}']")
    if targets_l != [f"127.0.0.1:{port}"]:
        errors.append(f"local targets {targets_l} != ['127.0.0.1:{port}']")
    for j in ("roseyd",):
        for key in set(jobs_l[j]) | set(jobs_c[j]):
            if key != "static_configs" and jobs_l[j].get(key) != jobs_c[j].get(key):
                errors.append(f"job {j}: '{key}' differs")
    for rule_file in comp.get("rule_files", []):
        if not os.path.exists(repo.path(f"deploy/prometheus/{rule_file}")):
            errors.append(f"rule file {rule_file} missing")
    return errors


@check
def prometheus_container_loads_the_mounted_files(repo):
    svc = compose(repo)["services"]["prometheus"]
    args = dict(a.split("=", 1) for a in svc.get("command", []) if "=" in a)
    mounts = {v.split(":")[1]: v.split(":")[0] for v in svc.get("volumes", [])}
    errors = []
    config_path = args.get("--config.file")
    if mounts.get(config_path) != "./prometheus/prometheus.compose.yml":
        errors.append(f"--config.file {config_path} is not prometheus.compose.yml")
    comp = repo.yaml("deploy/prometheus/prometheus.compose.yml")
    for rule_file in comp.get("rule_files", []):
        in_container = os.path.join(os.path.dirname(config_path or "/"), rule_file)
        if mounts.get(in_container) != f"./prometheus/{rule_file}":
            errors.append(f"rule file {rule_file} not mounted at {in_container}")
    if args.get("--storage.tsdb.path") not in mounts:
        errors.append("--storage.tsdb.path is not on a volume")
    return errors


@check
def grafana_provisioning_agrees_with_the_stack(repo):
    svc = compose(repo)["services"]["grafana"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in svc.get("volumes", [])}
    env = svc.get("environment") or {}
    errors = []
    for kind in ("datasources", "dashboards"):
        target = f"/etc/grafana/provisioning/{kind}"
        if mounts.get(target) != f"./grafana/provisioning/{kind}":
            errors.append(f"{target} not mounted from deploy/grafana/provisioning/{kind}")
        folder = repo.path(f"deploy/grafana/provisioning/{kind}")
        if not [f for f in os.listdir(folder) if f.endswith((".yml", ".yaml"))]:
            errors.append(f"no provisioning file in deploy/grafana/provisioning/{kind}")
    prom = compose(repo)["services"]["prometheus"]
    prom_args = dict(a.split("=", 1) for a in prom.get("command", []) if "=" in a)
    _, prom_port = host_port(prom_args.get("--web.listen-address", "0.0.0.0:9090"))
    ds_dir = repo.path("deploy/grafana/provisioning/datasources")
    uids = []
    for f in sorted(os.listdir(ds_dir)):
        for ds in repo.yaml(f"deploy/grafana/provisioning/datasources/{f}")["datasources"]:
            uids.append(ds.get("uid"))
            if ds["type"] == "prometheus" and url_host_port(ds["url"]) != ("prometheus",
                                                                            prom_port):
                errors.append(f"data source URL {ds['url']} is not prometheus:{prom_port}")
    if not any(u for u in uids):
        errors.append("no provisioned data source")
    dash_mount = [t for t, s in mounts.items() if s == "../dashboards"]
    if not dash_mount:
        errors.append("../dashboards not mounted into grafana")
    db_dir = repo.path("deploy/grafana/provisioning/dashboards")
    paths = []
    for f in sorted(os.listdir(db_dir)):
        for p in repo.yaml(f"deploy/grafana/provisioning/dashboards/{f}")["providers"]:
            paths.append(p["options"]["path"])
    if dash_mount and dash_mount[0] not in paths:
        errors.append(f"dashboard provider paths {paths} do not include {dash_mount[0]}")
    home = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home and dash_mount:
        rel = os.path.relpath(home, dash_mount[0])
        if rel.startswith("..") or not os.path.exists(repo.path(f"dashboards/{rel}")):
            errors.append(f"home dashboard {home} is not one of dashboards/")
    if not re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:-[^}]+\}",
                        str(env.get("GF_SECURITY_ADMIN_PASSWORD", ""))):
        errors.append("admin password does not come from $GRAFANA_ADMIN_PASSWORD with a default")
    if str(env.get("GF_AUTH_ANONYMOUS_ENABLED")).lower() == "true" and \
            env.get("GF_AUTH_ANONYMOUS_ORG_ROLE") != "Viewer":
        errors.append("anonymous users get more than the Viewer role")
    return errors


BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}  # in debian:12-slim already
# Installed by the runtime stage ahead of the code that links them: they may
# provide no library of roseyd yet (and once it links them, the check is as usual).
AHEAD_OF_CODE_PACKAGES = {"libssl3": "OpenSSL's SHA-256, for the plugin storage API",
                          "libpq5": "libpq, for the PostgreSQL store"}


def runtime_apt_packages(repo):
    """Packages the Dockerfile's last stage installs with apt-get."""
    facts = dockerfile_facts(repo)
    stages = [i for i, (k, _) in enumerate(facts["all"]) if k == "FROM"]
    packages = []
    for keyword, arg in facts["all"][stages[-1]:]:
        if keyword != "RUN" or "apt-get" not in arg:
            continue
        for command in re.split(r"&&|;", arg):
            words = command.split()
            if "install" in words and any(w.endswith("apt-get") for w in words):
                packages += [w for w in words[words.index("install") + 1:]
                             if not w.startswith("-")]
    return packages


@functools.lru_cache(maxsize=None)
def package_of_library(soname):
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == soname:
            real = os.path.realpath(parts[-1])
            for candidate in (real, real.replace("/usr/lib/", "/lib/", 1),
                              real.replace("/lib/", "/usr/lib/", 1)):
                r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
                if r.returncode == 0:
                    return r.stdout.split(":")[0]
    return None


@functools.lru_cache(maxsize=None)
def depends_closure(packages):
    r = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                        "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
                        *packages], capture_output=True, text=True)
    if r.returncode != 0 or "Depends:" not in r.stdout:
        raise RuntimeError(f"apt-cache depends failed (run apt-get update): {r.stderr.strip()}")
    closure = set(packages)
    for line in r.stdout.splitlines():
        if line.strip().startswith("Depends:"):
            closure.add(line.split(":", 1)[1].strip().split(":")[0].strip("<>"))
    return closure


@check
def runtime_image_has_exactly_the_libraries_roseyd_links(repo):
    """With --roseyd BIN: every shared library the binary needs comes from a package the
    runtime stage installs (or one of their dependencies), and each package installed
    there provides one of them."""
    if not repo.binary:
        return ["no --roseyd BINARY given: cannot compare the runtime packages with it"]
    out = subprocess.run(["objdump", "-p", repo.binary], capture_output=True, text=True,
                         check=True).stdout
    needed = re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M)
    installed = runtime_apt_packages(repo)
    closure = depends_closure(tuple(installed)) if installed else set()
    errors = []
    providers = set()
    for soname in needed:
        if re.match(r"^lib(a|ub|t|l|hwa)san\.so", soname):
            continue  # a sanitizer build of roseyd (scripts/sanitize.sh), not the image's
        package = package_of_library(soname)
        if package is None:
            # libc6 and libgcc-s1 live in /lib on Debian 12; only report others.
            if not re.match(r"^(libc|libm|libgcc_s|libpthread|libdl)\.so", soname):
                errors.append(f"{soname}: no Debian package found for it")
            continue
        providers.add(package)
        if package not in BASE_IMAGE_PACKAGES and package not in closure:
            errors.append(f"{soname} ({package}) is not installed in the runtime image")
    for package in installed:
        if package not in providers and package not in AHEAD_OF_CODE_PACKAGES:
            errors.append(f"runtime package {package} provides no library roseyd links")
    return errors


def load_dashboards(repo):
    out = []
    for rel in dashboard_files(repo):
        with open(repo.path(rel), encoding="utf-8") as f:
            out.append((rel, json.load(f)))
    return out


@check
def dashboards_are_valid_json_with_unique_uids(repo):
    errors = []
    uids = {}
    titles = {}
    files = dashboard_files(repo)
    for name in ("overview", "soak", "benchmarks"):
        if f"dashboards/roseyd-{name}.json" not in files:
            errors.append(f"dashboards/roseyd-{name}.json missing")
    for rel in files:
        try:
            with open(repo.path(rel), encoding="utf-8") as f:
                d = json.load(f)
        except ValueError as e:
            errors.append(f"{rel}: not valid JSON: {e}")
            continue
        uid = d.get("uid")
        if not uid or len(uid) > 40 or not re.fullmatch(r"[A-Za-z0-9_-]+", uid):
            errors.append(f"{rel}: bad uid {uid!r}")
        elif uid in uids:
            errors.append(f"{rel}: uid {uid} also in {uids[uid]}")
        uids[uid] = rel
        if d.get("title") in titles:
            errors.append(f"{rel}: title also in {titles[d.get('title')]}")
        titles[d.get("title")] = rel
        if d.get("id") is not None:
            errors.append(f"{rel}: id must be null for provisioning")
        if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
            errors.append(f"{rel}: schemaVersion {d.get('schemaVersion')} < 36")
    return errors


DS_REF = "${datasource}"


@check
def dashboard_panels_are_described_and_use_the_datasource_variable(repo):
    errors = []
    for rel, d in load_dashboards(repo):
        variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
        ds_var = variables.get("datasource")
        if not ds_var or ds_var.get("type") != "datasource" or \
                ds_var.get("query") != "prometheus":
            errors.append(f"{rel}: no `datasource` variable of type prometheus")
        for name, v in variables.items():
            if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != DS_REF:
                errors.append(f"{rel}: variable {name} does not use {DS_REF}")
        ids = set()
        panels = list(walk_panels(d.get("panels", [])))
        if not [p for p in panels if p.get("type") != "row"]:
            errors.append(f"{rel}: no panels")
        for p in panels:
            where = f"{rel}: panel {p.get('id')} '{p.get('title')}'"
            if p.get("id") in ids:
                errors.append(f"{where}: duplicate id")
            ids.add(p.get("id"))
            g = p.get("gridPos", {})
            if not g or g.get("x", 0) + g.get("w", 0) > 24:
                errors.append(f"{where}: bad gridPos {g}")
            if p.get("type") == "row":
                continue
            if len((p.get("description") or "").strip()) < 40:
                errors.append(f"{where}: no description of what good looks like")
            if (p.get("datasource") or {}).get("uid") != DS_REF:
                errors.append(f"{where}: datasource is not {DS_REF}")
            targets = p.get("targets") or []
            if not targets:
                errors.append(f"{where}: no query")
            for t in targets:
                if (t.get("datasource") or {}).get("uid", DS_REF) != DS_REF:
                    errors.append(f"{where}: target {t.get('refId')} has its own datasource")
                if not (t.get("expr") or "").strip():
                    errors.append(f"{where}: target {t.get('refId')} has no expr")
    return errors


def dashboard_queries(d):
    """(where, PromQL, variable name or None) for every panel query and every query
    variable (the selector of its label_values) of a dashboard."""
    out = []
    for p in walk_panels(d.get("panels", [])):
        for t in p.get("targets") or []:
            out.append((f"panel {p.get('id')} '{p.get('title')}' {t.get('refId')}",
                        t.get("expr") or "", None))
    for v in d.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            m = re.match(r"label_values\((.*),\s*\w+\)$", v.get("definition", ""))
            out.append((f"variable {v['name']}", m.group(1) if m else v.get("definition", ""),
                        v["name"]))
    return out


@check
def dashboards_select_job_and_instance_by_variables(repo):
    """Every dashboard has a `job` variable and an `instance` variable listed for the
    chosen jobs, and every selector of every query filters on both through them
    (ALERTS, whose series may have lost the job label, on the instance): no job is
    hard-coded, so the dashboards work whatever the scrape job is called."""
    errors = []
    for rel, d in load_dashboards(repo):
        variables = d.get("templating", {}).get("list", [])
        names = [v["name"] for v in variables]
        for name in ("job", "instance"):
            if not any(v["name"] == name and v.get("type") == "query" for v in variables):
                errors.append(f"{rel}: no query variable `{name}`")
        if "job" in names and "instance" in names and \
                names.index("job") > names.index("instance"):
            errors.append(f"{rel}: variable job comes after instance, which reads it")
        for where, expr, variable in dashboard_queries(d):
            for metric, labels in promql.selectors(expr):
                job = labels.get("job")
                if job and job != ("=~", "$job"):
                    errors.append(f'{rel} {where}: job{job[0]}"{job[1]}" hard-coded')
                if variable == "job":
                    continue
                if variable == "instance":
                    need = ["job"]
                else:
                    need = ["instance"] if metric == "ALERTS" else ["job", "instance"]
                for label in need:
                    if labels.get(label) != ("=~", f"${label}"):
                        errors.append(f'{rel} {where}: {metric or expr} not filtered by '
                                      f'{label}=~"${label}"')
    return errors


AXIS_PANEL_TYPES = {"timeseries", "barchart", "trend"}
BENCH_FIGURES = {"roseyd_bench_result", "roseyd_bench_target"}


def axis_overrides(panel):
    """refId -> the unit and axis placement that overrides give that query's series;
    overrides of either matched otherwise (by name, regex) are returned apart."""
    by_ref, other = {}, []
    for o in panel.get("fieldConfig", {}).get("overrides", []):
        props = {p["id"]: p.get("value") for p in o.get("properties", [])
                 if p["id"] in ("unit", "custom.axisPlacement")}
        if not props:
            continue
        matcher = o.get("matcher", {})
        if matcher.get("id") == "byFrameRefID":
            by_ref.setdefault(matcher.get("options"), {}).update(props)
        else:
            other.append(matcher.get("id"))
    return by_ref, other


@check
def dashboard_panels_have_one_unit_per_axis(repo):
    """Each axis of a graph shows one unit: a query of another unit goes on the other
    axis through an override by refId. The load generator's figures carry their unit
    in their name (p95_latency_ms, persisted_per_second), so a graph plots one named
    figure, or is repeated over the `metric` variable, one figure per panel."""
    errors = []
    for rel, d in load_dashboards(repo):
        for p in walk_panels(d.get("panels", [])):
            if p.get("type") not in AXIS_PANEL_TYPES:
                continue
            where = f"{rel}: panel {p.get('id')} '{p.get('title')}'"
            defaults = p.get("fieldConfig", {}).get("defaults", {})
            by_ref, other = axis_overrides(p)
            errors += [f"{where}: unit or axis override matched {m}, not by refId"
                       for m in other]
            axes = {}
            for t in p.get("targets") or []:
                props = by_ref.get(t.get("refId"), {})
                unit = props.get("unit", defaults.get("unit", "none"))
                side = props.get("custom.axisPlacement",
                                 (defaults.get("custom") or {}).get("axisPlacement", "auto"))
                axes.setdefault("left" if side == "auto" else side, set()).add(unit)
                for metric, labels in promql.selectors(t.get("expr") or ""):
                    figure = labels.get("metric")
                    if metric in BENCH_FIGURES and not figure_pinned(figure, p):
                        errors.append(f"{where} {t.get('refId')}: {metric} of every figure, "
                                      f"each in its own unit, on one axis")
            for side, units in sorted(axes.items()):
                if len(units) > 1:
                    errors.append(f"{where}: units {sorted(units)} on the {side} axis")
    return errors


def figure_pinned(matcher, panel):
    """Whether a metric="..." matcher selects one figure: a named one, or the
    `metric` variable of a panel repeated over it (Grafana sets one value a copy)."""
    if not matcher:
        return False
    return matcher[0] == "=" or (matcher == ("=~", "$metric") and panel.get("repeat") == "metric")


@check
def dashboards_and_alerts_read_documented_metrics(repo):
    documented = documented_metrics(repo)
    errors = []
    sources = []
    for rel, d in load_dashboards(repo):
        for p in walk_panels(d.get("panels", [])):
            for t in p.get("targets") or []:
                sources.append((f"{rel} panel '{p.get('title')}'", t.get("expr") or ""))
        for v in d.get("templating", {}).get("list", []):
            if v.get("type") == "query":
                m = re.match(r"label_values\((.*),\s*\w+\)$", v.get("definition", ""))
                if m:
                    sel = m.group(1)
                    regex = re.search(r'__name__=~"([^"]+)"', sel)
                    if regex:
                        for name in regex.group(1).split("|"):
                            sources.append((f"{rel} variable {v['name']}", name))
                    else:
                        sources.append((f"{rel} variable {v['name']}", sel))
    for rule in [r for g in repo.yaml("deploy/prometheus/alerts.yml")["groups"]
                 for r in g["rules"]]:
        sources.append((f"alert {rule.get('alert')}", rule["expr"]))
    for where, expr in dict.fromkeys(sources):
        for name in sorted(promql.metric_names(expr)):
            if name in BUILTIN_SERIES:
                continue
            if name not in documented and promql.base_metric(name) not in documented:
                errors.append(f"{where}: reads undocumented metric '{name}'")
    return list(dict.fromkeys(errors))


@check
def readme_describes_the_live_view(repo):
    readme = repo.text("docs/LIVE_VIEW.md")
    errors = []
    if "## Live view" not in readme:
        errors.append("docs/LIVE_VIEW.md has no '## Live view' section")
        return errors
    section = readme.split("## Live view", 1)[1].split("\n## ", 1)[0]
    if "docker compose up" not in section:
        errors.append("Live view section does not say `docker compose up`")
    for rel in dashboard_files(repo):
        if os.path.basename(rel) not in section:
            errors.append(f"Live view section does not describe {rel}")
    return errors


# ---------------------------------------------------------------- self-test
# Each mutation breaks one thing in a copy of the repo; the check named with it
# must then fail. This proves every check can fail (--self-test).


def replace_in(rel, old, new, count=1):
    def mutate(root):
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if old not in text:
            raise AssertionError(f"mutation target '{old}' not in {rel}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, count))
    return mutate


def edit_json(rel, fn):
    def mutate(root):
        path = os.path.join(root, rel)
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        fn(d)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(d, f)
    return mutate


def first_panel(d, key=None):
    return next(p for p in walk_panels(d["panels"]) if p.get("type") != "row" and
                (key is None or key in p))


OVERVIEW = "dashboards/roseyd-overview.json"
SOAK = "dashboards/roseyd-soak.json"
BENCHMARKS = "dashboards/roseyd-benchmarks.json"


def panel_titled(d, title):
    return next(p for p in walk_panels(d["panels"]) if p.get("title") == title)


def variable(d, name):
    return next(v for v in d["templating"]["list"] if v["name"] == name)


def drop_axis_placement(panel):
    for o in panel["fieldConfig"]["overrides"]:
        o["properties"] = [p for p in o["properties"] if p["id"] != "custom.axisPlacement"]


def match_overrides_by_name(panel):
    for o in panel["fieldConfig"]["overrides"]:
        o["matcher"] = {"id": "byName", "options": "write errors/s"}


MUTATIONS = [
    ("compose_has_the_four_services", "grafana service renamed",
     replace_in(COMPOSE, "\n  grafana:\n", "\n  graphs:\n")),
    ("compose_files_exist", "prometheus mounts a missing file",
     replace_in(COMPOSE, "./prometheus/alerts.yml:", "./prometheus/alert.yml:")),
    ("compose_files_exist", "build context points nowhere",
     replace_in(COMPOSE, "context: ..", "context: ../nowhere")),
    ("compose_named_volumes_declared_and_used", "roseyd-data not declared",
     replace_in(COMPOSE, "\n  roseyd-data:\n", "\n")),
    ("compose_every_service_has_a_health_check", "nats health check removed",
     replace_in(COMPOSE, 'test: ["CMD", "wget", "-q", "-O", "/dev/null", '
                '"http://127.0.0.1:8222/healthz"]', "disable: true")),
    ("compose_health_checks_probe_the_service_port", "grafana probed on the wrong port",
     replace_in(COMPOSE, "127.0.0.1:3000/api/health", "127.0.0.1:3001/api/health")),
    ("compose_health_checks_probe_the_service_port", "roseyd's health check reads /metrics",
     replace_in("Dockerfile", "GET /ready ", "GET /metrics ")),
    ("compose_depends_on_healthy_services", "roseyd waits only for nats to start",
     replace_in(COMPOSE, "condition: service_healthy", "condition: service_started")),
    ("compose_publishes_only_user_ports_on_loopback", "grafana on all interfaces",
     replace_in(COMPOSE, '"127.0.0.1:${GRAFANA_PORT-3000}:3000"', '"${GRAFANA_PORT-3000}:3000"')),
    ("compose_publishes_only_user_ports_on_loopback", "NATS monitoring published",
     replace_in(COMPOSE, '      - "127.0.0.1:${NATS_PORT-4222}:4222"\n',
                '      - "127.0.0.1:${NATS_PORT-4222}:4222"\n      - "127.0.0.1:8222:8222"\n')),
    ("compose_publishes_only_user_ports_on_loopback", "roseyd's /metrics not published",
     replace_in(COMPOSE, '    ports:\n      - "127.0.0.1:${ROSEYD_METRICS_PORT-9464}:9464"\n',
                "")),
    ("compose_nats_matches_roseyd_url", "JetStream off",
     replace_in(COMPOSE, '"-js", ', "")),
    ("compose_nats_matches_roseyd_url", "nats on another port than the image's URL",
     replace_in(COMPOSE, '"-m", "8222"]', '"-m", "8222", "-p", "4223"]')),
    ("compose_files_run_on_compose_v1_and_v2", "a top-level name: (Compose v2 only)",
     replace_in(COMPOSE, "\nservices:\n", "\nname: roseyd\nservices:\n")),
    ("compose_files_run_on_compose_v1_and_v2", "compose.yaml includes the deploy file",
     replace_in(ROOT_COMPOSE, "\nservices:\n",
                "\ninclude:\n  - deploy/docker-compose.yml\nservices:\n")),
    ("compose_files_run_on_compose_v1_and_v2", "the two .env files name different projects",
     replace_in("deploy/.env", "COMPOSE_PROJECT_NAME=roseyd-live",
                "COMPOSE_PROJECT_NAME=deploy")),
    ("compose_files_run_on_compose_v1_and_v2", "a top-level name: in the replicas stack",
     replace_in(REPLICAS, "\nservices:\n", "\nname: roseyd-replicas\nservices:\n")),
    ("stacks_do_not_collide", "the replicas stack in the live view's project",
     replace_in("deploy/replicas/.env", "COMPOSE_PROJECT_NAME=roseyd-replicas",
                "COMPOSE_PROJECT_NAME=roseyd-live")),
    ("stacks_do_not_collide", "the replicas stack without a .env",
     lambda root: os.remove(os.path.join(root, "deploy/replicas/.env"))),
    ("stacks_do_not_collide", "both stacks with a service `nats`",
     replace_in(REPLICAS, "replicas-nats:", "nats:", count=-1)),
    ("stacks_do_not_collide", "both stacks with a volume `nats-data`",
     replace_in(REPLICAS, "replicas-nats-data", "nats-data", count=-1)),
    ("stacks_do_not_collide", "both stacks on host port 4222",
     replace_in(REPLICAS, "${NATS_PORT-4223}", "${NATS_PORT-4222}", count=-1)),
    ("stacks_do_not_collide", "replicas on the image's NATS URL (the live view's nats)",
     replace_in(REPLICAS, "    ROSEYD_NATS_URL: nats://replicas-nats:4222\n", "")),
    ("root_compose_is_the_deploy_stack", "a port changed in compose.yaml only",
     replace_in(ROOT_COMPOSE, "${GRAFANA_PORT-3000}", "${GRAFANA_PORT-3001}")),
    ("root_compose_is_the_deploy_stack", "a health check changed in the deploy file only",
     replace_in(COMPOSE, "retries: 10", "retries: 11")),
    ("root_compose_is_the_deploy_stack", "compose.yaml mounts dashboards/ from a deploy path",
     replace_in(ROOT_COMPOSE, "./dashboards:/etc/grafana", "../dashboards:/etc/grafana")),
    ("dockerfile_copies_exist_and_reach_the_context", "COPY of a missing file",
     replace_in("Dockerfile", "COPY config/roseyd.yaml", "COPY config/rosey.yaml")),
    ("dockerfile_copies_exist_and_reach_the_context", ".dockerignore drops config/",
     replace_in(".dockerignore", "data/\n", "data/\nconfig/\n")),
    ("dockerfile_copies_exist_and_reach_the_context", ".dockerignore lets build/ in",
     replace_in(".dockerignore", "build*/\n", "")),
    ("dockerfile_runtime_matches_roseyd_defaults", "metrics port differs from roseyd's",
     replace_in("Dockerfile", "ROSEYD_METRICS_LISTEN=0.0.0.0:9464",
                "ROSEYD_METRICS_LISTEN=0.0.0.0:9465")),
    ("dockerfile_runtime_matches_roseyd_defaults", "a non-address setting changed",
     replace_in("Dockerfile", "ENV ROSEYD_DATA_DIR=/var/lib/roseyd",
                "ENV ROSEYD_STORE_SYNCHRONOUS=off ROSEYD_DATA_DIR=/var/lib/roseyd")),
    ("dockerfile_runtime_matches_roseyd_defaults", "runs as root",
     replace_in("Dockerfile", "USER roseyd", "USER root")),
    ("image_command_is_the_readme_run_command", "command reads another config",
     replace_in("Dockerfile", '"--config", "/etc/roseyd/roseyd.yaml"',
                '"--config", "/etc/roseyd/other.yaml"')),
    ("image_command_is_the_readme_run_command", "command is not `run`",
     replace_in("Dockerfile", 'CMD ["run",', 'CMD ["serve",')),
    ("runtime_image_has_exactly_the_libraries_roseyd_links", "a linked library not installed",
     replace_in("Dockerfile", "libnats3.4 ", "")),
    ("runtime_image_has_exactly_the_libraries_roseyd_links", "a package nothing needs",
     replace_in("Dockerfile", "libsimdjson14 ", "libsimdjson14 libcurl4 ")),
    ("prometheus_configs_agree", "compose target on the wrong port",
     replace_in("deploy/prometheus/prometheus.compose.yml", "roseyd:9464", "roseyd:9465")),
    ("prometheus_configs_agree", "job renamed in one config",
     replace_in("deploy/prometheus/prometheus.compose.yml", "job_name: roseyd",
                "job_name: rosey")),
    ("prometheus_container_loads_the_mounted_files", "config file not the mounted one",
     replace_in(COMPOSE, "--config.file=/etc/prometheus/prometheus.yml",
                "--config.file=/etc/prometheus/other.yml")),
    ("grafana_provisioning_agrees_with_the_stack", "data source on the wrong port",
     replace_in("deploy/grafana/provisioning/datasources/prometheus.yml",
                "http://prometheus:9090", "http://prometheus:9091")),
    ("grafana_provisioning_agrees_with_the_stack", "provider reads another folder",
     replace_in("deploy/grafana/provisioning/dashboards/roseyd.yml",
                "path: /etc/grafana/dashboards/roseyd", "path: /var/lib/grafana/dashboards")),
    ("grafana_provisioning_agrees_with_the_stack", "fixed admin password",
     replace_in(COMPOSE, "${GRAFANA_ADMIN_PASSWORD:-admin}", "admin")),
    ("dashboards_are_valid_json_with_unique_uids", "invalid JSON",
     replace_in(OVERVIEW, '"panels": [', '"panels": [,')),
    ("dashboards_are_valid_json_with_unique_uids", "duplicate uid",
     edit_json("dashboards/roseyd-soak.json", lambda d: d.update(uid="roseyd-overview"))),
    ("dashboard_panels_are_described_and_use_the_datasource_variable", "no description",
     edit_json(OVERVIEW, lambda d: first_panel(d).pop("description"))),
    ("dashboard_panels_are_described_and_use_the_datasource_variable", "fixed data source",
     edit_json(OVERVIEW, lambda d: first_panel(d)["datasource"].update(uid="prometheus"))),
    ("dashboard_panels_are_described_and_use_the_datasource_variable", "empty expr",
     edit_json(OVERVIEW, lambda d: first_panel(d)["targets"][0].update(expr=" "))),
    ("dashboard_panels_are_described_and_use_the_datasource_variable", "no datasource variable",
     edit_json(OVERVIEW, lambda d: d["templating"]["list"].pop(0))),
    ("dashboards_select_job_and_instance_by_variables", "a hard-coded job",
     replace_in(OVERVIEW, 'process_resident_memory_bytes{job=~\\"$job\\"',
                'process_resident_memory_bytes{job=\\"roseyd\\"')),
    ("dashboards_select_job_and_instance_by_variables", "a query for every instance",
     replace_in(OVERVIEW, 'roseyd_nats_connected{job=~\\"$job\\", instance=~\\"$instance\\"}',
                'roseyd_nats_connected{job=~\\"$job\\"}')),
    ("dashboards_select_job_and_instance_by_variables", "firing alerts of every instance",
     replace_in(OVERVIEW, 'alertstate=\\"firing\\", instance=~\\"$instance\\"',
                'alertstate=\\"firing\\"')),
    ("dashboards_select_job_and_instance_by_variables", "no job variable",
     edit_json(SOAK, lambda d: d["templating"]["list"].remove(variable(d, "job")))),
    ("dashboards_select_job_and_instance_by_variables", "instances of every job listed",
     edit_json(OVERVIEW, lambda d: variable(d, "instance").update(
         definition="label_values(roseyd_build_info, instance)"))),
    ("dashboards_select_job_and_instance_by_variables", "versions of every job listed",
     replace_in(BENCHMARKS, 'label_values(roseyd_bench_status{job=~\\"$job\\", '
                'instance=~\\"$instance\\"}, version)',
                "label_values(roseyd_bench_status, version)", count=-1)),
    ("dashboard_panels_have_one_unit_per_axis", "CPU % moved onto the events/s axis",
     edit_json(SOAK, lambda d: drop_axis_placement(
         panel_titled(d, "Load: persisted events/s and CPU")))),
    ("dashboard_panels_have_one_unit_per_axis", "a unit override matched by series name",
     edit_json(OVERVIEW, lambda d: match_overrides_by_name(
         panel_titled(d, "Commit duration and write errors")))),
    ("dashboard_panels_have_one_unit_per_axis", "every figure on one axis",
     edit_json(BENCHMARKS, lambda d: panel_titled(d, "$metric over time vs target").pop(
         "repeat"))),
    ("dashboards_and_alerts_read_documented_metrics", "a misspelt metric in a dashboard",
     replace_in(OVERVIEW, "roseyd_write_queue_depth", "roseyd_write_queue_dept")),
    ("dashboards_and_alerts_read_documented_metrics", "a misspelt metric in an alert",
     replace_in("deploy/prometheus/alerts.yml", "roseyd_nats_connected == 0",
                "roseyd_nats_conected == 0")),
    ("readme_describes_the_live_view", "no `docker compose up` in the Live view section",
     replace_in("docs/LIVE_VIEW.md", "docker compose up", "docker-compose start", count=-1)),
]

COPIED = ["README.md", "docs", "Dockerfile", ".dockerignore", ".env", "compose.yaml", "config",
          "dashboards", "deploy"]


def copy_repo(src, dst):
    for name in COPIED:
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(s):
            shutil.copytree(s, d)
        else:
            shutil.copy2(s, d)


def run_checks(root, binary):
    repo = Repo(root, binary)
    failed = {}
    for fn in CHECKS:
        try:
            errors = fn(repo)
        except Exception as e:
            errors = [f"{type(e).__name__}: {e}"]
        if errors:
            failed[fn.__name__] = errors
    return failed


def self_test(root, binary):
    names = {fn.__name__ for fn in CHECKS}
    problems = []
    with tempfile.TemporaryDirectory(prefix="check-stack-") as tmp:
        pristine = os.path.join(tmp, "pristine")
        os.mkdir(pristine)
        copy_repo(root, pristine)
        if run_checks(pristine, binary):
            print(f"FAIL the unmodified copy does not pass: {run_checks(pristine, binary)}")
            return 1
        for i, (check_name, what, mutate) in enumerate(MUTATIONS):
            if check_name not in names:
                problems.append(f"mutation '{what}' names unknown check {check_name}")
                continue
            work = os.path.join(tmp, f"m{i}")
            os.mkdir(work)
            copy_repo(root, work)
            mutate(work)
            failed = run_checks(work, binary)
            if check_name in failed:
                print(f"ok   {check_name} fails on: {what}")
                print(f"       {failed[check_name][0]}")
            else:
                problems.append(f"{check_name} did not fail on: {what}")
                print(f"FAIL {check_name} did not fail on: {what}")
    untested = names - {m[0] for m in MUTATIONS}
    for name in sorted(untested):
        problems.append(f"no mutation proves {name} can fail")
        print(f"FAIL no mutation for {name}")
    print(f"{len(MUTATIONS) - len([p for p in problems if 'did not fail' in p])} passed, "
          f"{len(problems)} failed")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    parser.add_argument("--roseyd", help="the built roseyd, to compare the runtime image's "
                        "packages with the libraries it links")
    parser.add_argument("--self-test", action="store_true",
                        help="prove every check fails on a copy of the repo broken for it")
    args = parser.parse_args()
    if args.self_test:
        return self_test(args.root, args.roseyd)
    repo = Repo(args.root, args.roseyd)
    failed = 0
    for fn in CHECKS:
        try:
            errors = fn(repo)
        except Exception as e:  # a missing file or key is a failure of that check
            errors = [f"{type(e).__name__}: {e}"]
        status = "ok  " if not errors else "FAIL"
        print(f"{status} {fn.__name__}")
        for e in errors:
            print(f"       {e}")
        failed += bool(errors)
    print(f"{len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
