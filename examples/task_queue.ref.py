# Reference for task_queue.hi: tasks as dicts, payloads as Python lists, a
# collections.deque as the queue (compaction is modelled by counting how many
# tasks have been taken since the last compaction).
from collections import deque

def show(l): return "[" + ",".join(str(x) for x in l) + "]"

queue = deque()
next_id = 1
for prio, lo, hi in [[2, 1, 9], [0, 10, 13], [3, 20, 26], [1, 30, 35]]:
    queue.append({"id": next_id, "root": next_id, "prio": prio, "payload": list(range(lo, hi))})
    next_id += 1

results = {}
done = {}
taken = 0  # tasks taken from the front since the last compaction
while queue:
    t = queue.popleft()
    taken += 1
    done[t["prio"]] = done.get(t["prio"], 0) + 1
    n = len(t["payload"])
    if t["prio"] > 0 and n > 1:
        half = n // 2
        left = {"id": next_id, "root": t["root"], "prio": t["prio"] - 1, "payload": t["payload"][:half]}
        right = dict(left, id=next_id + 1, payload=t["payload"][half:])
        queue.append(left)
        queue.append(right)
        next_id += 2
        print("task", t["id"], "splits", show(t["payload"]), "into", left["id"], right["id"])
    else:
        r = sum(x * x for x in t["payload"])
        key = "root" + str(t["root"])
        results[key] = results.get(key, 0) + r
        print("task", t["id"], "computes", show(t["payload"]), "=", r)
    # array length = taken + len(queue); compact when taken >= 8 and taken*2 >= that
    if taken >= 8 and taken * 2 >= taken + len(queue):
        print("compact: dropped", taken, "kept", len(queue))
        taken = 0

print("tasks created", next_id - 1)
for k, v in results.items():
    print(k, v)
for p, c in done.items():
    print("priority", p, "tasks", c)
