#!/bin/sh
# matrix_doc.sh - docs/matrix-reference.md is what `flowaudit matrix
# --format markdown` says of the shipped matrix, byte for byte; and every
# format of `flowaudit matrix` is the same on every run.
set -u
: "${FLOWAUDIT:?}" "${SRCDIR:?}"
MATRIX="$SRCDIR/rules/speechexec-enterprise.json"
DOC="$SRCDIR/docs/matrix-reference.md"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$SRCDIR/tests/tap.sh"

"$FLOWAUDIT" matrix --matrix "$MATRIX" --format markdown -o "$work/doc.md" 2>"$work/err"
check $? "flowaudit matrix --format markdown runs" "$work/err"
n=$((n + 1))
if cmp -s "$work/doc.md" "$DOC"; then
	echo "ok $n - docs/matrix-reference.md matches the shipped matrix"
else
	echo "not ok $n - docs/matrix-reference.md is stale: run make update-matrix-doc"
	diff "$DOC" "$work/doc.md" | head -10 | sed 's/^/# /'
	failed=$((failed + 1))
fi

for fmt in text markdown json; do
	"$FLOWAUDIT" matrix --matrix "$MATRIX" --format "$fmt" >"$work/a.$fmt" &&
		"$FLOWAUDIT" matrix --matrix "$MATRIX" --format "$fmt" >"$work/b.$fmt"
	check $? "flowaudit matrix --format $fmt runs"
	same "$work/a.$fmt" "$work/b.$fmt" "flowaudit matrix --format $fmt is the same on every run"
done

python3 - "$work/a.json" "$MATRIX" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
matrix = json.load(open(sys.argv[2]))
ok = ([r["name"] for r in doc["roles"]] == list(matrix["roles"]) and
      [p["name"] for p in doc["params"]] == list(matrix["params"]) and
      [f["name"] for f in doc["features"]] == list(matrix["features"]) and
      [r["id"] for r in doc["rules"]] == [r["id"] for r in matrix["rules"]] and
      all(d["sections"] == m["sections"] for d, m in zip(doc["rules"], matrix["rules"])))
sys.exit(0 if ok else 1)
PY
check $? "the JSON description lists every role, parameter, feature and rule of the matrix, in its order, with the rules' sections"

python3 - "$work/a.json" "$MATRIX" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
matrix = json.load(open(sys.argv[2]))
def written(svc):
    # A service may name several protocols: one service each.
    ports = svc.get("ports", [])
    ports = ports if isinstance(ports, list) else [ports]
    protos = svc["proto"] if isinstance(svc["proto"], list) else [svc["proto"]]
    return [p + ("/" + ",".join(str(x) for x in ports) if ports else "")
            for p in protos]
bad = []
for d, m in zip(doc["rules"], matrix["rules"]):
    if [s["ports"] for s in d["services"]] != [w for s in m["services"] for w in written(s)]:
        bad.append(d["id"])
for d in doc["params"]:
    want = matrix["params"][d["name"]]["default"]
    if d["default"] != (want if isinstance(want, list) else [want]):
        bad.append(d["name"])
for d in doc["features"]:
    if d["default"] != matrix["features"][d["name"]].get("default", True):
        bad.append(d["name"])
if bad:
    print("\n".join("# differs: " + b for b in bad))
sys.exit(1 if bad else 0)
PY
check $? "services are shown as the matrix writes them (parameters by name), parameters and features with the matrix's defaults"

# The skeleton a newcomer copies loads as a site once its roles are bound.
sed -n '/^  {$/,/^  }$/p' "$work/a.text" >"$work/skeleton.json"
python3 - "$work/skeleton.json" "$work/site.json" <<'PY'
import json, sys
site = json.load(open(sys.argv[1]))
for i, role in enumerate(site["roles"]):
    site["roles"][role] = ["10.9.%d.1" % i]
json.dump(site, open(sys.argv[2], "w"))
PY
"$FLOWAUDIT" check --matrix "$MATRIX" --site "$work/site.json" >"$work/check.out" 2>"$work/err"
check $? "the text output's site skeleton, its roles filled in, is a valid site" "$work/err"

echo "1..$n"
[ "$failed" -eq 0 ]
