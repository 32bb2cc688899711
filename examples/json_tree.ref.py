# Reference for json_tree.hi: the same document as Python values, printed by
# the standard json module (integral numbers shown as ints, as hilang does),
# folded with plain recursion; F64 printed as C's %.9f.
import json

tags = ["hilang", "regions"]
names = ["ada", "brian", "cora"]
members = []
boss = None
for i, name in enumerate(names):
    scores = [float(i * 10 + k) / 4.0 for k in range(i)]
    members.append({"id": float(i + 1), "name": name, "active": (i + 1) % 2 == 1,
                    "tags": tags, "scores": scores, "boss": boss})
    boss = name
doc = {"team": "compilers", "members": members,
       "meta": {"version": 2.5, "offset": -0.125, "extra": {}}}

def ints(v):
    if isinstance(v, float) and v == int(v):
        return int(v)
    if isinstance(v, list):
        return [ints(x) for x in v]
    if isinstance(v, dict):
        return {k: ints(x) for k, x in v.items()}
    return v

def kids(v):
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return list(v.values())
    return []

def nodes(v): return 1 + sum(nodes(c) for c in kids(v))
def depth(v): return 1 + max([depth(c) for c in kids(v)], default=0)
def total(v):
    if isinstance(v, float):
        return v
    s = 0.0
    for c in kids(v):
        s = s + total(c)
    return s
def scale(v, k):
    if isinstance(v, float):
        return v * k
    if isinstance(v, list):
        return [scale(x, k) for x in v]
    if isinstance(v, dict):
        return {key: scale(x, k) for key, x in v.items()}
    return v

print(json.dumps(ints(doc), indent=2))
print("nodes", nodes(doc), "depth", depth(doc), "sum", "%.9f" % total(doc))
print("doubled sum", "%.9f" % total(scale(doc, 2.0)), "original sum", "%.9f" % total(doc))
