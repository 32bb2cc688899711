/* work_queue.c: tasks that live for unpredictable times, in C with
 * malloc/free. Same output as bench/work_queue.hi for the same N.
 *
 * Four phases each feed N root tasks into a FIFO queue, one per step while
 * fewer than 1000 tasks are alive. A split task goes to the back of the
 * queue up to three times, splits its payload in two children, or turns
 * into a leaf that waits in a timer heap for a random due step, maybe more
 * than once. Done leaves add to per-root totals, a map that lives to the
 * end; a per-phase map counts each root's unfinished tasks and loses the
 * root's entry at 0. Tasks, payloads and map entries die in no LIFO order,
 * the hard case for regions; here each is freed the moment it is done.
 *
 * Build: cc -O2 -o work_queue work_queue.c -lm
 * Usage: work_queue [N]     (N root tasks per phase, default 8)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD 1000003

typedef struct Task {                   /* a split task turns into a leaf */
    struct Task *next;                  /* in the queue */
    long id, root;
    long depth, wait, size, *payload;   /* split */
    long due, tries, value;             /* leaf */
} Task;

static void *xrealloc(void *p, size_t n) {
    if (!(p = realloc(p, n))) { fputs("runtime error: out of memory\n", stderr); exit(101); }
    return p;
}
#define xmalloc(n) xrealloc(NULL, n)

static unsigned long rng = 42;
static long rnd(long n) {                 /* an LCG: a number in 0..n-1 */
    rng = (rng * 1103515245 + 12345) % 2147483648UL;
    return (long)(rng / 65536) % n;
}
static long waits(long odds) { return rnd(odds) == 0 ? 1 + rnd(3) : 0; }  /* pushbacks of a new task */

static Task *new_split(long id, long root, long depth, long wait, const long *from, long size) {
    Task *t = xmalloc(sizeof *t);
    *t = (Task){ .id = id, .root = root, .depth = depth, .wait = wait, .size = size,
                 .payload = memcpy(xmalloc(size * sizeof *from), from, size * sizeof *from) };
    return t;
}

/* hilang builds the payload as a list by consing: the first number drawn is last. */
static long digest(const long *p, long n) {
    long h = 7;
    for (long i = n - 1; i >= 0; i--) h = (h * 31 + p[i]) % MOD;
    return h;
}

/* The FIFO queue: an intrusive singly linked list of tasks. */
typedef struct { Task *head, *tail; size_t count; } Fifo;

static void fifo_push(Fifo *q, Task *t) {
    t->next = NULL;
    *(q->tail ? &q->tail->next : &q->head) = t;
    q->tail = t, q->count++;
}
static Task *fifo_pop(Fifo *q) {
    Task *t = q->head;
    if (!(q->head = t->next)) q->tail = NULL;
    q->count--;
    return t;
}

/* The timer heap: a binary min-heap of leaves ordered by (due, id). */
typedef struct { Task **a; size_t n, cap; } Heap;

static int before(const Task *x, const Task *y) {
    return x->due < y->due || (x->due == y->due && x->id < y->id);
}

static void heap_push(Heap *h, Task *t) {
    if (h->n == h->cap) h->a = xrealloc(h->a, (h->cap = h->cap ? 2 * h->cap : 64) * sizeof *h->a);
    size_t i = h->n++;
    for (; i > 0 && before(t, h->a[(i - 1) / 2]); i = (i - 1) / 2) h->a[i] = h->a[(i - 1) / 2];
    h->a[i] = t;
}
static Task *heap_pop(Heap *h) {
    Task *top = h->a[0], *last = h->a[--h->n];
    size_t i = 0, m;
    while ((m = 2 * i + 1) < h->n) {
        if (m + 1 < h->n && before(h->a[m + 1], h->a[m])) m++;
        if (!before(h->a[m], last)) break;
        h->a[i] = h->a[m], i = m;
    }
    h->a[i] = last;                     /* (a dead slot when the heap is empty) */
    return top;
}

/* A chained hash map from non-negative longs to longs, with at least as
 * many buckets as the keys it is made for. */
typedef struct Entry { long key, val; struct Entry *next; } Entry;
typedef struct { Entry **b; size_t mask, n; } Map;

static Map map_new(size_t keys) {
    size_t cap = 64;
    while (cap < keys) cap *= 2;
    Entry **b = memset(xmalloc(cap * sizeof *b), 0, cap * sizeof *b);
    return (Map){ b, cap - 1, 0 };
}
static Entry **slot(const Map *m, long k) {     /* where k is, or would go */
    Entry **p = &m->b[(size_t)(k * 2654435761UL) & m->mask];
    while (*p && (*p)->key != k) p = &(*p)->next;
    return p;
}
static void map_add(Map *m, long k, long by) {  /* m[k] = (m[k] + by) % MOD */
    Entry **p = slot(m, k);
    if (*p) { (*p)->val = ((*p)->val + by) % MOD; return; }
    *p = xmalloc(sizeof **p);
    **p = (Entry){ k, by, NULL };
    m->n++;
}
static void map_remove(Map *m, long k) {
    Entry **p = slot(m, k), *e = *p;
    if (e) *p = e->next, free(e), m->n--;
}
static void map_free(Map *m) {
    for (size_t i = 0; i <= m->mask; i++)
        for (Entry *e = m->b[i], *next; e; e = next) next = e->next, free(e);
    free(m->b);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 8;
    Map totals = map_new(4 * n);                 /* per root: sum of its leaves' values */
    long next_id = 0, next_root = 0, step = 0;
    for (long phase = 0; phase < 4; phase++) {
        long max_depth = 2 + phase, odds = 5 - phase;   /* 1 in odds tasks waits */
        Fifo queue = {0};
        Heap timers = {0};                       /* leaves waiting for their due step */
        Map pending = map_new(n);                /* per root: tasks not yet done */
        long seeded = 0, splits = 0, leaves = 0, waited = 0, done = 0, peak = 0, check = 0;
        while (seeded < n || queue.count > 0 || timers.n > 0) {
            step++;
            if (seeded < n && queue.count + timers.n < 1000) {
                long size = 4 + rnd(29), wait = waits(odds), payload[32];
                for (long i = size - 1; i >= 0; i--) payload[i] = rnd(10000);
                fifo_push(&queue, new_split(next_id++, next_root, max_depth, wait, payload, size));
                map_add(&pending, next_root++, 1);
                seeded++;
            }
            for (int k = 0; k < 2 && queue.count > 0; k++) {
                Task *t = fifo_pop(&queue);
                if (t->wait > 0) {
                    t->wait--;
                    fifo_push(&queue, t);
                    waited++;
                } else if (t->depth > 0 && t->size >= 2) {
                    long half = t->size / 2, rest = t->size - half, lw = waits(odds), rw = waits(odds);
                    fifo_push(&queue, new_split(next_id++, t->root, t->depth - 1, lw, t->payload, half));
                    fifo_push(&queue, new_split(next_id++, t->root, t->depth - 1, rw, t->payload + half, rest));
                    map_add(&pending, t->root, 1);
                    splits++;
                    free(t->payload), free(t);
                } else {
                    t->value = digest(t->payload, t->size);
                    free(t->payload);
                    t->due = step + 1 + rnd(64), t->tries = 0;
                    heap_push(&timers, t);
                    leaves++;
                }
            }
            while (timers.n > 0 && timers.a[0]->due <= step) {
                Task *t = heap_pop(&timers);
                if (t->tries < 3 && rnd(odds) == 0) {   /* postponed */
                    t->value = (t->value * 7 + t->tries) % MOD;
                    t->due = step + 1 + rnd(64), t->tries++;
                    heap_push(&timers, t);
                    waited++;
                    continue;
                }
                map_add(&totals, t->root, t->value);
                if (--(*slot(&pending, t->root))->val == 0) {
                    map_remove(&pending, t->root);
                    done++;
                    check = (check + (t->root % 1000) * (*slot(&totals, t->root))->val + step) % MOD;
                }
                free(t);
            }
            if (queue.count + timers.n > (size_t)peak) peak = (long)(queue.count + timers.n);
        }
        printf("phase %ld roots %ld splits %ld leaves %ld waits %ld peak %ld steps %ld check %ld\n",
               phase, done, splits, leaves, waited, peak, step, check);
        free(timers.a), map_free(&pending);
    }
    long sum = 0, weighted = 0;
    for (long r = 0; r < next_root; r++) {
        Entry *e = *slot(&totals, r);
        if (e) sum = (sum + e->val) % MOD, weighted = (weighted + (r % 997) * e->val) % MOD;
    }
    printf("totals %zu sum %ld weighted %ld tasks %ld\n", totals.n, sum, weighted, next_id);
    map_free(&totals);
    return 0;
}
