/* start.c -- running a program: its stack, its arguments, and its end.
 *
 * hic_start runs the program's main on a stack of its own: 1 GiB reserved
 * (HIC_STACK_SIZE overrides; only touched pages cost memory), with a 16 MiB
 * PROT_NONE guard below it, so that 100,000+ nested calls work and running
 * off the end faults on the guard instead of on someone else's memory. A
 * SIGSEGV handler on an alternate signal stack (the faulting stack has no
 * room left to run a handler) recognizes a fault in the guard and reports
 * `runtime error: stack overflow`, exit 101.
 *
 * Why ucontext (makecontext/swapcontext) rather than a pthread with a custom
 * stack: every way out of the program -- main returning, a runtime error
 * deep inside it, the overflow handler -- becomes one context switch back to
 * hic_start on the caller's own stack and thread. Nothing is unwound (the
 * program's stack is simply dropped), so it works through JIT-compiled
 * frames that have no unwind tables, and the caller gets a status back
 * instead of the process ending: a JIT host (hic run, tests) can run program
 * after program. With a thread, a runtime error would have to end the thread
 * from inside (pthread_exit unwinds, which needs those tables) or end the
 * whole process, and signals, the signal stack and stdout would belong to
 * another thread than the caller's. Leaving the overflow handler with
 * setcontext is the same long jump siglongjmp makes; glibc restores the
 * signal mask saved with the host context, unblocking SIGSEGV again.
 *
 * The runtime takes memory only through mmap (pool.c) and writes output with
 * write(2) (print.c), so abandoning the program wherever it stood -- even
 * inside the runtime -- leaves no libc lock held.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define DEFAULT_STACK ((size_t)1 << 30)
#define FALLBACK_STACK ((size_t)64 << 20)  /* halve down to this when mmap refuses */
#define MIN_STACK ((size_t)64 << 10)
#define GUARD ((size_t)16 << 20)
#define SIGNAL_STACK ((size_t)64 << 10)

/* AddressSanitizer must be told when the stack changes, or it takes the
 * program's stack for garbage (a noreturn call unpoisons "the stack", and a
 * switch back would leave stale poison). No code without HIC_ASAN. */
#ifdef HIC_ASAN
#include <sanitizer/common_interface_defs.h>
#define TO_PROGRAM_STACK() \
    __sanitizer_start_switch_fiber(&run.host_fake_stack, run.guard_end, run.map_bytes - GUARD)
#define ON_PROGRAM_STACK() \
    __sanitizer_finish_switch_fiber(NULL, &run.host_stack_bottom, &run.host_stack_size)
#define TO_HOST_STACK() \
    __sanitizer_start_switch_fiber(NULL, run.host_stack_bottom, run.host_stack_size)
#define ON_HOST_STACK() __sanitizer_finish_switch_fiber(run.host_fake_stack, NULL, NULL)
#else
#define TO_PROGRAM_STACK() ((void)0)
#define ON_PROGRAM_STACK() ((void)0)
#define TO_HOST_STACK() ((void)0)
#define ON_HOST_STACK() ((void)0)
#endif

static struct {
    volatile int running;       /* the program context is current (or was left by a fault) */
    volatile int overflowed;
    volatile int status;
    ucontext_t host;            /* hic_start's caller, resumed when the program ends */
    ucontext_t program;
    char *map;                  /* the stack mapping: guard first, then the stack */
    size_t map_bytes;
    char *guard_end;
    char *signal_stack;
    stack_t old_signal_stack;
    struct sigaction old_segv;
    int signal_stack_set;
    int handler_set;
    hic_main_fn main;
    int32_t flags;
    int argc;
    char **argv;
    unsigned valgrind_stack;
#ifdef HIC_ASAN
    void *host_fake_stack;
    const void *host_stack_bottom;
    size_t host_stack_size;
#endif
} run;

/* ------------------------------------------------------------------------
 * Set-up and the end */

void hic_runtime_init(const char *stage)
{
    /* Whatever a previous run left (a host calling runtime functions without
     * hic_runtime_finish) goes first. */
    hic_pool_teardown();
    hic_regions_forget();
    hic_output_reset();
    hic_stats_reset(stage);
    hic_regions_init();
    HIC_PROFILED(hic_profile_reset());
}

void hic_runtime_finish(void)
{
    hic_flush();
    hic_stats_write();
    HIC_PROFILED(hic_profile_write());
    hic_pool_teardown();
    hic_regions_forget();
}

void hic_leave(int status)
{
    if (run.running) {
        run.status = status;
        TO_HOST_STACK();
        setcontext(&run.host);
    }
    hic_runtime_finish();
    _exit(status);
}

/* ------------------------------------------------------------------------
 * The stack */

/* HIC_STACK_SIZE: bytes, with an optional K, M or G suffix. */
static size_t stack_bytes_wanted(void)
{
    const char *s = getenv("HIC_STACK_SIZE");
    if (!s || !*s)
        return DEFAULT_STACK;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    switch (*end) {
    case 'k': case 'K': n <<= 10; end++; break;
    case 'm': case 'M': n <<= 20; end++; break;
    case 'g': case 'G': n <<= 30; end++; break;
    }
    if (*end || n == 0)
        return DEFAULT_STACK;
    return n < MIN_STACK ? MIN_STACK : (size_t)n;
}

static int map_stack(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t want = (stack_bytes_wanted() + page - 1) & ~(page - 1);
    for (;;) {
        /* NORESERVE: a reservation, not a commitment; pages cost memory
         * only once the recursion touches them. */
        void *p = mmap(NULL, GUARD + want, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (p != MAP_FAILED) {
            run.map = p;
            run.map_bytes = GUARD + want;
            run.guard_end = run.map + GUARD;
            return mprotect(run.map, GUARD, PROT_NONE) == 0;
        }
        if (want <= FALLBACK_STACK)
            return 0;
        want /= 2;
    }
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
    (void)context;
    char *addr = info->si_addr;
    if (run.running && addr >= run.map && addr < run.guard_end) {
        run.overflowed = 1;
        TO_HOST_STACK();
        setcontext(&run.host);
    }
    /* Not ours: put the previous disposition back and return. The faulting
     * instruction runs again and meets it -- a real crash stays a crash. */
    sigaction(sig, &run.old_segv, NULL);
}

static int catch_overflow(void)
{
    run.signal_stack = mmap(NULL, SIGNAL_STACK, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (run.signal_stack == MAP_FAILED) {
        run.signal_stack = NULL;
        return 0;
    }
    stack_t ss = {.ss_sp = run.signal_stack, .ss_size = SIGNAL_STACK, .ss_flags = 0};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    run.signal_stack_set = sigaltstack(&ss, &run.old_signal_stack) == 0;
    run.handler_set = run.signal_stack_set && sigaction(SIGSEGV, &sa, &run.old_segv) == 0;
    return run.handler_set;
}

static void release_stacks(void)
{
    if (run.handler_set)
        sigaction(SIGSEGV, &run.old_segv, NULL);
    if (run.signal_stack_set)
        sigaltstack(&run.old_signal_stack, NULL);
    run.handler_set = run.signal_stack_set = 0;
    if (run.signal_stack)
        munmap(run.signal_stack, SIGNAL_STACK);
    if (run.map)
        munmap(run.map, run.map_bytes);
    run.signal_stack = NULL;
    run.map = NULL;
}

/* ------------------------------------------------------------------------
 * The program */

/* main's `args`, argv[1..], built as the lolang interpreter builds them
 * (lolang/interpreter.py, _main_args): one region for the array, whose
 * creation reference becomes the pack main receives (so no retain); each
 * string a pack in a region of its own, held by the array's region, or
 * (HIC_START_ARGS_PLAIN) a reference to a string in the array's region.
 * None of these objects counts as an alloc or as bytes: they exist before
 * the program does. */
static void build_args(struct hic_pack *out)
{
    int packs = !(run.flags & HIC_START_ARGS_PLAIN);
    int64_t elem_size = packs ? 16 : 8;
    int64_t n = run.argc > 1 ? run.argc - 1 : 0;
    uint64_t id = hic_region_new();
    struct hic_array *a = hic_alloc_uncounted(hic_region_of(id), sizeof *a);
    a->len = n;
    a->cap = n;
    a->data = n ? hic_storage_alloc_uncounted(hic_region_of(id), (uint64_t)(n * elem_size)) : NULL;
    for (int64_t i = 0; i < n; i++) {
        const char *arg = run.argv[i + 1];
        int64_t len = (int64_t)strlen(arg);
        uint64_t own = packs ? hic_region_new() : id;
        struct hic_string *s = hic_alloc_uncounted(hic_region_of(own), 8 + (uint64_t)len);
        s->len = len;
        memcpy(s->bytes, arg, (size_t)len);
        struct hic_pack pack = {.ptr = s, .region = own};
        memcpy(a->data + i * elem_size, &pack, (size_t)elem_size);
        if (packs)
            hic_region_hold(id, own);
    }
    out->ptr = a;
    out->region = id;
}

/* The program context's entry; returning resumes uc_link, the host. */
static void program_entry(void)
{
    ON_PROGRAM_STACK();
    struct hic_pack args = {0};
    struct hic_pack *argp = NULL;
    if (run.flags & (HIC_START_ARGS | HIC_START_ARGS_PLAIN)) {
        build_args(&args);
        argp = &args;
    }
    run.main(argp);
    /* Main has released everything it had: what is still live and
     * unreachable is cyclic garbage the collector has not reached yet
     * (the lolang interpreter does the same). */
    hic_collect_cycles();
    run.status = 0;
    TO_HOST_STACK();
}

int hic_start(int argc, char **argv, hic_main_fn program_main, const char *stage, int32_t flags)
{
    if (run.running)
        hic_internal_error("hic_start called while a program is running");
    hic_runtime_init(stage);
    run.main = program_main;
    run.flags = flags;
    run.argc = argc;
    run.argv = argv;
    run.status = 3;  /* overwritten by every way the program can end */
    run.overflowed = 0;
    if (!map_stack() || !catch_overflow() || getcontext(&run.program) != 0) {
        release_stacks();
        hic_report_error(HIC_ERR_OUT_OF_MEMORY, 0, 0, 0, 0);
        hic_runtime_finish();
        return 101;
    }
    run.program.uc_stack.ss_sp = run.guard_end;
    run.program.uc_stack.ss_size = run.map_bytes - GUARD;
    run.program.uc_link = &run.host;
    makecontext(&run.program, program_entry, 0);
#ifdef HIC_VALGRIND
    run.valgrind_stack = VALGRIND_STACK_REGISTER(run.guard_end, run.map + run.map_bytes);
#endif
    run.running = 1;
    TO_PROGRAM_STACK();
    swapcontext(&run.host, &run.program);
    ON_HOST_STACK();
    /* Back on the caller's stack: main returned, hic_leave ran, or the
     * guard was hit. */
    run.running = 0;
#ifdef HIC_VALGRIND
    VALGRIND_STACK_DEREGISTER(run.valgrind_stack);
#endif
    release_stacks();
    if (run.overflowed) {
        hic_report_error(HIC_ERR_STACK_OVERFLOW, 0, 0, 0, 0);
        run.status = 101;
    }
    int status = run.status;
    hic_runtime_finish();
    return status;
}
