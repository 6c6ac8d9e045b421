// User-mode wrapper around the suite's riscv-test-suite/env/arch_test.h
// (found next on the include path): the tests run as Linux processes, where
// FP is always enabled and mstatus (a machine-mode CSR that the suite's
// RVTEST_FP_ENABLE writes) cannot be accessed.
#include_next "arch_test.h"

#undef RVTEST_FP_ENABLE
#define RVTEST_FP_ENABLE()

// Newer tests put canary words around their signature (CANARY, defined by
// newer arch_test.h versions); with an older header they add none.
#ifndef CANARY
#define CANARY
#endif
