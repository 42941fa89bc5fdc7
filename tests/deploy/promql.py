"""Just enough PromQL reading for the live-view checks: which metrics an
expression reads and with which label matchers. Not a parser: it relies on the
shapes the dashboards and alert rules use (no `}` inside a label value, no
metric name inside a string). Shared by check_stack.py and live_view_e2e.py.
"""
import re

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
            "or", "unless", "offset", "inf", "nan", "atan2"}
_STRING = r'"(?:\\.|[^"\\])*"'
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(' + _STRING + ')')
_TOKEN = re.compile(_STRING + r'|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)?\s*(?P<braces>\{[^}]*\})'
                    r'|(?P<bare>[A-Za-z_:][A-Za-z0-9_:]*)')


def matchers(braces):
    """'{a="x", b=~"y"}' -> {"a": ("=", "x"), "b": ("=~", "y")} (values unescaped)."""
    out = {}
    for m in _MATCHER.finditer(braces):
        out[m.group(1)] = (m.group(2), m.group(3)[1:-1].replace('\\"', '"'))
    return out


def selectors(expr):
    """Every series selector of expr as (metric name or None, matchers): the
    metric names it reads, with the label matchers each one carries."""
    s = re.sub(r"\[[^\]]*\]", " ", expr)           # ranges and subqueries' steps
    s = re.sub(r"\$\{[^}]*\}", "$var", s)          # Grafana's ${var}: not a selector
    s = _GROUPING.sub(" ", s)
    s = re.sub(r"\boffset\s+\S+", " ", s)
    out = []
    for m in _TOKEN.finditer(s):
        if m.group("braces") is not None:
            out.append((m.group("name"), matchers(m.group("braces"))))
            continue
        name = m.group("bare")
        if not name:
            continue                                 # a string outside a selector
        rest = s[m.end():].lstrip()
        if rest.startswith("(") or re.match(r"(by|without)\b", rest):
            continue                                 # function or aggregation
        if name.lower() in KEYWORDS:
            continue
        before = s[m.start() - 1:m.start()]
        if before and (before.isdigit() or before in ".$"):
            continue                                 # 1e-9, $var
        out.append((name, {}))
    return out


def metric_names(expr):
    """Metric names an expression reads (histogram suffixes kept)."""
    names = set()
    for name, labels in selectors(expr):
        if name:
            names.add(name)
        elif labels.get("__name__", ("", ""))[0] == "=":
            names.add(labels["__name__"][1])
    return names


def base_metric(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
