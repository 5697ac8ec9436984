/* The library fake_shim.c links when built with FAKE_NEEDS_DEPENDENCY; the tests then hide it. */
int fake_dependency_version(void) { return 90000; }
