/* Who sent a signal from another process (its siginfo: si_code, si_pid,
 * si_uid, sigqueue's si_value), for the guest's SA_SIGINFO handlers.
 * Python's signal module keeps only the number; a C handler in front of
 * Python's records each signal's siginfo, in the order they come, and the
 * guest kernel takes one for each signal number Python's wakeup pipe gives it
 * (vm_engine/linux/host_signals.py). */
#ifndef VM_HOSTSIG_H
#define VM_HOSTSIG_H
#include <stdint.h>

/* Puts the recorder in front of the C handler `sig` has (Python's); nothing
 * when it has none (SIG_DFL, SIG_IGN) or the recorder is there already. */
void vm_hostsig_wrap(int sig);
/* The oldest siginfo recorded for `sig` not yet taken (128 bytes to `out`): 1,
 * or 0 when there is none. Callers take turns (the GIL). */
int vm_hostsig_take(int sig, uint8_t out[128]);
/* Forgets every siginfo recorded (a fork's child: they were its parent's). */
void vm_hostsig_clear(void);
#endif
