/* arith.c -- the arithmetic whose C meaning differs from LANGUAGE.md's.
 *
 * The backend may inline these; they exist so that there is one reference
 * for the traps C and x86-64 set: `S64_MIN / -1` (idiv faults, the language
 * wraps) and converting an F64 beyond S64 (LLVM's fptosi gives poison, the
 * language reports `F64 value out of range for S64`).
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

int64_t hic_div_s64(int64_t a, int64_t b, int32_t line, int32_t col)
{
    if (b == 0)
        hic_panic(HIC_ERR_DIVISION_BY_ZERO, line, col, 0, 0);
    if (b == -1)
        return (int64_t)(0 - (uint64_t)a);
    return a / b;
}

int64_t hic_rem_s64(int64_t a, int64_t b, int32_t line, int32_t col)
{
    if (b == 0)
        hic_panic(HIC_ERR_DIVISION_BY_ZERO, line, col, 0, 0);
    if (b == -1)
        return 0;
    return a % b;
}

int64_t hic_trunc_f64(double x, int32_t line, int32_t col)
{
    /* Toward zero, every F64 in [-2^63, 2^63) fits; the test is written so
     * that NaN fails it too. */
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        hic_panic(HIC_ERR_TRUNC_OUT_OF_RANGE, line, col, 0, 0);
    return (int64_t)x;
}
