"""Runs the recipes of docs/analysts.md against a live sitrep and prints what they produced as JSON.

Usage: recipes.py --check            exit 0 when pandas, geopandas and pyarrow import, else 3 naming the missing
       recipes.py BASE_URL WORKDIR   run every `# recipe:` block of the doc with BASE set to BASE_URL

The blocks are run as they are written in the doc (only BASE is replaced), so the doc cannot drift
from what works; recipes.test.ts compares the figures printed here with the API's own answers.
"""
import importlib
import json
import os
import re
import sys

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "analysts.md")
NEEDED = ["pandas", "geopandas", "pyarrow"]


def check():
    missing = []
    for name in NEEDED:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        print("missing Python packages: " + ", ".join(missing), file=sys.stderr)
        sys.exit(3)


def recipes():
    text = open(DOC, encoding="utf-8").read()
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        first = block.split("\n", 1)[0]
        if first.startswith("# recipe: "):
            yield first[len("# recipe: "):].strip(), block


def summary(name, ns):
    if name == "pandas-csv":
        incidents, figures, per_type = ns["incidents"], ns["figures"], ns["per_type"]
        return {
            "rows": len(incidents),
            "occurredAtIsDatetime": str(incidents["occurredAt"].dtype).startswith("datetime64"),
            "fatalitiesBest": int(incidents["fatalities.best"].fillna(0).sum()),
            "types": sorted(per_type.index.get_level_values("type").unique().tolist()),
            "figures": len(figures),
        }
    if name == "geopandas-geojson":
        points = ns["points"]
        return {
            "rows": len(points),
            "geometryTypes": sorted(points.geom_type.unique().tolist()),
            "crs": points.crs.to_string(),
            "ids": sorted(points["id"].tolist()),
            "perCountry": int(ns["per_country"].sum()),
            "footprintKm2": float(ns["footprint_km2"]),
        }
    if name == "change-feed-sync":
        mirror = ns["mirror"]
        again = ns["sync"](mirror)
        return {
            "lastSeq": ns["last_seq"],
            "againSeq": again,
            "mirrored": sorted(r[0] for r in mirror.execute("SELECT id FROM incidents")),
        }
    return {}


def main():
    if sys.argv[1:] == ["--check"]:
        check()
        return
    base, workdir = sys.argv[1], sys.argv[2]
    os.chdir(workdir)
    out = {}
    for name, code in recipes():
        code = re.sub(r'^BASE = ".*"$', "BASE = " + json.dumps(base), code, flags=re.M)
        ns = {"__name__": "recipe"}
        exec(compile(code, f"docs/analysts.md ({name})", "exec"), ns)
        out[name] = summary(name, ns)
    print(json.dumps(out))


main()
