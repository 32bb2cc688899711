# Reference for game_loop.hi: mutable Python objects, same float operations
# in the same order (IEEE doubles; printed with C's %.9f).

def fmt(x):
    if isinstance(x, float):
        return "%.9f" % x
    return str(x)

def P(*xs):
    print(" ".join(fmt(x) for x in xs))

def clamp(v, lo, hi):
    return lo if v < lo else (hi if v > hi else v)

class Ent:
    def __init__(self, id, x, y, vx, vy, hp):
        self.id, self.x, self.y, self.vx, self.vy, self.hp = id, x, y, vx, vy, hp

world = []
for i in range(6):
    fi = float(i)
    d = 1.0 if i % 2 == 0 else -1.0
    world.append(Ent(i, 10.0 + 15.0 * fi, 5.0 + 8.0 * fi, 4.0 - 1.5 * fi, d * (2.5 + 0.75 * float(i % 3)), 3))

totals = {"bounce": 0, "hit": 0, "died": 0, "lit": 0}
for frame in range(1, 31):
    events = []
    sparks = []
    for e in world:
        px, py = e.x + e.vx, e.y + e.vy
        out_x = px < 0.0 or px > 100.0
        out_y = py < 0.0 or py > 60.0
        if out_x:
            e.vx = -e.vx
        if out_y:
            e.vy = -e.vy
        if out_x or out_y:
            px, py = clamp(px, 0.0, 100.0), clamp(py, 0.0, 60.0)
            events.append(("bounce", e.id))
            for k in range(4):
                sparks.append([px, py, float(k) - 1.5, -2.0])
        e.x, e.y = px, py
    damage = [0] * len(world)
    for i in range(len(world)):
        for j in range(i + 1, len(world)):
            dx = world[i].x - world[j].x
            dy = world[i].y - world[j].y
            if dx * dx + dy * dy < 49.0:
                events.append(("hit", world[i].id, world[j].id))
                damage[i] += 1
                damage[j] += 1
    nxt = []
    for e, dmg in zip(world, damage):
        e.hp -= dmg
        if e.hp > 0:
            nxt.append(e)
        else:
            events.append(("died", e.id))
    world = nxt
    lit = 0
    for s in sparks:
        x, y, vx, vy = s
        for t in range(6):
            x, y, vy = x + vx, y + vy, vy + 0.5
        if 0.0 <= x <= 100.0 and 0.0 <= y <= 60.0:
            lit += 1
    totals["lit"] += lit
    for ev in events:
        totals[ev[0]] += 1
        if ev[0] == "hit":
            P("frame", frame, "hit", ev[1], ev[2])
        elif ev[0] == "died":
            P("frame", frame, "died", ev[1])
    if frame % 5 == 0:
        cx = 0.0
        cy = 0.0
        for e in world:
            cx = cx + e.x
            cy = cy + e.y
        n = float(len(world))
        P("frame", frame, "alive", len(world), "events", len(events), "sparks", len(sparks), "lit", lit)
        P("  centre", cx / n, cy / n)
for k, v in totals.items():
    P(k, v)
