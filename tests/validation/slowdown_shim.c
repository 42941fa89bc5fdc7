/* An LD_PRELOAD shim that makes a roseyd build slower by a known amount
 * without touching it, for validating `roseyd bench --compare`
 * (scripts/validate_compare.sh): every sqlite3_step first runs
 * ROSEYD_SHIM_SPINS iterations of a dependent floating-point multiply, a
 * fixed number of instructions (so the instruction figures see it exactly)
 * whose CPU time is that of ordinary code (a chain of multiplies, not a
 * loop the CPU can race through). Never part of roseyd itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

typedef struct sqlite3_stmt sqlite3_stmt;

static int (*real_step)(sqlite3_stmt*);
static long spins = -1;

int sqlite3_step(sqlite3_stmt* stmt) {
  if (real_step == NULL) real_step = (int (*)(sqlite3_stmt*))dlsym(RTLD_NEXT, "sqlite3_step");
  if (spins < 0) {
    const char* text = getenv("ROSEYD_SHIM_SPINS");
    spins = text != NULL ? atol(text) : 0;
  }
  volatile double x = 1.0;
  for (long i = 0; i < spins; ++i) x *= 1.0000001;
  return real_step(stmt);
}
