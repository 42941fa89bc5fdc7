#pragma once

// Clang thread-safety annotations (leveldb port/thread_annotations.h).
// They compile to nothing elsewhere; CI builds once with -Wthread-safety.
#if defined(__clang__)
#define ROSEYD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define ROSEYD_THREAD_ANNOTATION(x)
#endif

#define GUARDED_BY(x) ROSEYD_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) ROSEYD_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) ROSEYD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) ROSEYD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define CAPABILITY(x) ROSEYD_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY ROSEYD_THREAD_ANNOTATION(scoped_lockable)
#define ACQUIRE(...) ROSEYD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) ROSEYD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) ROSEYD_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS ROSEYD_THREAD_ANNOTATION(no_thread_safety_analysis)
