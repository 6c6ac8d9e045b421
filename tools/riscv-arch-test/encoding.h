// Stand-in for the suite's env/encoding.h (used when a checkout lacks it):
// arch_test.h needs it only for its machine-mode trap handler and for
// RVTEST_FP_ENABLE, neither of which a user-mode run uses.
