"""The C region runtime (runtime/), exercised the way generated code uses it.

A C driver (DRIVER below) is compiled against the runtime and runs one
scenario per process under `hic_start`; the tests check its stdout, its
stderr's line, its exit status and the HIC_STATS JSON it leaves. What needs
no process (arithmetic) goes through ctypes; what a JIT host does (several
programs in one process, leaving a runtime error or a stack overflow by
status, not by exit) runs as llvmlite-compiled code in a subprocess.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime import build

STAT_KEYS = [
    "engine",
    "stage",
    "allocs",
    "regions_created",
    "regions_freed",
    "regions_peak",
    "regions_leaked",
    "retains",
    "releases",
    "bytes_allocated",
    "bytes_peak",
]

DRIVER = r"""/* The runtime's test driver: `driver SCENARIO [ARGS...]` runs one scenario
 * as a program under hic_start, the way generated code does. CHECK failures
 * exit 99 with the line. Output goes through the runtime's buffer (say()
 * flushes it first, so the two never interleave out of order). */
#define _GNU_SOURCE
#include "hic_runtime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            hic_flush();                                                           \
            dprintf(2, "CHECK failed at driver.c:%d: %s\n", __LINE__, #c);         \
            _exit(99);                                                             \
        }                                                                          \
    } while (0)

static void say(const char *fmt, ...)
{
    va_list ap;
    hic_flush();
    va_start(ap, fmt);
    vdprintf(1, fmt, ap);
    va_end(ap);
}

static int g_argc;
static char **g_argv;
static int small;  /* under valgrind ("everything"): fewer iterations */

static const char *arg(int i)
{
    return i < g_argc ? g_argv[i] : "";
}

static uint64_t slot(uint64_t id) { return id & HIC_SLOT_MASK; }
static uint64_t gen(uint64_t id) { return id >> 32; }

static uint64_t lcg_state = 12345;
static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lcg_state >> 33;
}

static struct hic_string *str(struct hic_region *r, const char *s)
{
    return hic_string_new(r, (const uint8_t *)s, (int64_t)strlen(s));
}

/* ---------------------------------------------------------------------- */

static void regions(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new();
    CHECK(slot(a) == 1 && gen(a) == 0);
    struct hic_region *r = hic_region_of(a);
    CHECK(r == hic_region_lookup(a));
    int64_t *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        int64_t *p = hic_alloc(r, 24);
        CHECK(((uintptr_t)p & 7) == 0);
        p[0] = i, p[1] = -i, p[2] = 7;
        CHECK(!prev || prev[0] == i - 1);
        prev = p;
    }
    CHECK(hic_region_bytes(a) == 24000);
    CHECK(hic_region_chunk_count(a) <= 12);       /* chunks double */
    char *odd = hic_alloc(r, 13);
    char *big = hic_alloc(r, 200000);              /* a chunk of its own */
    char *after = hic_alloc(r, 8);
    CHECK(((uintptr_t)odd & 7) == 0 && ((uintptr_t)after & 7) == 0);
    CHECK(after == odd + 16 || after > big + 200000 || after < big); /* bumping went on */
    memset(big, 1, 200000);
    CHECK(hic_region_bytes(a) == 24000 + 13 + 200000 + 8);
    CHECK(hic_region_refs(a) == 1);
    hic_release(a);
    CHECK(!hic_region_is_live(a));

    /* Chunks are recycled: 200 regions of 24 KB take no new memory. */
    uint64_t mapped = hic_pool_mapped_bytes();
    for (int round = 0; round < (small ? 5 : 200); round++) {
        uint64_t id = hic_region_new();
        struct hic_region *q = hic_region_of(id);
        for (int i = 0; i < 1000; i++)
            *(int64_t *)hic_alloc(q, 24) = i;
        hic_release(id);
    }
    CHECK(hic_pool_mapped_bytes() == mapped);

    /* Slots are reused last-freed first, each under a new generation. */
    uint64_t b = hic_region_new(), c = hic_region_new();
    hic_release(b);
    hic_release(c);
    uint64_t d = hic_region_new(), e = hic_region_new();
    CHECK(slot(d) == slot(c) && gen(d) == gen(c) + 1);
    CHECK(slot(e) == slot(b) && gen(e) == gen(b) + 1);
    CHECK(!hic_region_is_live(c) && hic_region_is_live(d));
    hic_retain(d);
    hic_retain(d);
    CHECK(hic_region_refs(d) == 3);
    hic_release(d);
    hic_release(d);
    hic_release(d);
    hic_release(e);
    say("regions ok\n");
}

static void stale(struct hic_pack *args)
{
    (void)args;
    const char *how = arg(1);
    uint64_t a = hic_region_new();
    hic_release(a);
    if (!strcmp(how, "reused"))
        hic_region_new();  /* the slot lives again under a new generation */
    if (!strcmp(how, "retain") || !strcmp(how, "reused"))
        hic_retain(a);
    else if (!strcmp(how, "release"))
        hic_release(a);
    else if (!strcmp(how, "hold"))
        hic_region_hold(hic_region_new(), a);
    else if (!strcmp(how, "lookup"))
        hic_region_lookup(a);
    else if (!strcmp(how, "alloc"))
        hic_alloc_in(a, 8);
    else if (!strcmp(how, "never"))
        hic_retain((uint64_t)3 << 32 | 77);
    say("not reached\n");
}

/* A list with one region per cell: each cell's region holds the next. */
static void chain(struct hic_pack *args)
{
    (void)args;
    long n = atol(arg(1));
    uint64_t head = hic_region_new();
    uint64_t cell = head;
    for (long i = 0; i < n; i++) {
        uint64_t next = hic_region_new();
        *(uint64_t *)hic_alloc(hic_region_of(next), 16) = (uint64_t)i;
        hic_retain(next);              /* pack it ... */
        hic_region_hold(cell, next);   /* ... store it into the cell ... */
        hic_release(next);             /* ... and end its block */
        cell = next;
    }
    CHECK(hic_region_refs(cell) == 1 && hic_region_is_live(cell));
    hic_release(head);
    CHECK(!hic_region_is_live(cell));
    say("chain ok\n");
}

static void holds(struct hic_pack *args)
{
    (void)args;
    uint64_t outer = hic_region_new(), inner = hic_region_new(), x = hic_region_new();
    hic_retain(inner);
    hic_region_hold(outer, inner);
    hic_retain(inner);
    hic_region_hold(outer, inner);             /* a multiset */
    CHECK(hic_region_held(outer, inner) == 2);
    hic_release(inner);                        /* its block ends; two packs keep it */
    CHECK(hic_region_refs(inner) == 2);
    hic_region_unhold(outer, inner);           /* pop: the pack is ours now */
    CHECK(hic_region_held(outer, inner) == 1);
    hic_release(inner);                        /* ... and we drop it */
    hic_retain(x);
    hic_region_replace(outer, x, inner);       /* overwrite the last pack of inner */
    CHECK(!hic_region_is_live(inner));
    CHECK(hic_region_held(outer, x) == 1 && hic_region_held(outer, inner) == 0);
    hic_release(x);
    CHECK(hic_region_refs(x) == 1);
    /* Packs of P are not counted anywhere. */
    hic_retain(HIC_PRIMITIVE);
    hic_region_hold(outer, HIC_PRIMITIVE);
    hic_region_replace(outer, HIC_PRIMITIVE, HIC_PRIMITIVE);
    hic_release(HIC_PRIMITIVE);
    hic_release(outer);
    CHECK(!hic_region_is_live(x));

    /* The multiset against a model, through growth and backward-shift
     * deletion: 2000 held regions, random holds and unholds. */
    enum { N = 2000 };
    static uint64_t ids[N];
    static uint64_t model[N];
    uint64_t owner = hic_region_new();
    for (int i = 0; i < N; i++)
        ids[i] = hic_region_new();
    for (int step = 0; step < (small ? 6000 : 60000); step++) {
        int i = (int)(lcg() % N);
        if (lcg() % 3 && model[i]) {
            hic_region_unhold(owner, ids[i]);
            hic_release(ids[i]);
            model[i]--;
        } else {
            hic_retain(ids[i]);
            hic_region_hold(owner, ids[i]);
            model[i]++;
        }
        if (step % 997 == 0)
            for (int j = 0; j < N; j++)
                CHECK(hic_region_held(owner, ids[j]) == model[j]);
    }
    for (int j = 0; j < N; j++)
        CHECK(hic_region_held(owner, ids[j]) == model[j]);
    for (int i = 0; i < N; i++)
        hic_release(ids[i]);          /* blocks end; held ones live on */
    for (int i = 0; i < N; i++)
        CHECK(hic_region_is_live(ids[i]) == (model[i] > 0));
    hic_release(owner);
    for (int i = 0; i < N; i++)
        CHECK(!hic_region_is_live(ids[i]));
    say("holds ok\n");
}

static void unhold_missing(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new();
    hic_region_unhold(a, b);
}

static void merge(struct hic_pack *args)
{
    (void)args;
    uint64_t parent = hic_region_new(), child = hic_region_new(), other = hic_region_new();
    int64_t *obj = hic_alloc(hic_region_of(child), 40);
    for (int i = 0; i < 5; i++)
        obj[i] = 100 + i;
    hic_retain(other);
    hic_region_hold(child, other);
    hic_region_merge(child, parent);
    /* The child lives on, owning nothing, holding one reference on the
     * parent; its objects, bytes and packs are the parent's. */
    CHECK(hic_region_is_live(child) && hic_region_refs(child) == 1);
    CHECK(hic_region_refs(parent) == 2 && hic_region_held(child, parent) == 1);
    CHECK(hic_region_bytes(parent) == 40 && hic_region_bytes(child) == 0);
    CHECK(hic_region_held(parent, other) == 1 && hic_region_held(child, other) == 0);
    CHECK(obj[4] == 104);
    CHECK(hic_region_chunk_count(child) == 0 && hic_region_chunk_count(parent) == 1);
    /* What is allocated in or stored into the child now goes to the parent. */
    *(int64_t *)hic_alloc(hic_region_of(child), 8) = 1;
    CHECK(hic_region_bytes(parent) == 48 && hic_region_bytes(child) == 0);
    hic_retain(other);
    hic_region_hold(child, other);
    CHECK(hic_region_held(parent, other) == 2);
    hic_region_unhold(child, other);
    hic_release(other);
    /* A pack of the child keeps it, and so the parent, alive. */
    hic_retain(child);
    hic_release(child);                       /* the child's block ends */
    CHECK(hic_region_is_live(child) && hic_region_refs(parent) == 2);
    hic_release(child);                       /* the pack is dropped: the child is freed */
    CHECK(!hic_region_is_live(child) && hic_region_refs(parent) == 1);
    CHECK(obj[0] == 100);                     /* its objects were the parent's */

    /* Merging where the owner holds more than the child: the smaller
     * table goes into the larger. */
    uint64_t p2 = hic_region_new(), c2 = hic_region_new();
    uint64_t held[10];
    for (int i = 0; i < 10; i++) {
        held[i] = hic_region_new();
        hic_retain(held[i]);
        hic_region_hold(i < 7 ? c2 : p2, held[i]);
        hic_release(held[i]);
    }
    hic_retain(held[0]);
    hic_region_hold(p2, held[0]);
    hic_alloc(hic_region_of(p2), 100000);
    hic_alloc(hic_region_of(c2), 24);
    hic_region_merge(c2, p2);
    CHECK(hic_region_held(p2, held[0]) == 2 && hic_region_held(p2, held[9]) == 1);
    CHECK(hic_region_chunk_count(p2) == 2);
    hic_release(c2);
    hic_release(p2);
    for (int i = 0; i < 10; i++)
        CHECK(!hic_region_is_live(held[i]));

    /* A chain: a into b, then b into c. a's allocations reach c. */
    uint64_t a = hic_region_new(), b = hic_region_new(), c = hic_region_new();
    hic_region_merge(a, b);
    hic_region_merge(b, c);
    hic_alloc(hic_region_of(a), 16);
    CHECK(hic_region_bytes(c) == 16);
    hic_release(c);                           /* b and a keep c alive */
    CHECK(hic_region_is_live(c));
    hic_release(b);
    CHECK(hic_region_is_live(b) && hic_region_is_live(c));  /* a keeps b */
    hic_release(a);
    CHECK(!hic_region_is_live(a) && !hic_region_is_live(b) && !hic_region_is_live(c));

    hic_release(other);
    CHECK(hic_region_is_live(other));
    hic_release(parent);
    CHECK(!hic_region_is_live(other));
    say("merge ok\n");
}

static void merge_error(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new(), c = hic_region_new();
    hic_region_merge(a, b);
    if (!strcmp(arg(1), "twice"))
        hic_region_merge(a, c);
    else if (!strcmp(arg(1), "cycle"))
        hic_region_merge(b, a);  /* b would own itself */
    else if (!strcmp(arg(1), "primitive"))
        hic_region_merge(c, HIC_PRIMITIVE);
}

/* ---------------------------------------------------------------------- */

static void strings(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_string *hello = str(r, "hello, ");
    struct hic_string *world = str(r, "world");
    struct hic_string *empty = str(r, "");
    struct hic_string *both = hic_string_concat(r, hello, world);
    hic_print_string(both);
    hic_print_newline();
    CHECK(hic_string_eq(hic_string_concat(r, empty, empty), empty));
    CHECK(hic_string_eq(both, hic_string_concat(r, both, empty)));
    CHECK(!hic_string_eq(hello, world));
    CHECK(!hic_string_eq(str(r, "ab"), str(r, "abc")));
    CHECK(hic_string_at(world, 0, 1, 1) == 'w' && hic_string_at(world, 4, 1, 1) == 'd');
    int64_t values[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN, 1000000007, -90210};
    for (unsigned i = 0; i < sizeof values / sizeof *values; i++) {
        struct hic_string *s = hic_string_from_s64(r, values[i]);
        hic_print_string(s);
        hic_print_space();
        CHECK(hic_string_to_s64(s, 1, 1) == values[i]);
    }
    hic_print_newline();
    CHECK(hic_string_to_s64(str(r, "007"), 1, 1) == 7);
    CHECK(hic_string_to_s64(str(r, "-0"), 1, 1) == 0);
    /* A string holding NUL bytes is as long as it says. */
    struct hic_string *nul = hic_string_new(r, (const uint8_t *)"a\0b", 3);
    CHECK(nul->len == 3 && hic_string_at(nul, 1, 1, 1) == 0);
    hic_release(id);
    say("strings ok\n");
}

/* int(argv[1]) at 7:3, printed. */
static void int_of(struct hic_pack *args)
{
    struct hic_array *a = args->ptr;
    struct hic_pack *first = hic_array_at(a, 0, 16, 1, 1);
    hic_print_s64(hic_string_to_s64(first->ptr, 7, 3));
    hic_print_newline();
}

static void string_index(struct hic_pack *args)
{
    (void)args;
    struct hic_string *s = str(hic_region_of(hic_region_new()), "abc");
    hic_print_u8(hic_string_at(s, atol(arg(1)), 9, 14));
}

/* main(args): print them, then drop the pack, as main's end does. */
static void args_scenario(struct hic_pack *args)
{
    struct hic_array *a = args->ptr;
    hic_print_s64(a->len);
    for (int64_t i = 0; i < a->len; i++) {
        struct hic_pack *p = hic_array_at(a, i, 16, 0, 0);
        CHECK(hic_region_held(args->region, p->region) == 1);
        hic_print_space();
        hic_print_string(p->ptr);
    }
    hic_print_newline();
    hic_release(args->region);
}

static void args_plain(struct hic_pack *args)
{
    struct hic_array *a = args->ptr;
    for (int64_t i = 0; i < a->len; i++) {
        hic_print_string(*(struct hic_string **)hic_array_at(a, i, 8, 0, 0));
        hic_print_newline();
    }
    hic_release(args->region);
}

/* ---------------------------------------------------------------------- */

static void print_values(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_print_s64(INT64_MIN);
    hic_print_space();
    hic_print_s64(INT64_MAX);
    hic_print_space();
    hic_print_s64(0);
    hic_print_space();
    hic_print_u8(255);
    hic_print_space();
    hic_print_u8(0);
    hic_print_space();
    hic_print_bool(1);
    hic_print_space();
    hic_print_bool(0);
    hic_print_space();
    hic_print_unit();
    hic_print_space();
    hic_print_string(str(hic_region_of(id), "tab\tnew\nline"));
    hic_print_newline();
    hic_print_newline();  /* print() */
    hic_release(id);
}

/* Each argument is the bit pattern of an F64, in hex; print each on a line. */
static void print_floats(struct hic_pack *args)
{
    (void)args;
    for (int i = 1; i < g_argc; i++) {
        uint64_t bits = strtoull(g_argv[i], NULL, 16);
        double x;
        memcpy(&x, &bits, 8);
        hic_print_f64(x);
        hic_print_newline();
    }
}

/* More output than the buffer holds: it must all come out, in order. */
static void print_lots(struct hic_pack *args)
{
    (void)args;
    for (int64_t i = 0; i < 100000; i++) {
        hic_print_s64(i);
        hic_print_newline();
    }
}

/* ---------------------------------------------------------------------- */

static void arrays(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_array *a = hic_array_new(r, 8, 0);
    CHECK(a->len == 0 && a->cap == 0 && a->data == NULL);
    CHECK(hic_region_bytes(id) == 24);
    int64_t expect_bytes = 24;
    for (int64_t i = 0; i < 1000; i++) {
        int64_t cap = a->cap;
        *(int64_t *)hic_array_push(r, a, 8) = i * i;
        if (a->cap != cap) {
            CHECK(a->cap == (cap ? cap * 2 : 4));
            expect_bytes += a->cap * 8;
        }
    }
    CHECK(a->len == 1000 && a->cap == 1024);
    CHECK((int64_t)hic_region_bytes(id) == expect_bytes);
    for (int64_t i = 0; i < 1000; i++)
        CHECK(*(int64_t *)hic_array_at(a, i, 8, 1, 1) == i * i);
    *(int64_t *)hic_array_at(a, 10, 8, 1, 1) = -5;
    CHECK(*(int64_t *)hic_array_at(a, 10, 8, 1, 1) == -5);
    CHECK(*(int64_t *)hic_array_pop(a, 8, 1, 1) == 999 * 999);
    CHECK(a->len == 999);

    /* Pack elements: 16 bytes. */
    struct hic_array *packs = hic_array_new(r, 16, 2);
    CHECK(packs->cap == 2);
    for (int i = 0; i < 5; i++) {
        struct hic_pack *p = hic_array_push(r, packs, 16);
        p->ptr = a;
        p->region = (uint64_t)i;
    }
    CHECK(((struct hic_pack *)hic_array_at(packs, 4, 16, 1, 1))->region == 4);
    CHECK(((struct hic_pack *)hic_array_pop(packs, 16, 1, 1))->region == 4);

    /* array(n, x) */
    int64_t seven = 7;
    struct hic_array *f = hic_array_filled(r, 8, 5, &seven, 1, 1);
    CHECK(f->len == 5 && f->cap == 5 && *(int64_t *)hic_array_at(f, 4, 8, 1, 1) == 7);
    struct hic_array *none = hic_array_filled(r, 16, 0, &seven, 1, 1);
    CHECK(none->len == 0 && none->data == NULL);

    /* array(3, pack): three copies, each retained and recorded. */
    uint64_t elem = hic_region_new();
    struct hic_pack pk = {.ptr = NULL, .region = elem};
    struct hic_array *aliases = hic_array_filled(r, 16, 3, &pk, 1, 1);
    hic_array_retain_packs(id, aliases);
    hic_release(elem);
    CHECK(hic_region_refs(elem) == 3 && hic_region_held(id, elem) == 3);
    hic_release(id);
    CHECK(!hic_region_is_live(elem));
    say("arrays ok\n");
}

static void array_error(struct hic_pack *args)
{
    (void)args;
    struct hic_region *r = hic_region_of(hic_region_new());
    const char *how = arg(1);
    struct hic_array *a = hic_array_new(r, 8, 0);
    for (int i = 0; i < 3; i++)
        *(int64_t *)hic_array_push(r, a, 8) = i;
    hic_print_s64(a->len);  /* printed before the error: must come out */
    hic_print_newline();
    if (!strcmp(how, "index"))
        hic_array_at(a, atol(arg(2)), 8, 12, 5);
    else if (!strcmp(how, "pop")) {
        for (int i = 0; i < 4; i++)
            hic_array_pop(a, 8, 4, 2);
    } else if (!strcmp(how, "negative"))
        hic_array_filled(r, 8, atol(arg(2)), a, 1, 1);
    else if (!strcmp(how, "divide"))
        hic_div_s64(1, 0, 2, 9);
    else if (!strcmp(how, "nowhere"))
        hic_panic(HIC_ERR_INDEX_OUT_OF_RANGE, 0, 0, 3, 3);
    else if (!strcmp(how, "trunc"))
        hic_trunc_f64(strtod(arg(2), NULL), 5, 6);
    else if (!strcmp(how, "key"))
        hic_panic(HIC_ERR_KEY_NOT_FOUND, 7, 8, 0, 0);
    say("not reached\n");
}

/* ---------------------------------------------------------------------- */

/* Map operations from stdin, one a line, against keys of one kind:
 *   i K V   insert; prints "new" or "old"
 *   g K     get; prints the value or "none"
 *   r K     remove; prints the removed value or "absent"
 *   k       keys, space-separated
 *   l       len */
static void map_ops(struct hic_pack *args)
{
    (void)args;
    int strings = strcmp(arg(1), "s64") != 0;
    int packs = !strcmp(arg(1), "str");  /* "ref": String keys as 8-byte references */
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    uint64_t keys_region = hic_region_new();
    struct hic_map *m = hic_map_new(r, packs ? 16 : 8, 8);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        char op;
        char key[200];
        long long value = 0;
        int n = sscanf(line, "%c %199s %lld", &op, key, &value);
        if (n < 1)
            continue;
        struct hic_string *k = strings && n >= 2 ? str(hic_region_of(keys_region), key) : NULL;
        int64_t ik = n >= 2 ? atoll(key) : 0;
        if (op == 'i') {
            int32_t is_new = -1;
            int64_t *slot = strings ? hic_map_insert_str(r, m, k, keys_region, &is_new)
                                    : hic_map_insert_s64(r, m, ik, &is_new);
            *slot = value;
            say(is_new ? "new\n" : "old\n");
        } else if (op == 'g') {
            int64_t *v = strings ? hic_map_get_str(m, k) : hic_map_get_s64(m, ik);
            int32_t has = strings ? hic_map_contains_str(m, k) : hic_map_contains_s64(m, ik);
            CHECK((v != NULL) == has);
            if (v)
                say("%lld\n", (long long)*v);
            else
                say("none\n");
        } else if (op == 'r') {
            char *e = strings ? hic_map_remove_str(m, k) : hic_map_remove_s64(m, ik);
            if (e) {
                if (packs)
                    CHECK(((struct hic_pack *)e)->region == keys_region);
                say("%lld\n", (long long)*(int64_t *)(e + m->key_size));
            } else {
                say("absent\n");
            }
        } else if (op == 'k') {
            struct hic_array *ks = hic_map_keys(r, m);
            CHECK(ks->len == m->len);
            for (int64_t i = 0; i < ks->len; i++) {
                if (i)
                    hic_print_space();
                if (packs)
                    hic_print_string(((struct hic_pack *)hic_array_at(ks, i, 16, 0, 0))->ptr);
                else if (strings)
                    hic_print_string(*(struct hic_string **)hic_array_at(ks, i, 8, 0, 0));
                else
                    hic_print_s64(*(int64_t *)hic_array_at(ks, i, 8, 0, 0));
            }
            hic_print_newline();
        } else if (op == 'l') {
            say("%lld\n", (long long)m->len);
        }
    }
    hic_release(keys_region);
    hic_release(id);
}

/* A map with pack values (16 bytes) and a big one, checked in C. */
static void maps(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_map *m = hic_map_new(r, 8, 16);
    int64_t n = small ? 5000 : 100000;
    for (int64_t k = 0; k < n; k++) {
        struct hic_pack *v = hic_map_insert_s64(r, m, k * 7919, NULL);
        v->ptr = m;
        v->region = (uint64_t)k;
    }
    CHECK(m->len == n);
    for (int64_t k = 0; k < n; k += 2)
        CHECK(hic_map_remove_s64(m, k * 7919) != NULL);
    CHECK(hic_map_remove_s64(m, 0) == NULL && hic_map_get_s64(m, 0) == NULL);
    for (int64_t k = 1; k < n; k += 2)
        CHECK(((struct hic_pack *)hic_map_get_s64(m, k * 7919))->region == (uint64_t)k);
    struct hic_array *ks = hic_map_keys(r, m);
    CHECK(ks->len == n / 2 && *(int64_t *)hic_array_at(ks, 0, 8, 0, 0) == 7919);
    /* Churn: remove and re-insert one key many times; the map compacts in
     * place instead of growing. */
    int64_t cap = m->cap;
    for (int i = 0; i < (small ? 20000 : 500000); i++) {
        hic_map_remove_s64(m, 7919);
        hic_map_insert_s64(r, m, 7919, NULL);
    }
    CHECK(m->cap == cap && m->len == n / 2);
    hic_release(id);
    say("maps ok\n");
}

/* ---------------------------------------------------------------------- */

static volatile int64_t sink;
static uintptr_t deepest;

static __attribute__((noinline)) int64_t recurse(int64_t n)
{
    volatile char frame[64];
    frame[0] = (char)n;
    if (n == 0) {
        deepest = (uintptr_t)frame;
        return frame[0];
    }
    int64_t below = recurse(n - 1);  /* not a tail call */
    return below + frame[0];
}

/* Recurse argv[1] deep; print how much stack that took, to show the
 * compiler did not turn the recursion into a loop. */
static void deep(struct hic_pack *args)
{
    (void)args;
    volatile char top;
    sink = recurse(atol(arg(1)));
    say("deep ok %lu\n", (unsigned long)((uintptr_t)&top - deepest));
}

static __attribute__((noinline)) int64_t forever(int64_t n)
{
    volatile char frame[200];
    frame[0] = (char)n;
    if (frame[0] == 127 && n < 0)  /* never true, but the compiler cannot know */
        return 0;
    return forever(n + 1) + frame[0];
}

static void overflow(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_alloc(hic_region_of(id), 32);
    hic_print_s64(42);  /* buffered when the overflow hits: must still appear */
    hic_print_newline();
    sink = forever(0);
}

static void out_of_memory(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_print_s64(1);
    hic_print_newline();
    for (;;)
        memset(hic_alloc(hic_region_of(id), 1 << 20), 1, 1 << 20);
}

static void leak(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new();
    hic_retain(b);
    hic_region_hold(a, b);
    hic_retain(a);
    hic_region_hold(b, a);  /* a cycle */
    hic_release(a);
    hic_release(b);
    hic_alloc(hic_region_of(a), 8);
}

/* Reading an object of a freed region: valgrind must see it. */
static void use_after_free(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    int64_t *p = hic_alloc(hic_region_of(id), 8);
    *p = 1;
    hic_release(id);
    sink = *p;
}

/* ---------------------------------------------------------------------- */

static void everything(struct hic_pack *args)
{
    small = 1;
    regions(args);
    chain(args);  /* argv[1] is "", so 0 cells */
    holds(args);
    merge(args);
    strings(args);
    print_values(args);
    arrays(args);
    maps(args);
}

static void just_panic(struct hic_pack *args)
{
    (void)args;
    hic_region_new();
    hic_panic(HIC_ERR_DIVISION_BY_ZERO, 1, 2, 0, 0);
}

static void just_count(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_alloc(hic_region_of(id), 8);
    hic_release(id);
}

/* Two programs in one process, as a JIT host runs them: the first one's
 * runtime error returns 101 instead of ending the process, and the second
 * starts from fresh counters. */
static int twice(void)
{
    int first = hic_start(0, NULL, just_panic, "first", 0);
    int second = hic_start(0, NULL, just_count, "second", 0);
    char json[1024];
    hic_stats_json(json, sizeof json);
    dprintf(1, "%d %d %s", first, second, json);
    return 0;
}

static const struct {
    const char *name;
    hic_main_fn fn;
    int32_t flags;
} scenarios[] = {
    {"regions", regions, 0},
    {"stale", stale, 0},
    {"chain", chain, 0},
    {"holds", holds, 0},
    {"unhold_missing", unhold_missing, 0},
    {"merge", merge, 0},
    {"merge_error", merge_error, 0},
    {"strings", strings, 0},
    {"int_of", int_of, HIC_START_ARGS},
    {"string_index", string_index, 0},
    {"args", args_scenario, HIC_START_ARGS},
    {"args_plain", args_plain, HIC_START_ARGS_PLAIN},
    {"print_values", print_values, 0},
    {"print_floats", print_floats, 0},
    {"print_lots", print_lots, 0},
    {"arrays", arrays, 0},
    {"array_error", array_error, 0},
    {"map_ops", map_ops, 0},
    {"maps", maps, 0},
    {"deep", deep, 0},
    {"overflow", overflow, 0},
    {"out_of_memory", out_of_memory, 0},
    {"leak", leak, 0},
    {"use_after_free", use_after_free, 0},
    {"everything", everything, 0},
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    g_argc = argc - 1;
    g_argv = argv + 1;
    if (!strcmp(argv[1], "twice"))
        return twice();
    for (unsigned i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
        if (!strcmp(argv[1], scenarios[i].name))
            return hic_start(argc - 1, argv + 1, scenarios[i].fn, argv[1],
                             scenarios[i].flags);
    return 2;
}
"""


# ---------------------------------------------------------------------------
# Building


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    """A private cache for the session, so the tests neither depend on nor
    touch the user's ~/.cache/hic."""
    path = tmp_path_factory.mktemp("hic-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIC_CACHE_DIR", str(path))
        build.shared_library()
    return path


@pytest.fixture(scope="session")
def driver(cache, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("driver")
    source = work / "driver.c"
    source.write_text(DRIVER)
    exe = work / "driver"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIC_CACHE_DIR", str(cache))
        command = [
            *build.compiler(),
            "-std=gnu11",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-I",
            str(build.header_dir()),
            str(source),
            *build.link_args(),
            "-o",
            str(exe),
        ]
    subprocess.run(command, check=True)
    return exe


@dataclass
class Run:
    status: int
    out: str
    err: str
    stats: dict | None


def run(driver: Path, *args: str, stdin: str = "", env: dict | None = None, tmp: Path,
        wrap: tuple[str, ...] = (), limit_memory: int | None = None) -> Run:
    """Run one driver scenario; collect what it printed and its stats."""
    stats = tmp / "stats.json"
    stats.unlink(missing_ok=True)
    full_env = {**os.environ, "HIC_STATS": str(stats), **(env or {})}

    def limits() -> None:
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    result = subprocess.run(
        [*wrap, str(driver), *args],
        input=stdin.encode(),
        capture_output=True,
        env=full_env,
        timeout=120,
        preexec_fn=limits,
    )
    return Run(
        result.returncode,
        result.stdout.decode(),
        result.stderr.decode(),
        json.loads(stats.read_text()) if stats.exists() else None,
    )


def counts(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if k not in ("engine", "stage")}


def test_sources_compile_without_warnings():
    subprocess.run(
        [*build.compiler(), *build.CFLAGS, "-Werror", "-fsyntax-only", *map(str, build.sources())],
        check=True,
    )


def test_build_is_cached_and_keyed_by_content(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("HIC_CACHE_DIR", str(cache))
    first = build.shared_library()
    stamp = first.stat().st_mtime_ns
    assert build.shared_library() == first and first.stat().st_mtime_ns == stamp
    assert build.static_library().parent == first.parent

    # A copy of the sources with one comment changed is another runtime,
    # built afresh (two processes building one are tested below).
    copy = tmp_path / "src"
    shutil.copytree(build.RUNTIME_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(build, "RUNTIME_DIR", copy)
    monkeypatch.setattr(build, "HEADER", copy / "hic_runtime.h")
    assert build.build_dir() == first.parent
    (copy / "print.c").write_text((copy / "print.c").read_text() + "/* changed */\n")
    assert build.build_dir() != first.parent
    assert not build.build_dir().exists()

    # So do other compiler flags.
    monkeypatch.setenv("CC", "cc -DHIC_SOMETHING")
    assert build.build_dir() != first.parent


def test_two_processes_can_build_at_once(tmp_path):
    # A one-file runtime keeps this quick: what is tested is the race.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("hic_runtime.h", "arith.c"):
        shutil.copy(build.RUNTIME_DIR / name, src / name)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from runtime import build
        build.RUNTIME_DIR = Path({str(src)!r})
        build.HEADER = build.RUNTIME_DIR / "hic_runtime.h"
        print(build.shared_library(), build.static_library())
    """)
    env = {**os.environ, "HIC_CACHE_DIR": str(tmp_path / "cache")}
    procs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate()[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs[0] == outputs[1]
    built = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert sorted(p.name for p in built) == [build.STATIC_NAME, build.SHARED_NAME]


def test_a_missing_compiler_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("HIC_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(build.RuntimeBuildError, match=r"'/nonexistent/cc' was not found.*set CC"):
        build.shared_library()


def test_the_shared_library_loads_for_the_jit(cache, monkeypatch):
    import ctypes

    import llvmlite.binding as llvm

    monkeypatch.setenv("HIC_CACHE_DIR", str(cache))
    path = str(build.shared_library())
    llvm.load_library_permanently(path)
    for symbol in ("hic_start", "hic_alloc_slow", "hic_region_table", "hic_counters"):
        assert llvm.address_of_symbol(symbol), symbol
    lib = ctypes.CDLL(path)
    s64 = ctypes.c_int64
    lib.hic_div_s64.argtypes = lib.hic_rem_s64.argtypes = [s64, s64, ctypes.c_int32, ctypes.c_int32]
    lib.hic_div_s64.restype = lib.hic_rem_s64.restype = s64
    lib.hic_trunc_f64.argtypes = [ctypes.c_double, ctypes.c_int32, ctypes.c_int32]
    lib.hic_trunc_f64.restype = s64
    s64_min = -(1 << 63)
    assert lib.hic_div_s64(s64_min, -1, 1, 1) == s64_min
    assert lib.hic_rem_s64(s64_min, -1, 1, 1) == 0
    assert (lib.hic_div_s64(-7, 2, 1, 1), lib.hic_rem_s64(-7, 2, 1, 1)) == (-3, -1)
    assert (lib.hic_div_s64(7, -2, 1, 1), lib.hic_rem_s64(7, -2, 1, 1)) == (-3, 1)
    extremes = (2.9, -2.9, -0.5, -9223372036854775808.0, 9223372036854774784.0)
    assert [lib.hic_trunc_f64(x, 1, 1) for x in extremes] == [
        2, -2, 0, s64_min, 9223372036854774784
    ]  # (out of range is a runtime error: tested through the driver)


# ---------------------------------------------------------------------------
# Regions


def test_regions_allocate_free_and_recycle_chunks(driver, tmp_path):
    r = run(driver, "regions", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "regions ok\n", "")
    # One region of 1000 x 24 + 13 + 200000 + 8 bytes; 200 rounds of
    # 1000 x 24 bytes; then b, c, d, e, with d retained twice.
    assert counts(r.stats) == {
        "allocs": 1003 + 200 * 1000,
        "regions_created": 1 + 200 + 4,
        "regions_freed": 205,
        "regions_peak": 2,
        "regions_leaked": 0,
        "retains": 2,
        "releases": 1 + 200 + 2 + 3 + 1,
        "bytes_allocated": 224021 + 200 * 24000,
        "bytes_peak": 224021,
    }


FREED = "the region was freed; its slot is at generation 1"


@pytest.mark.parametrize(
    "how, message",
    [
        ("retain", f"stale region id #1.0 (retain): {FREED}"),
        ("reused", f"stale region id #1.0 (retain): {FREED}"),
        ("release", "stale region id #1.0 (release)"),
        ("hold", "stale region id #1.0 (store a pack of)"),
        ("lookup", "stale region id #1.0 (look up)"),
        ("alloc", "stale region id #1.0 (allocate in)"),
        ("never", "stale region id #77.3 (retain): no region was ever created in slot 77"),
    ],
)
def test_a_stale_id_is_an_internal_error(driver, tmp_path, how, message):
    r = run(driver, "stale", how, tmp=tmp_path)
    assert r.status == 3
    assert r.err.startswith("hic internal error: " + message)
    assert r.err.count("\n") == 1 and r.out == ""


def test_unholding_a_pack_not_held_is_an_internal_error(driver, tmp_path):
    r = run(driver, "unhold_missing", tmp=tmp_path)
    assert r.status == 3
    assert r.err == "hic internal error: region #1.0 does not hold a pack of #2.0\n"


def conserved(stats: dict) -> bool:
    """Every reference taken was given back: the regions' counts start at
    one each (not a retain) and all end at zero."""
    return stats["regions_created"] + stats["retains"] == stats["releases"]


def test_held_packs_are_a_multiset_released_when_their_holder_dies(driver, tmp_path):
    r = run(driver, "holds", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "holds ok\n", "")
    assert r.stats["regions_leaked"] == 0 and conserved(r.stats)


def test_a_chain_of_100000_regions_is_freed_without_recursion(driver, tmp_path):
    # A 256 KiB stack: a recursive free would need far more.
    n = 100_000
    r = run(driver, "chain", str(n), env={"HIC_STACK_SIZE": "256K"}, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "chain ok\n", "")
    assert counts(r.stats) == {
        "allocs": n,
        "regions_created": n + 1,
        "regions_freed": n + 1,
        "regions_peak": n + 1,
        "regions_leaked": 0,
        "retains": n,
        "releases": 2 * n + 1,  # the blocks, then the packs held by the cells
        "bytes_allocated": 16 * n,
        "bytes_peak": 16 * n,
    }


def test_merge_moves_objects_bytes_and_held_packs(driver, tmp_path):
    r = run(driver, "merge", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "merge ok\n", "")
    # A merged region lives on until its count reaches zero, then is freed;
    # its reference on the parent is a counted retain and release.
    s = r.stats
    assert (s["regions_created"], s["regions_freed"], s["regions_leaked"]) == (18, 18, 0)
    assert conserved(s)


@pytest.mark.parametrize(
    "how, message",
    [
        ("twice", "merge region #1.0: it was merged already"),
        ("cycle", "cannot merge region #2.0 into #1.0"),
        ("primitive", "cannot merge region #3.0 into #0.0"),
    ],
)
def test_bad_merges_are_internal_errors(driver, tmp_path, how, message):
    r = run(driver, "merge_error", how, tmp=tmp_path)
    assert (r.status, r.err) == (3, f"hic internal error: {message}\n")


def test_a_cycle_leaks_and_is_counted(driver, tmp_path):
    r = run(driver, "leak", tmp=tmp_path)
    assert r.status == 0
    assert (r.stats["regions_leaked"], r.stats["regions_freed"]) == (2, 0)


# ---------------------------------------------------------------------------
# Strings and printing


def test_strings(driver, tmp_path):
    r = run(driver, "strings", tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert r.out == (
        "hello, world\n"
        "0 1 -1 42 9223372036854775807 -9223372036854775808 1000000007 -90210 \n"
        "strings ok\n"
    )


@pytest.mark.parametrize(
    "text, value",
    [("0", 0), ("-0", 0), ("007", 7), ("-9223372036854775808", -(1 << 63)),
     ("9223372036854775807", (1 << 63) - 1), ("-12", -12)],
)
def test_int_accepts(driver, tmp_path, text, value):
    r = run(driver, "int_of", text, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, f"{value}\n", "")


@pytest.mark.parametrize(
    "text",
    ["", "-", "+1", " 1", "1 ", "1a", "--1", "0x10", "1.0",
     "9223372036854775808", "-9223372036854775809", "99999999999999999999"],
)
def test_int_rejects_malformed(driver, tmp_path, text):
    r = run(driver, "int_of", text, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (101, "", "runtime error: malformed integer string at 7:3\n")


@pytest.mark.parametrize("index", ["3", "-1"])
def test_string_index_out_of_range(driver, tmp_path, index):
    r = run(driver, "string_index", index, tmp=tmp_path)
    assert r.status == 101
    assert r.err == f"runtime error: index {index} out of range for length 3 at 9:14\n"


def test_args_are_built_as_the_lolang_interpreter_builds_them(driver, tmp_path):
    r = run(driver, "args", "a", "b c", "", "é", tmp=tmp_path)
    assert (r.status, r.out) == (0, "4 a b c  é\n")
    # One region for the array and one per string pack, held by it; nothing
    # counted as allocs or bytes; dropping main's pack frees them all.
    assert counts(r.stats) == {
        **{k: 0 for k in STAT_KEYS[2:]},
        "regions_created": 5, "regions_freed": 5, "regions_peak": 5, "releases": 5,
    }
    r = run(driver, "args_plain", "x", "yz", tmp=tmp_path)
    assert r.out == "x\nyz\n"
    assert (r.stats["regions_created"], r.stats["allocs"], r.stats["bytes_allocated"]) == (1, 0, 0)


def test_print_values(driver, tmp_path):
    r = run(driver, "print_values", tmp=tmp_path)
    assert r.out == (
        "-9223372036854775808 9223372036854775807 0 255 0 true false () tab\tnew\nline\n\n"
    )


def f64_text(x: float) -> str:
    """LANGUAGE.md 1.7: C's %.9f, with inf, -inf and nan (never -nan)."""
    return "nan" if x != x else "%.9f" % x


def test_print_f64_is_percent_9f_with_plain_nan(driver, tmp_path):
    rng = random.Random(20240601)
    specials = [0.0, -0.0, 0.1, -2.5e-10, 5e-10, 1.0000000005, 123456789.123456789, 1e308,
                -1e308, 5e-324, 2.0**63, math.inf, -math.inf, math.nan, -math.nan]
    bits = [struct.unpack("<Q", struct.pack("<d", x))[0] for x in specials]
    bits += [rng.getrandbits(64) for _ in range(300)]  # NaN payloads, subnormals, huge
    bits += [struct.unpack("<Q", struct.pack("<d", rng.uniform(-1e6, 1e6)))[0] for _ in range(300)]
    r = run(driver, "print_floats", *(f"{b:x}" for b in bits), tmp=tmp_path)
    values = [struct.unpack("<d", struct.pack("<Q", b))[0] for b in bits]
    assert r.status == 0
    assert r.out.splitlines() == [f64_text(x) for x in values]


def test_output_larger_than_the_buffer_comes_out_whole(driver, tmp_path):
    r = run(driver, "print_lots", tmp=tmp_path)
    assert r.out == "".join(f"{i}\n" for i in range(100_000))


# ---------------------------------------------------------------------------
# Arrays and maps


def test_arrays(driver, tmp_path):
    r = run(driver, "arrays", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "arrays ok\n", "")
    assert r.stats["regions_leaked"] == 0 and conserved(r.stats)


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "3"], "index 3 out of range for length 3 at 12:5"),
        (["index", "-1"], "index -1 out of range for length 3 at 12:5"),
        (["pop"], "pop of an empty array at 4:2"),
        (["negative", "-3"], "negative array size -3 at 1:1"),
        (["divide"], "division by zero at 2:9"),
        (["nowhere"], "index 3 out of range for length 3"),
        (["trunc", "nan"], "F64 value out of range for S64 at 5:6"),
        (["trunc", "-inf"], "F64 value out of range for S64 at 5:6"),
        (["trunc", "9223372036854775808"], "F64 value out of range for S64 at 5:6"),
        (["key"], "key not found at 7:8"),
    ],
)
def test_runtime_errors_exit_101_after_stdout(driver, tmp_path, args, message):
    r = run(driver, "array_error", *args, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (101, "3\n", f"runtime error: {message}\n")
    # The stats are written on the way out; the live region is leaked.
    assert r.stats["regions_leaked"] == 1 and r.stats["allocs"] == 1


def map_program(rng: random.Random, keys: list[str], steps: int) -> str:
    lines = []
    for _ in range(steps):
        op = rng.choices("igrkl", weights=[5, 3, 3, 1, 1])[0]
        key = rng.choice(keys)
        lines.append(f"i {key} {rng.randint(-1000, 1000)}" if op == "i" else
                     f"{op} {key}" if op in "gr" else op)
    return "\n".join(lines) + "\n"


def map_model(program: str) -> str:
    """What the map prints, by a Python dict: insertion ordered, an
    overwrite keeps its place, a removed key re-inserted goes last."""
    d: dict[str, int] = {}
    out = []
    for line in program.splitlines():
        op, *rest = line.split()
        if op == "i":
            out.append("old" if rest[0] in d else "new")
            d[rest[0]] = int(rest[1])
        elif op == "g":
            out.append(str(d[rest[0]]) if rest[0] in d else "none")
        elif op == "r":
            out.append(str(d.pop(rest[0])) if rest[0] in d else "absent")
        elif op == "k":
            out.append(" ".join(d))
        elif op == "l":
            out.append(str(len(d)))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("kind", ["s64", "str", "ref"])  # ref: String keys as references
@pytest.mark.parametrize("seed", [1, 2])
def test_maps_keep_insertion_order(driver, tmp_path, kind, seed):
    rng = random.Random(seed)
    if kind == "s64":
        keys = [str(k) for k in rng.sample(range(-10**6, 10**6), 40)]
        keys += [str(-(1 << 63)), str((1 << 63) - 1), "0"]
    else:
        keys = ["x" * rng.randint(0, 20) + str(i) for i in range(40)]
    program = map_program(rng, keys, 3000)
    r = run(driver, "map_ops", kind, stdin=program, tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert r.out == map_model(program)
    assert r.stats["regions_leaked"] == 0


def test_maps_with_pack_values_growth_and_churn(driver, tmp_path):
    r = run(driver, "maps", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "maps ok\n", "")


# ---------------------------------------------------------------------------
# Start-up and the end of a program


def test_stats_json_has_exactly_the_design_keys(driver, tmp_path):
    r = run(driver, "print_values", tmp=tmp_path)
    assert list(r.stats) == STAT_KEYS
    assert (r.stats["engine"], r.stats["stage"]) == ("native", "print_values")
    assert all(isinstance(r.stats[k], int) for k in STAT_KEYS[2:])


def test_100000_nested_calls_run(driver, tmp_path):
    r = run(driver, "deep", "100000", tmp=tmp_path)
    assert r.status == 0 and r.out.startswith("deep ok ")
    assert int(r.out.split()[2]) > 100_000 * 32  # truly nested: the stack was used


def test_stack_overflow_is_a_runtime_error(driver, tmp_path):
    # The default 1 GiB stack, run off its end.
    r = run(driver, "overflow", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (101, "42\n", "runtime error: stack overflow\n")
    assert r.stats["allocs"] == 1 and r.stats["regions_leaked"] == 1


def test_out_of_memory_is_a_runtime_error(driver, tmp_path):
    r = run(driver, "out_of_memory", tmp=tmp_path, limit_memory=400 << 20)
    assert (r.status, r.out, r.err) == (101, "1\n", "runtime error: out of memory\n")
    assert r.stats["regions_leaked"] == 1


def test_two_programs_run_in_one_process(driver, tmp_path):
    r = run(driver, "twice", tmp=tmp_path)
    assert r.err == "runtime error: division by zero at 1:2\n"
    first, second, stats = r.out.split(" ", 2)
    assert (first, second) == ("101", "0")
    stats = json.loads(stats)
    assert stats["stage"] == "second"
    assert counts(stats) == {
        "allocs": 1, "regions_created": 1, "regions_freed": 1, "regions_peak": 1,
        "regions_leaked": 0, "retains": 0, "releases": 1, "bytes_allocated": 8, "bytes_peak": 8,
    }


JIT_HOST = r'''
import ctypes, sys
import llvmlite.binding as llvm
from llvmlite import ir
from runtime import shared_library

llvm.initialize_native_target()
llvm.initialize_native_asmprinter()
llvm.load_library_permanently(str(shared_library()))

void, i32, i64 = ir.VoidType(), ir.IntType(32), ir.IntType(64)
ptr = ir.IntType(8).as_pointer()
module = ir.Module("programs")
module.triple = llvm.get_process_triple()
print_s64 = ir.Function(module, ir.FunctionType(void, [i64]), "hic_print_s64")
newline = ir.Function(module, ir.FunctionType(void, []), "hic_print_newline")
panic = ir.Function(module, ir.FunctionType(void, [i32, i32, i32, i64, i64]), "hic_panic")


def program(name, value, body=None):
    fn = ir.Function(module, ir.FunctionType(void, [ptr]), name)
    b = ir.IRBuilder(fn.append_basic_block())
    b.call(print_s64, [i64(value)])
    b.call(newline, [])
    if body:
        body(b)
    b.ret_void()


def fail(b):
    b.call(panic, [i32(1), i32(3), i32(4), i64(0), i64(0)])


# rec(n) = rec(n + 1) + frame[0], with a 64-byte frame: never returns.
rec = ir.Function(module, ir.FunctionType(i64, [i64]), "rec")
b = ir.IRBuilder(rec.append_basic_block())
frame = b.alloca(ir.ArrayType(i64, 8))
b.store(ir.Constant(ir.ArrayType(i64, 8), None), frame)
below = b.call(rec, [b.add(rec.args[0], i64(1))])
b.ret(b.add(below, b.load(b.gep(frame, [i32(0), i32(0)]))))

program("good", 7)
program("bad", 8, fail)
program("overflow", 9, lambda b: b.call(rec, [i64(0)]))
llvm_module = llvm.parse_assembly(str(module))
llvm_module.verify()
machine = llvm.Target.from_default_triple().create_target_machine()
engine = llvm.create_mcjit_compiler(llvm_module, machine)
engine.finalize_object()

lib = ctypes.CDLL(str(shared_library()))
lib.hic_start.argtypes = [
    ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32
]
statuses = []
for name in ("good", "bad", "good", "overflow", "good"):
    statuses.append(lib.hic_start(0, None, engine.get_function_address(name), b"llvm", 0))
print("statuses", *statuses, flush=True)
'''


def test_a_jit_host_gets_each_programs_status_back(cache, tmp_path):
    """`hic run` runs JIT-compiled code in its own process: runtime errors
    and stack overflows must come back as statuses, and the next program
    must run normally (with faulthandler's SIGSEGV handler restored)."""
    env = {**os.environ, "HIC_CACHE_DIR": str(cache), "HIC_STACK_SIZE": "64M"}
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", JIT_HOST],
        capture_output=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "7\n8\n7\n9\n7\nstatuses 0 101 0 101 0\n"
    assert result.stderr.decode() == (
        "runtime error: division by zero at 3:4\nruntime error: stack overflow\n"
    )


# ---------------------------------------------------------------------------
# valgrind

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind is not installed"
)
VALGRIND = ("valgrind", "--error-exitcode=97", "--leak-check=full", "-q")


@needs_valgrind
def test_valgrind_memcheck_is_clean(driver, tmp_path):
    env = {"HIC_STACK_SIZE": "8M"}
    r = run(driver, "everything", env=env, tmp=tmp_path, wrap=VALGRIND)
    assert (r.status, r.err) == (0, "")
    program = map_program(random.Random(3), ["k" * i for i in range(1, 30)], 500)
    r = run(driver, "map_ops", "str", stdin=program, env=env, tmp=tmp_path, wrap=VALGRIND)
    assert (r.status, r.err) == (0, "")
    assert r.out == map_model(program)


@needs_valgrind
def test_valgrind_sees_a_use_of_a_freed_region(driver, tmp_path):
    """The pool marks freed chunks off limits for memcheck, so a dangling
    object pointer (a compiler bug) is reported, not silently read."""
    r = run(driver, "use_after_free", env={"HIC_STACK_SIZE": "8M"}, tmp=tmp_path, wrap=VALGRIND)
    assert r.status == 97 and "Invalid read of size 8" in r.err
