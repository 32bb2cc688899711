# frame_loop.py: a fixed-step game loop with a long-lived world and a lot of
# per-frame garbage, in CPython (reference counting frees each frame's
# objects as the last reference goes). Same output as bench/frame_loop.hi.
#
# The world (300 entities: F64 position and velocity, an integer hp) and a
# few counters live for the whole run. Each frame builds new Entity and Vec
# objects for every entity that moves, a fresh grid of buckets to find the
# pairs that touch, a list of events, particles thrown from each hit (a new
# Particle per sub-step) and a new world with the dead replaced. All of that
# but the new world is garbage when the frame ends.
#
# Usage: python3 frame_loop.py [frames]   (default 8; N is the number of frames)
# Every K frames (K = ceil(N / 20)) it prints a checksum line.
import sys

WIDTH, HEIGHT = 160.0, 96.0
GRID_W, GRID_H = 20, 12          # 8 x 8 cells
ENTITIES = 300


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)


class Entity:
    __slots__ = ("id", "pos", "vel", "hp")

    def __init__(self, id, pos, vel, hp):
        self.id = id
        self.pos = pos
        self.vel = vel
        self.hp = hp


class Particle:
    __slots__ = ("at", "vel")

    def __init__(self, at, vel):
        self.at = at
        self.vel = vel


class Rng:
    """Park-Miller "minimal standard" generator."""

    def __init__(self, seed):
        self.state = seed

    def below(self, n):
        self.state = self.state * 16807 % 2147483647
        return self.state % n


def clamp(v, lo, hi):
    return lo if v < lo else (hi if v > hi else v)


def cell(v, cells):
    return min(int(v / 8.0), cells - 1)


def spawn(id, rng):
    x = float(rng.below(16000)) / 100.0
    y = float(rng.below(9600)) / 100.0
    vx = float(rng.below(601) - 300) / 100.0
    vy = float(rng.below(601) - 300) / 100.0
    return Entity(id, Vec(x, y), Vec(vx, vy), 3 + rng.below(5))


def step(e, events):
    """Move one entity; bouncing off a wall reverses its velocity."""
    p = e.pos + e.vel
    out_x = p.x < 0.0 or p.x > WIDTH
    out_y = p.y < 0.0 or p.y > HEIGHT
    if not out_x and not out_y:
        return Entity(e.id, p, e.vel, e.hp)
    events.append(("bounce", e.id))
    v = Vec(-e.vel.x if out_x else e.vel.x, -e.vel.y if out_y else e.vel.y)
    q = Vec(clamp(p.x, 0.0, WIDTH), clamp(p.y, 0.0, HEIGHT))
    return Entity(e.id, q, v, e.hp)


def collide(world, grid, damage, events, parts):
    """Every pair closer than 2.0 is a hit; search the 3 x 3 cells around."""
    for i, e in enumerate(world):
        p = e.pos
        cx = cell(p.x, GRID_W)
        cy = cell(p.y, GRID_H)
        for gy in range(max(cy - 1, 0), min(cy + 2, GRID_H)):
            for gx in range(max(cx - 1, 0), min(cx + 2, GRID_W)):
                for j in grid[gy * GRID_W + gx]:
                    if j > i:
                        q = world[j].pos
                        dx = p.x - q.x
                        dy = p.y - q.y
                        if dx * dx + dy * dy < 4.0:
                            events.append(("hit", e.id, world[j].id))
                            damage[i] += 1
                            damage[j] += 1
                            mid = Vec((p.x + q.x) * 0.5, (p.y + q.y) * 0.5)
                            for k in range(4):
                                parts.append(Particle(mid, Vec(float(k) - 1.5, -2.0)))


def burn(parts):
    """Let each particle fly six sub-steps under gravity; count those inside."""
    inside = 0
    for p in parts:
        for _ in range(6):
            p = Particle(p.at + p.vel, Vec(p.vel.x, p.vel.y + 0.5))
        if 0.0 <= p.at.x <= WIDTH and 0.0 <= p.at.y <= HEIGHT:
            inside += 1
    return inside


def main():
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    every = (frames + 19) // 20
    rng = Rng(42)
    world = [spawn(i, rng) for i in range(ENTITIES)]
    next_id = ENTITIES
    counts = {"bounce": 0, "hit": 0, "died": 0}
    lit = 0

    for frame in range(1, frames + 1):
        events = []
        moved = [step(e, events) for e in world]
        grid = [[] for _ in range(GRID_W * GRID_H)]
        for i, e in enumerate(moved):
            grid[cell(e.pos.y, GRID_H) * GRID_W + cell(e.pos.x, GRID_W)].append(i)
        damage = [0] * len(moved)
        parts = []
        collide(moved, grid, damage, events, parts)
        lit += burn(parts)

        world = []
        for e, d in zip(moved, damage):
            if e.hp > d:
                world.append(Entity(e.id, e.pos, e.vel, e.hp - d))
            else:
                events.append(("died", e.id))
                world.append(spawn(next_id, rng))
                next_id += 1

        for ev in events:
            counts[ev[0]] += 1
        if frame % every == 0:
            hp = 0
            total = 0.0
            for e in world:
                hp += e.hp
                total = total + e.pos.x + e.pos.y
            print("frame %d events %d hp %d pos %.9f" % (frame, len(events), hp, total))
    print("total bounces %d hits %d deaths %d lit %d"
          % (counts["bounce"], counts["hit"], counts["died"], lit))


if __name__ == "__main__":
    main()
