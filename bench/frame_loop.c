/* frame_loop.c: a fixed-step game loop with a long-lived world and a lot of
 * per-frame data, in C with a per-frame arena (the way a C game programmer
 * would write it). Same output as bench/frame_loop.hi for the same N.
 *
 * The world (300 entities by value: double position and velocity, long hp)
 * is one malloc'd array that lives for the whole run. Everything a frame
 * makes -- the moved entities, the event list, the grid of buckets (cell
 * offsets plus entity indices, by counting sort), the damage table and the
 * particles -- is bump-allocated in a scratch arena that is reset, not
 * freed piece by piece, when the frame ends. Particles fly in place.
 * Plain double arithmetic in the hilang program's order (x86-64 -O2 does
 * not contract a*b+c into an FMA).
 *
 * Build: cc -O2 -o frame_loop_c frame_loop.c -lm
 * Usage: frame_loop_c [frames]   (default 8; N is the number of frames)
 * Every K frames (K = ceil(N / 20)) it prints a checksum line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 160.0
#define HEIGHT 96.0
#define GRID_W 20 /* 8 x 8 cells */
#define GRID_H 12
#define ENTITIES 300

typedef struct { double x, y; } Vec;
typedef struct { long id; Vec pos, vel; long hp; } Entity;
typedef struct { Vec at, vel; } Particle;
typedef enum { BOUNCE, HIT, DIED } EventKind;
typedef struct { EventKind kind; long a, b; } Event;

/* The scratch arena: a chain of chunks, reset at the end of every frame. */
typedef struct Chunk { struct Chunk *next; size_t used, cap; char data[]; } Chunk;
typedef struct { Chunk *head; } Arena;

static void *arena_alloc(Arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->used + n > a->head->cap) {
        size_t cap = n > (1u << 18) ? n : (1u << 18);
        Chunk *c = malloc(sizeof(Chunk) + cap);
        if (!c) { fputs("out of memory\n", stderr); exit(101); }
        c->next = a->head; c->used = 0; c->cap = cap;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static void arena_reset(Arena *a) { /* keep the first chunk */
    Chunk *c = a->head;
    if (!c) return;
    while (c->next) { Chunk *n = c->next; c->next = n->next; free(n); }
    c->used = 0;
}

/* Growable arrays in the arena: growing copies into a bigger block. */
#define PUSH(arena, arr, len, cap, val) do {                                \
        if ((len) == (cap)) {                                               \
            size_t ncap_ = (cap) ? 2 * (cap) : 64;                          \
            void *n_ = arena_alloc((arena), ncap_ * sizeof *(arr));         \
            if (len) memcpy(n_, (arr), (len) * sizeof *(arr));             \
            (arr) = n_; (cap) = ncap_;                                      \
        }                                                                   \
        (arr)[(len)++] = (val);                                             \
    } while (0)

static long rng_state = 42; /* Park-Miller "minimal standard" generator */
static long rand_below(long n) {
    rng_state = rng_state * 16807 % 2147483647;
    return rng_state % n;
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : (v > hi ? hi : v); }
static int cell(double v, int cells) { long c = (long)(v / 8.0); return c >= cells ? cells - 1 : (int)c; }

static Entity spawn(long id) {
    Entity e = { .id = id };
    e.pos.x = (double)rand_below(16000) / 100.0;
    e.pos.y = (double)rand_below(9600) / 100.0;
    e.vel.x = (double)(rand_below(601) - 300) / 100.0;
    e.vel.y = (double)(rand_below(601) - 300) / 100.0;
    e.hp = 3 + rand_below(5);
    return e;
}

int main(int argc, char **argv) {
    long frames = argc > 1 ? atol(argv[1]) : 8;
    long every = (frames + 19) / 20;
    Entity *world = malloc(ENTITIES * sizeof *world);
    for (int i = 0; i < ENTITIES; i++) world[i] = spawn(i);
    long next_id = ENTITIES, bounces = 0, hits = 0, deaths = 0, lit = 0;
    Arena scratch = {0};

    for (long frame = 1; frame <= frames; frame++) {
        Event *events = NULL; size_t nev = 0, capev = 0;
        Entity *moved = arena_alloc(&scratch, ENTITIES * sizeof *moved);
        for (int i = 0; i < ENTITIES; i++) {      /* move; bounce off walls */
            Entity e = world[i];
            Vec p = { e.pos.x + e.vel.x, e.pos.y + e.vel.y };
            int out_x = p.x < 0.0 || p.x > WIDTH, out_y = p.y < 0.0 || p.y > HEIGHT;
            if (out_x || out_y) {
                PUSH(&scratch, events, nev, capev, ((Event){ BOUNCE, e.id, 0 }));
                if (out_x) e.vel.x = -e.vel.x;
                if (out_y) e.vel.y = -e.vel.y;
                p.x = clamp(p.x, 0.0, WIDTH);
                p.y = clamp(p.y, 0.0, HEIGHT);
            }
            e.pos = p;
            moved[i] = e;
        }

        /* The grid: bucket entity indices by cell (counting sort keeps them
         * in index order within a cell). */
        int *cell_of = arena_alloc(&scratch, ENTITIES * sizeof(int));
        int *start = arena_alloc(&scratch, (GRID_W * GRID_H + 1) * sizeof(int));
        int *items = arena_alloc(&scratch, ENTITIES * sizeof(int));
        memset(start, 0, (GRID_W * GRID_H + 1) * sizeof(int));
        for (int i = 0; i < ENTITIES; i++) {
            cell_of[i] = cell(moved[i].pos.y, GRID_H) * GRID_W + cell(moved[i].pos.x, GRID_W);
            start[cell_of[i] + 1]++;
        }
        for (int c = 0; c < GRID_W * GRID_H; c++) start[c + 1] += start[c];
        int *fill = arena_alloc(&scratch, GRID_W * GRID_H * sizeof(int));
        memcpy(fill, start, GRID_W * GRID_H * sizeof(int));
        for (int i = 0; i < ENTITIES; i++) items[fill[cell_of[i]]++] = i;

        /* Every pair closer than 2.0 is a hit; four particles per hit. */
        long *damage = arena_alloc(&scratch, ENTITIES * sizeof(long));
        memset(damage, 0, ENTITIES * sizeof(long));
        Particle *parts = NULL; size_t nparts = 0, capparts = 0;
        for (int i = 0; i < ENTITIES; i++) {
            Vec p = moved[i].pos;
            int cx = cell(p.x, GRID_W), cy = cell(p.y, GRID_H);
            for (int gy = cy > 0 ? cy - 1 : 0; gy < (cy + 2 < GRID_H ? cy + 2 : GRID_H); gy++)
                for (int gx = cx > 0 ? cx - 1 : 0; gx < (cx + 2 < GRID_W ? cx + 2 : GRID_W); gx++)
                    for (int k = start[gy * GRID_W + gx]; k < start[gy * GRID_W + gx + 1]; k++) {
                        int j = items[k];
                        if (j <= i) continue;
                        Vec q = moved[j].pos;
                        double dx = p.x - q.x, dy = p.y - q.y;
                        if (dx * dx + dy * dy < 4.0) {
                            PUSH(&scratch, events, nev, capev, ((Event){ HIT, moved[i].id, moved[j].id }));
                            damage[i]++;
                            damage[j]++;
                            Vec mid = { (p.x + q.x) * 0.5, (p.y + q.y) * 0.5 };
                            for (int s = 0; s < 4; s++)
                                PUSH(&scratch, parts, nparts, capparts,
                                     ((Particle){ mid, { (double)s - 1.5, -2.0 } }));
                        }
                    }
        }

        /* Let each particle fly six sub-steps under gravity. */
        for (size_t k = 0; k < nparts; k++) {
            Particle *pt = &parts[k];
            for (int t = 0; t < 6; t++) {
                pt->at.x = pt->at.x + pt->vel.x;
                pt->at.y = pt->at.y + pt->vel.y;
                pt->vel.y = pt->vel.y + 0.5;
            }
            if (pt->at.x >= 0.0 && pt->at.x <= WIDTH && pt->at.y >= 0.0 && pt->at.y <= HEIGHT) lit++;
        }

        /* The next world: damage taken, the dead replaced by newcomers. */
        for (int i = 0; i < ENTITIES; i++) {
            if (moved[i].hp > damage[i]) {
                world[i] = moved[i];
                world[i].hp -= damage[i];
            } else {
                PUSH(&scratch, events, nev, capev, ((Event){ DIED, moved[i].id, 0 }));
                world[i] = spawn(next_id++);
            }
        }

        for (size_t k = 0; k < nev; k++) {
            switch (events[k].kind) {
            case BOUNCE: bounces++; break;
            case HIT: hits++; break;
            case DIED: deaths++; break;
            }
        }
        if (frame % every == 0) {
            long hp = 0;
            double sum = 0.0;
            for (int i = 0; i < ENTITIES; i++) { hp += world[i].hp; sum = sum + world[i].pos.x + world[i].pos.y; }
            printf("frame %ld events %zu hp %ld pos %.9f\n", frame, nev, hp, sum);
        }
        arena_reset(&scratch);
    }
    printf("total bounces %ld hits %ld deaths %ld lit %ld\n", bounces, hits, deaths, lit);
    free(world);
    arena_reset(&scratch);
    free(scratch.head);
    return 0;
}
