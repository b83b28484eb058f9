/*
 * crash.c: the in-process fault handler (llgi_crash.h, docs/crash.md).
 *
 * At a fatal signal: take pc, fp and sp from the signal's context
 * (faultctx.h), decide
 * whether the stack touches a registered module (else hand the signal to
 * whoever had it before), write gc's traceback layout and the JSON record,
 * put the old dispositions back and let the signal finish the process.
 *
 * Every read of the crashed thread's memory is one that cannot fault
 * (saferead.h): a corrupt frame chain ends the traceback, it never faults
 * inside the handler. Output is formatted into a stack buffer
 * and written with write(2).
 */
#define _GNU_SOURCE
#include "llgi_crash.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "faultctx.h"
#include "llgi_registry.h"
#include "llgi_table.h"
#include "membuildid.h"
#include "procmaps.h"
#include "saferead.h"
#include "threadsig.h"

#define CRASH_SIGNALS ((1u << SIGSEGV) | (1u << SIGBUS) | (1u << SIGILL) | (1u << SIGFPE) | (1u << SIGTRAP) | (1u << SIGABRT))
/* Frames looked at to decide whether a stack is ours. */
#define OURS_DEPTH 64
/* A walk ends here even on an intact chain (a runaway recursion is counted, not printed). */
#define MAX_DEPTH (1 << 20)
#define ALTSTACK_SIZE (256 * 1024)
#define PATH_MAX_LEN 4096

static struct {
  int fd;
  char record[PATH_MAX_LEN];
  uint32_t signals;
  int installed;
  struct sigaction old[32];
  uint32_t saved; /* bit n: old[n] holds what install replaced */
} g;

/* The first thread to crash reports; others wait for it to end the process. */
static _Atomic int g_busy;

/* ---- output: a buffer on the handler's stack, flushed with write(2) -------------------------- */

typedef struct out {
  int fd;
  size_t n;
  char buf[2048];
} out;

static void flush(out *o) {
  size_t done = 0;
  while (o->fd >= 0 && done < o->n) {
    ssize_t w = write(o->fd, o->buf + done, o->n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  o->n = 0;
}

static void put_mem(out *o, const char *s, size_t n) {
  while (n) {
    if (o->n == sizeof o->buf) flush(o);
    size_t k = sizeof o->buf - o->n;
    if (k > n) k = n;
    memcpy(o->buf + o->n, s, k);
    o->n += k;
    s += k;
    n -= k;
  }
}

static void put(out *o, const char *s) { put_mem(o, s, strlen(s)); }

static void put_hex(out *o, uint64_t v) {
  char b[19];
  int i = sizeof b;
  do {
    b[--i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  b[--i] = 'x';
  b[--i] = '0';
  put_mem(o, b + i, sizeof b - (size_t)i);
}

static void put_dec(out *o, int64_t v) {
  char b[21];
  int i = sizeof b;
  uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;
  do {
    b[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) b[--i] = '-';
  put_mem(o, b + i, sizeof b - (size_t)i);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void put_json(out *o, const char *s, size_t n) {
  put_mem(o, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put_mem(o, e, 2);
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
      put_mem(o, e, 6);
    } else {
      put_mem(o, (const char *)&c, 1);
    }
  }
  put_mem(o, "\"", 1);
}

/* ---- where a pc lives: the executable mapping, its module's base and path -------------------- */

typedef struct place {
  uintptr_t pc;
  int found;
  uintptr_t base; /* where the module's first byte is mapped (its offset-0 mapping) */
  uint64_t inode;
  char path[512];
  size_t path_len;
  /* the last offset-0 mapping seen: the module's base, when the pc's mapping belongs to it */
  uintptr_t last_base;
  uint64_t last_inode;
} place;

static int locate(const llgi_maps_line *l, void *ctx) {
  place *p = ctx;
  if (l->offset == 0) {
    p->last_base = l->lo;
    p->last_inode = l->inode;
  }
  if (p->pc < l->lo || p->pc >= l->hi) return 0;
  if (l->perms[2] != 'x') return 2; /* inside a mapping that is not code */
  p->found = 1;
  p->inode = l->inode;
  p->base = l->inode && l->inode == p->last_inode ? p->last_base : l->lo - l->offset;
  p->path_len = l->path_len < sizeof p->path ? l->path_len : sizeof p->path;
  memcpy(p->path, l->path, p->path_len);
  return 1;
}

/* 1 when pc is in an executable mapping (then *p names it). */
static int where(uintptr_t pc, place *p) {
  memset(p, 0, sizeof *p);
  p->pc = pc;
  return llgi_maps_scan(locate, p) == 1;
}

/* ---- the walk ---------------------------------------------------------------------------------- */

typedef struct walker {
  uintptr_t fp;
  uintptr_t next; /* a return address found on the stack, used before fp's record */
} walker;

/* 1 when ret is a return address into a registered module: inside one, and
 * right after a call instruction (callsite.c). */
static int is_return(uintptr_t ret) { return llgi_registry_contains(ret) && llgi_after_call(ret); }

/* 1 when fp holds a frame record whose return address is one into a registered module. */
static int is_record(uintptr_t fp, uintptr_t above) {
  uintptr_t rec[2];
  if (fp <= above || fp - above > (1u << 20) || (fp & (sizeof(uintptr_t) - 1))) return 0;
  return llgi_safe_read(fp, rec, sizeof rec) && is_return(rec[1]);
}

/*
 * Where the chain starts. Two cases need the stack itself:
 * - a module function that had not set up its frame (a leaf without one, or
 *   a fault before its prologue): the return address into its caller is at
 *   [sp], above fp's record;
 * - a pc outside the modules (libc without frame pointers: abort, raise,
 *   memcpy; a call through a null pointer): the first return address into a
 *   module above sp is where the module called out. fp may then belong to
 *   the code outside; if so, the frame record above that return address is
 *   the module's.
 */
static void walker_start(walker *w, const llgi_regs *r) {
  uintptr_t fp = r->fp, sp = r->sp, top;
  w->fp = fp;
  w->next = 0;
  if (llgi_registry_contains(r->pc)) {
    /* The caller's return address: in the link register on aarch64, at [sp] on x86-64 (the call pushed it). */
    if (!llgi_frameless_return(r, &top) || !is_return(top)) return;
    /* Unless fp's record already holds it, the frame was not set up. */
    uintptr_t rec[2];
    if (!(fp >= sp && llgi_safe_read(fp, rec, sizeof rec) && rec[1] == top)) w->next = top;
    return;
  }
  for (uintptr_t a = sp; a < sp + 64 * 1024; a += sizeof(uintptr_t)) {
    if (!llgi_safe_read(a, &top, sizeof top)) return;
    if (!is_return(top)) continue;
    w->next = top;
    if (is_record(fp, a)) return;
    w->fp = 0;
    for (uintptr_t f = a + sizeof(uintptr_t); f < a + 64 * 1024; f += sizeof(uintptr_t)) {
      if (is_record(f, a)) {
        w->fp = f;
        break;
      }
    }
    return;
  }
}

/* The next return address, or 0 at the end of the chain. */
static uintptr_t walker_next(walker *w) {
  if (w->next) {
    uintptr_t r = w->next;
    w->next = 0;
    return r;
  }
  uintptr_t rec[2];
  if (!w->fp || (w->fp & (sizeof(uintptr_t) - 1)) || !llgi_safe_read(w->fp, rec, sizeof rec)) return 0;
  uintptr_t next = rec[0], ret = rec[1];
  if (next <= w->fp || next - w->fp > (1u << 20)) w->fp = 0; /* this return address is the last */
  else w->fp = next;
  return ret;
}

/* ---- one frame, as gc prints it ---------------------------------------------------------------- */

/* Writes the frames at pc (the faulting pc when `ret` is 0, else a return address). */
static void print_frame(out *o, uintptr_t pc, int ret) {
  llgi_range r;
  if (llgi_registry_find(pc, &r) && r.table) {
    uint64_t addr = pc - r.bias;
    llgi_frame f[16];
    int64_t fi = llgi_table_findfunc(r.table, addr);
    int at_entry = fi >= 0 && llgi_table_entry(r.table, (uint32_t)fi) == addr;
    int n = llgi_table_frames(r.table, ret && !at_entry ? addr - 1 : addr, f, 16);
    if (n > 16) n = 16;
    for (int i = 0; i < n; i++) {
      put(o, f[i].function[0] ? f[i].function : "??");
      put(o, "(...)\n\t");
      put(o, f[i].file ? f[i].file : "?");
      put(o, ":");
      put_dec(o, f[i].line);
      if (!f[i].inlined && addr != f[i].entry) {
        put(o, " +");
        put_hex(o, addr - f[i].entry);
      }
      put(o, "\n");
    }
    if (n > 0) return;
  }
  place p;
  put(o, "?? ");
  if (where(pc, &p) && p.path_len) {
    put_mem(o, p.path, p.path_len);
    put(o, "+");
    put_hex(o, pc - p.base);
  } else {
    put_hex(o, pc); /* no file: generated code, or no code at all */
  }
  put(o, "\n");
}

/* ---- the record -------------------------------------------------------------------------------- */

static void record_frame(out *o, uintptr_t pc, int first) {
  place p;
  char id[129];
  put(o, first ? "\n  {\"pc\":\"" : ",\n  {\"pc\":\"");
  put_hex(o, pc);
  put(o, "\"");
  if (where(pc, &p) && p.path_len) { /* code without a file (generated code) has no module */
    put(o, ",\"module\":");
    put_json(o, p.path, p.path_len);
    put(o, ",\"buildId\":");
    if (llgi_mem_build_id(p.base, id, sizeof id)) put_json(o, id, strlen(id));
    else put(o, "null");
    put(o, ",\"offset\":\"");
    put_hex(o, pc - p.base);
    put(o, "\"");
  }
  put(o, "}");
}

/* ---- the report -------------------------------------------------------------------------------- */

/* gc's names and descriptions of the signals handled (runtime/sigtab_linux_generic.go). */
static const char *signame(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    default: return "SIG?";
  }
}

static const char *sigdesc(int sig) {
  switch (sig) {
    case SIGSEGV: return "segmentation violation";
    case SIGBUS: return "bus error";
    case SIGILL: return "illegal instruction";
    case SIGFPE: return "floating-point exception";
    case SIGTRAP: return "trace trap";
    case SIGABRT: return "abort";
    default: return "signal";
  }
}

/* 1 when pc is in a registered module (`module` < 0) or in that module. */
static int in_module(uintptr_t pc, int64_t module) {
  llgi_range r;
  return module < 0 ? llgi_registry_contains(pc) : llgi_registry_find(pc, &r) && r.module == (uint32_t)module;
}

/* 1 when the pc or one of the first frames of its chain is in a registered module (or in `module`). */
static int touches(const llgi_regs *r, int64_t module) {
  if (in_module(r->pc, module)) return 1;
  walker w;
  walker_start(&w, r);
  for (int i = 0; i < OURS_DEPTH; i++) {
    uintptr_t ret = walker_next(&w);
    if (!ret) return 0;
    if (in_module(ret, module)) return 1;
  }
  return 0;
}

/*
 * The registered module whose code the handler we replaced is, or -1. Such a
 * module runs a runtime of its own that handles its faults (llgo's and gc's
 * turn them into Go panics, which the program may recover).
 */
static int64_t handler_module(int sig) {
  const struct sigaction *old = &g.old[sig];
  uintptr_t fn = (old->sa_flags & SA_SIGINFO) ? (uintptr_t)old->sa_sigaction : (uintptr_t)old->sa_handler;
  llgi_range r;
  if (fn <= 1 || !llgi_registry_find(fn, &r)) return -1;
  return r.module;
}

/* Writes frame `i` of the stack (0: the faulting pc) as text or as a record entry. */
static void emit(out *o, uintptr_t pc, int i, int for_record) {
  if (for_record) record_frame(o, pc, i == 0);
  else print_frame(o, pc, i > 0);
}

/*
 * The stack from the fault: the first LLGI_CRASH_INNER frames, then, when
 * there are more than LLGI_CRASH_INNER + LLGI_CRASH_OUTER, how many are left
 * out, then the last LLGI_CRASH_OUTER (gc 1.26's traceback). Returns the
 * number of frames; *elided the number left out.
 */
static int print_frames(out *o, const llgi_regs *at, int for_record, int *elided) {
  walker w;
  walker_start(&w, at);
  emit(o, at->pc, 0, for_record);
  int total = 1;
  uintptr_t r;
  while (total < MAX_DEPTH && (r = walker_next(&w))) {
    if (total < LLGI_CRASH_INNER) emit(o, r, total, for_record);
    total++;
  }
  *elided = 0;
  if (total <= LLGI_CRASH_INNER) return total;
  int from = LLGI_CRASH_INNER;
  if (total > LLGI_CRASH_INNER + LLGI_CRASH_OUTER) {
    from = total - LLGI_CRASH_OUTER;
    *elided = from - LLGI_CRASH_INNER;
    if (!for_record) {
      put(o, "...");
      put_dec(o, *elided);
      put(o, " frames elided...\n");
    }
  }
  /* Second pass for the outer frames: the chain is walked again, not stored. */
  walker_start(&w, at);
  for (int i = 1; i < total && (r = walker_next(&w)); i++) {
    if (i >= from) emit(o, r, i, for_record);
  }
  return total;
}

/* si_addr for a kernel-raised fault; a sent signal (si_code <= 0) has the sender's pid there instead. */
static uint64_t fault_addr(const siginfo_t *si) { return si->si_code > 0 ? (uint64_t)(uintptr_t)si->si_addr : 0; }

static void report(int sig, const siginfo_t *si, const llgi_regs *r) {
  int main_thread;
  int64_t tid = llgi_thread_id(&main_thread);
  out o;
  o.fd = g.fd;
  o.n = 0;
  if (g.fd >= 0) {
    put(&o, "[signal ");
    put(&o, signame(sig));
    put(&o, ": ");
    put(&o, sigdesc(sig));
    put(&o, " code=");
    put_hex(&o, (uint64_t)(int64_t)si->si_code);
    put(&o, " addr=");
    put_hex(&o, fault_addr(si));
    put(&o, " pc=");
    put_hex(&o, r->pc);
    put(&o, "]\n\nthread ");
    put_dec(&o, tid);
    put(&o, main_thread ? " [running, main thread]:\n" : " [running]:\n");
    int elided;
    print_frames(&o, r, 0, &elided);
    flush(&o);
  }
  if (g.record[0]) {
    o.fd = open(g.record, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o.fd < 0) return;
    put(&o, "{\"signal\":\"");
    put(&o, signame(sig));
    put(&o, "\",\"signo\":");
    put_dec(&o, sig);
    put(&o, ",\"code\":");
    put_dec(&o, si->si_code);
    put(&o, ",\"addr\":\"");
    put_hex(&o, fault_addr(si));
    put(&o, "\",\"pid\":");
    put_dec(&o, getpid());
    put(&o, ",\"thread\":");
    put_dec(&o, tid);
    put(&o, ",\"frames\":[");
    int elided;
    int total = print_frames(&o, r, 1, &elided);
    put(&o, "\n],\"totalFrames\":");
    put_dec(&o, total);
    put(&o, ",\"elided\":");
    put_dec(&o, elided);
    put(&o, "}\n");
    flush(&o);
    close(o.fd);
  }
}

/* ---- the handler and the chain to the handlers before us -------------------------------------- */

static void restore_all(void) {
  for (int s = 1; s < 32; s++) {
    if (g.saved & (1u << s)) sigaction(s, &g.old[s], 0);
  }
}

/* Hands the signal to the disposition we replaced, as the kernel would have. */
static void chain(int sig, siginfo_t *si, void *uc) {
  const struct sigaction *old = &g.old[sig];
  if (old->sa_flags & SA_SIGINFO) {
    if (old->sa_sigaction) old->sa_sigaction(sig, si, uc);
    return;
  }
  /* An ignored fault the kernel raised would re-execute into us forever: the kernel kills for it without us. */
  if (old->sa_handler == SIG_IGN && !(si->si_code > 0 && sig != SIGTRAP)) return;
  if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
    old->sa_handler(sig);
    return;
  }
  /* The default action: put it back; a fault re-executes into it, a sent signal is raised again. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, 0);
  if (si->si_code <= 0 || sig == SIGTRAP || sig == SIGABRT) llgi_thread_raise(sig);
}

static void handler(int sig, siginfo_t *si, void *ucv) {
  int saved_errno = errno;
  llgi_regs r;
  llgi_fault_regs(ucv, &r);
  /* Not ours: no module on the stack, or the faulting module's own runtime takes its faults. */
  int64_t runtime = handler_module(sig);
  if (!touches(&r, -1) || (runtime >= 0 && touches(&r, runtime))) {
    chain(sig, si, ucv);
    errno = saved_errno;
    return;
  }
  if (atomic_exchange(&g_busy, 1)) {
    /* Another thread is reporting and will end the process; give it time. */
    struct timespec ts = {0, 50 * 1000 * 1000};
    for (int i = 0; i < 100; i++) nanosleep(&ts, 0);
  } else {
    report(sig, si, &r);
  }
  restore_all();
  if (si->si_code <= 0 || sig == SIGTRAP || sig == SIGABRT) llgi_thread_raise(sig);
  errno = saved_errno;
}

/* ---- install ----------------------------------------------------------------------------------- */

int llgi_crash_thread_init(void) {
  stack_t cur;
  if (sigaltstack(0, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= ALTSTACK_SIZE) return 0;
  void *mem = mmap(0, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  stack_t ss = {.ss_sp = mem, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
  if (sigaltstack(&ss, 0) != 0) {
    int e = errno;
    munmap(mem, ALTSTACK_SIZE);
    return -e;
  }
  return 0;
}

int llgi_crash_install(const llgi_crash_options *opts) {
  if (!opts || (opts->signals & ~CRASH_SIGNALS) || !opts->signals) return -EINVAL;
  size_t len = opts->record_path ? strlen(opts->record_path) : 0;
  if (len >= sizeof g.record) return -EINVAL;
  int e = llgi_crash_thread_init();
  if (e) return e;
  g.fd = opts->fd;
  memcpy(g.record, opts->record_path ? opts->record_path : "", len + 1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int s = 1; s < 32; s++) {
    if (!(CRASH_SIGNALS & (1u << s))) continue;
    int want = (opts->signals >> s) & 1;
    if (want && !(g.saved & (1u << s))) {
      if (sigaction(s, &sa, &g.old[s]) != 0) return -errno;
      g.saved |= 1u << s;
    } else if (want) {
      sigaction(s, &sa, 0);
    } else if (g.saved & (1u << s)) {
      sigaction(s, &g.old[s], 0);
      g.saved &= ~(1u << s);
    }
  }
  g.signals = opts->signals;
  g.installed = 1;
  return 0;
}

void llgi_crash_uninstall(void) {
  restore_all();
  g.saved = 0;
  g.signals = 0;
  g.installed = 0;
}
