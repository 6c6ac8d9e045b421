/* vm_hostsig.h. Each signal has a ring of siginfos: the recorder (the signal
 * handler, which the same signal does not interrupt) writes at `head`, takers
 * read at `tail`; a full ring drops the newest (it then gives SI_USER alone). */
#include "vm_hostsig.h"
#include <signal.h>
#include <string.h>

#define N_SIGS 65
#define RING 32 /* (a power of two) */
/* (Linux's siginfo_t, the guest's layout too; elsewhere its first bytes) */
#define INFO_SIZE (sizeof(siginfo_t) < 128 ? sizeof(siginfo_t) : 128)

static struct {
    volatile uint32_t head, tail;
    siginfo_t info[RING];
} rings[N_SIGS];
static void (*python_handler[N_SIGS])(int);

static void record(int sig, siginfo_t *si, void *context)
{
    (void)context;
    if (sig > 0 && sig < N_SIGS) {
        uint32_t head = rings[sig].head;
        if (head - __atomic_load_n(&rings[sig].tail, __ATOMIC_ACQUIRE) < RING) {
            rings[sig].info[head % RING] = *si;
            __atomic_store_n(&rings[sig].head, head + 1, __ATOMIC_RELEASE);
        }
        if (python_handler[sig])
            python_handler[sig](sig); /* (writes the wakeup pipe: after the record) */
    }
}

void vm_hostsig_wrap(int sig)
{
    struct sigaction cur, sa;
    if (sig <= 0 || sig >= N_SIGS || sigaction(sig, NULL, &cur) != 0)
        return;
    if (cur.sa_flags & SA_SIGINFO) /* (ours, or a handler in C not Python's: left alone) */
        return;
    if (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN)
        return;
    python_handler[sig] = cur.sa_handler;
    sa = cur;
    sa.sa_sigaction = record;
    sa.sa_flags |= SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

int vm_hostsig_take(int sig, uint8_t out[128])
{
    if (sig <= 0 || sig >= N_SIGS)
        return 0;
    uint32_t tail = rings[sig].tail;
    if (tail == __atomic_load_n(&rings[sig].head, __ATOMIC_ACQUIRE))
        return 0;
    memset(out, 0, 128);
    memcpy(out, &rings[sig].info[tail % RING], INFO_SIZE);
    __atomic_store_n(&rings[sig].tail, tail + 1, __ATOMIC_RELEASE);
    return 1;
}

void vm_hostsig_clear(void)
{
    for (int sig = 0; sig < N_SIGS; sig++)
        if (rings[sig].tail != rings[sig].head) /* (a write copies the page: a fork's child) */
            rings[sig].tail = rings[sig].head;
}
