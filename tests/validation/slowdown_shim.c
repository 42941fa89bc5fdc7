/* An LD_PRELOAD shim that makes a roseyd build slower by a known amount
 * without touching it, for validating `roseyd bench --compare`
 * (scripts/validate_compare.sh): every sqlite3_bind_text64 (two for each chat
 * line, the usernames and texts of the other events: work done once per
 * event on every write path, batched or not) first runs SLOWDOWN_SHIM_SPINS
 * iterations of a dependent floating-point multiply: a fixed number of
 * instructions, so the instruction figures see it exactly, whose CPU time is
 * that of ordinary code (a chain of multiplies, not a loop the CPU races
 * through). Never part of roseyd itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

typedef struct sqlite3_stmt sqlite3_stmt;
typedef int (*BindText)(sqlite3_stmt*, int, const char*, unsigned long long, void (*)(void*),
                        unsigned char);

static BindText real_bind_text;
static long spins = -1;

int sqlite3_bind_text64(sqlite3_stmt* stmt, int index, const char* text, unsigned long long bytes,
                        void (*destructor)(void*), unsigned char encoding) {
  if (real_bind_text == NULL) real_bind_text = (BindText)dlsym(RTLD_NEXT, "sqlite3_bind_text64");
  if (spins < 0) {
    const char* value = getenv("SLOWDOWN_SHIM_SPINS");
    spins = value != NULL ? atol(value) : 0;
  }
  volatile double x = 1.0;
  for (long i = 0; i < spins; ++i) x *= 1.0000001;
  return real_bind_text(stmt, index, text, bytes, destructor, encoding);
}
