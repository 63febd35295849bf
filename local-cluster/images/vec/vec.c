/*
 * Stand-in for the distribution's lib/platform/<os>-<arch>/libvec.so, Elasticsearch's SIMD vector
 * library, which ships only inside the distribution (no registry here serves it). Elasticsearch 9
 * on Java 21+ loads it while it sets up native access; when it is missing, native access is off
 * as a whole, and the memory-lock, file-size and system-call-filter bootstrap checks then fail.
 *
 * It exports only vec_caps() and answers 0, "no SIMD capability", which is what the real library
 * answers on a CPU without AVX2 or NEON. Elasticsearch then binds none of the vector functions and
 * scores vectors in Java, as it does on such a CPU. Everything else about native access (libc
 * through the JDK's foreign function API, the seccomp filter, rlimits) stays real.
 */
int vec_caps(void) { return 0; }
