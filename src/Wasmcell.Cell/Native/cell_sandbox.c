// The cell's sandbox, applied by an ELF constructor before the .NET runtime starts: the process has one thread,
// so every thread the runtime, Wasmtime and the WASI host start later inherits the namespaces, the root, the
// credentials, the empty capability sets and no_new_privs set here (capabilities and the bounding set are per
// thread; a drop done from Main never reaches threads the runtime started before it).
//
// The daemon computes the plan from config.json (CellSandboxPlan.cs) and passes it on fd 5, one directive per
// line, tab-separated fields. This file only carries it out, in a fixed order; it decides nothing.
// Failure writes "ERR cell sandbox: ..." on the status channel (fd 4) and exits 125 before any guest code exists.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PLAN_FD 5
#define STATUS_FD 4
#define EXIT_LOAD_FAILED 125
#define MAX_PLAN (256 * 1024)
#define MAX_ITEMS 256

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
struct mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

struct join { int type; const char *name; const char *path; int fd; };
struct bind { const char *path; int readonly; const char *at; };
struct limit { int resource; unsigned long long soft, hard; };

static struct {
    const char *preload[8]; int npreload;
    struct { int fd; const char *path; } keep[8]; int nkeep;
    struct join join[8]; int njoin;
    int new_flags;
    const char *uid_map, *gid_map;
    const char *hostname;
    const char *root;
    const char *apparmor;
    struct bind bind[MAX_ITEMS]; int nbind;
    int proc;
    const char *readonly[64]; int nreadonly;
    const char *mask[64]; int nmask;
    struct limit limit[16]; int nlimit;
    int have_ids; uid_t uid; gid_t gid; gid_t groups[64]; int ngroups;
} plan;

static char plan_text[MAX_PLAN + 1];
static char report[160];

// What the C# side of the cell asks (CellSandbox.cs): null when no plan was applied.
const char *wasmcell_sandbox_report(void) { return report[0] ? report : NULL; }

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
    int saved = errno;
    char line[1024];
    int n = snprintf(line, sizeof line, "ERR cell sandbox: ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 80) n = (int)sizeof line - 80;
    n += snprintf(line + n, sizeof line - (size_t)n, ": %s\n", strerror(saved));
    write_all(STATUS_FD, line, (size_t)n);
    _exit(EXIT_LOAD_FAILED);
}

__attribute__((noreturn)) static void bad_plan(const char *what)
{
    errno = EINVAL;
    fail("bad plan line (%s)", what);
}

static int ns_flag(const char *name)
{
    if (!strcmp(name, "network")) return CLONE_NEWNET;
    if (!strcmp(name, "ipc")) return CLONE_NEWIPC;
    if (!strcmp(name, "uts")) return CLONE_NEWUTS;
    if (!strcmp(name, "cgroup")) return CLONE_NEWCGROUP;
    if (!strcmp(name, "mount")) return CLONE_NEWNS;
    if (!strcmp(name, "pid")) return CLONE_NEWPID;
    bad_plan(name);
}

// Splits the next tab-separated field off *cursor (in place).
static char *field(char **cursor)
{
    char *start = *cursor;
    if (start == NULL) return NULL;
    char *tab = strchr(start, '\t');
    if (tab) { *tab = 0; *cursor = tab + 1; } else { *cursor = NULL; }
    return start;
}

static char *need(char **cursor, const char *directive)
{
    char *f = field(cursor);
    if (f == NULL || *f == 0) bad_plan(directive);
    return f;
}

static void read_plan(void)
{
    size_t used = 0;
    for (;;) {
        ssize_t n = read(PLAN_FD, plan_text + used, MAX_PLAN - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("read the plan (fd %d)", PLAN_FD);
        if (n == 0) break;
        used += (size_t)n;
        if (used == MAX_PLAN) { errno = E2BIG; fail("read the plan"); }
    }
    close(PLAN_FD);
    plan_text[used] = 0;
    if (used == 0) { errno = ENODATA; fail("empty plan on fd %d", PLAN_FD); }

    char *save = NULL;
    for (char *line = strtok_r(plan_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c = line;
        char *d = need(&c, "directive");
        if (!strcmp(d, "preload") && plan.npreload < 8) {
            plan.preload[plan.npreload++] = need(&c, d);

        } else if (!strcmp(d, "keep") && plan.nkeep < 8) {
            plan.keep[plan.nkeep].fd = atoi(need(&c, d));
            plan.keep[plan.nkeep++].path = need(&c, d);
        } else if (!strcmp(d, "join") && plan.njoin < 8) {
            const char *name = need(&c, d);
            plan.join[plan.njoin++] = (struct join){ ns_flag(name), name, need(&c, d), -1 };
        } else if (!strcmp(d, "new")) {
            plan.new_flags |= ns_flag(need(&c, d));
        } else if (!strcmp(d, "user")) {
            plan.uid_map = need(&c, d);
            plan.gid_map = need(&c, d);
        } else if (!strcmp(d, "hostname")) {
            plan.hostname = need(&c, d);
        } else if (!strcmp(d, "apparmor")) {
            plan.apparmor = need(&c, d);
        } else if (!strcmp(d, "root")) {
            plan.root = need(&c, d);
        } else if (!strcmp(d, "bind") && plan.nbind < MAX_ITEMS) {
            const char *path = need(&c, d);
            int readonly = !strcmp(need(&c, d), "ro");
            const char *at = field(&c); // optional: where in the new root, when not at its own path
            plan.bind[plan.nbind++] = (struct bind){ path, readonly, at && *at ? at : path };
        } else if (!strcmp(d, "proc")) {
            plan.proc = 1;
        } else if (!strcmp(d, "readonly") && plan.nreadonly < 64) {
            plan.readonly[plan.nreadonly++] = need(&c, d);
        } else if (!strcmp(d, "mask") && plan.nmask < 64) {
            plan.mask[plan.nmask++] = need(&c, d);
        } else if (!strcmp(d, "rlimit") && plan.nlimit < 16) {
            struct limit *l = &plan.limit[plan.nlimit++];
            l->resource = atoi(need(&c, d));
            l->soft = strtoull(need(&c, d), NULL, 10);
            l->hard = strtoull(need(&c, d), NULL, 10);
        } else if (!strcmp(d, "ids")) {
            plan.have_ids = 1;
            plan.uid = (uid_t)strtoul(need(&c, d), NULL, 10);
            plan.gid = (gid_t)strtoul(need(&c, d), NULL, 10);
            for (char *g = field(&c); g && *g && plan.ngroups < 64; g = field(&c)) {
                plan.groups[plan.ngroups++] = (gid_t)strtoul(g, NULL, 10);
            }
        } else {
            bad_plan(d);
        }
    }
    if (plan.root == NULL) bad_plan("no root");
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("open %s", path);
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) fail("write %s", path);
    close(fd);
}

// Mappings travel as "inside outside count,inside outside count"; the kernel wants one per line, in one write.
static void write_map(pid_t child, const char *what, const char *map)
{
    char path[64], text[1024];
    size_t n = strlen(map);
    if (n >= sizeof text) { errno = E2BIG; fail("%s", what); }
    for (size_t i = 0; i <= n; i++) text[i] = map[i] == ',' ? '\n' : map[i];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)child, what);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("open %s", path);
    if (write(fd, text, n) != (ssize_t)n) fail("write %s (%s)", path, map);
    close(fd);
}

static void loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) fail("socket for lo");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail("get lo flags");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail("bring lo up");
    close(s);
}

// Creates the directories above a path relative to the current directory (the new root).
static void mkdirs(char *path, mode_t mode)
{
    for (char *p = path + 2; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, mode) < 0 && errno != EEXIST) fail("mkdir %s", path + 1);
        *p = '/';
    }
}

static void set_attrs(const char *target, uint64_t set, int recursive)
{
    struct mount_attr attr = { .attr_set = set };
    if (syscall(SYS_mount_setattr, AT_FDCWD, target, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) < 0)
        fail("set mount attributes on %s", target);
}

// Binds a host path (already open as source_fd) under the new root, the current directory: at its own path, so every
// path the cell's managed code knows still resolves there, or at the plan's `at` (the container's name-service files
// at /etc); ro covers every mount below it too. Device nodes keep dev, nothing keeps suid.
static void bind_into_root(const char *source, const char *at, int source_fd, const struct stat *st, int readonly)
{
    char target[4096], via[64];
    if (snprintf(target, sizeof target, ".%s", at) >= (int)sizeof target) { errno = ENAMETOOLONG; fail("%s", at); }
    mkdirs(target, 0755);
    if (S_ISDIR(st->st_mode)) {
        if (mkdir(target, 0755) < 0 && errno != EEXIST) fail("mkdir %s", source);
    } else {
        int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0) fail("create %s", source);
        close(fd);
    }
    snprintf(via, sizeof via, "/proc/self/fd/%d", source_fd);
    if (mount(via, target, NULL, MS_BIND | MS_REC, NULL) < 0) fail("bind %s", source);
    uint64_t attrs = MOUNT_ATTR_NOSUID | (S_ISCHR(st->st_mode) ? 0 : MOUNT_ATTR_NODEV) | (readonly ? MOUNT_ATTR_RDONLY : 0);
    set_attrs(target, attrs, 1);
}

static void mount_proc(void)
{
    char path[4096];
    if (mkdir("./proc", 0555) < 0 && errno != EEXIST) fail("mkdir /proc");
    if (mount("proc", "./proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) fail("mount proc");
    for (int i = 0; i < plan.nreadonly; i++) {
        snprintf(path, sizeof path, ".%s", plan.readonly[i]);
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT) continue;
            fail("bind %s", plan.readonly[i]);
        }
        set_attrs(path, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 1);
    }
    for (int i = 0; i < plan.nmask; i++) {
        snprintf(path, sizeof path, ".%s", plan.mask[i]);
        struct stat st;
        if (stat(path, &st) < 0) {
            if (errno == ENOENT) continue;
            fail("stat %s", plan.mask[i]);
        }
        int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k")
                                     : mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (rc < 0) fail("mask %s", plan.mask[i]);
    }
}

// In a new user namespace the cell's root is made by the namespace's root, whose ids the tmpfs can store; the host
// paths to bind are opened before, while this process still has the host's root ids to reach them.
static void build_root_and_pivot(int in_user_namespace)
{
    static int source_fd[MAX_ITEMS];
    static struct stat source[MAX_ITEMS];
    // Nothing done in this namespace may propagate back to the host's.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make mounts private");
    for (int i = 0; i < plan.nbind; i++) {
        source_fd[i] = open(plan.bind[i].path, O_PATH | O_CLOEXEC);
        if (source_fd[i] < 0 || fstat(source_fd[i], &source[i]) < 0) fail("open %s", plan.bind[i].path);
    }
    if (mount("tmpfs", plan.root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,uid=0,gid=0,size=256k,nr_inodes=4096") < 0)
        fail("mount the cell's root at %s", plan.root);
    if (chdir(plan.root) < 0) fail("chdir %s", plan.root);
    if (in_user_namespace && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        fail("become root of the user namespace (its mappings must map uid and gid 0)");
    for (int i = 0; i < plan.nbind; i++) {
        bind_into_root(plan.bind[i].path, plan.bind[i].at, source_fd[i], &source[i], plan.bind[i].readonly);
        close(source_fd[i]);
    }
    if (plan.proc) mount_proc();
    if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root %s", plan.root);
    // The old root sits on top of the new one; detaching it leaves no host mount reachable.
    if (umount2(".", MNT_DETACH) < 0) fail("detach the host's root");
    if (chdir("/") < 0) fail("chdir /");
    set_attrs("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0);
}

// AppArmor's change_profile takes effect at once for the calling task (no exec needed), and this task is still the
// only thread: every thread the runtime starts inherits the profile. Before no_new_privs, which would confine the
// change to a stacked profile.
static void apply_apparmor(void)
{
    char text[512];
    int n = snprintf(text, sizeof text, "changeprofile %s", plan.apparmor);
    if (n >= (int)sizeof text) { errno = ENAMETOOLONG; fail("AppArmor profile %s", plan.apparmor); }
    int fd = open("/proc/self/attr/apparmor/current", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) fd = open("/proc/self/attr/current", O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("open /proc/self/attr/apparmor/current");
    if (write(fd, text, (size_t)n) != n) fail("change to AppArmor profile \"%s\" (is it loaded?)", plan.apparmor);
    close(fd);
}

static void drop_privileges(void)
{
    for (int i = 0; i < plan.nlimit; i++) {
        struct rlimit l = { plan.limit[i].soft, plan.limit[i].hard };
        if (setrlimit(plan.limit[i].resource, &l) < 0) fail("setrlimit %d", plan.limit[i].resource);
    }
    // The bounding set needs CAP_SETPCAP, so it goes before the credentials change.
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL) break;
            fail("drop capability %d from the bounding set", cap);
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail("clear ambient capabilities");
    if (plan.have_ids) {
        if (setgroups((size_t)plan.ngroups, plan.groups) < 0) fail("setgroups");
        if (setresgid(plan.gid, plan.gid, plan.gid) < 0) fail("setresgid %u", plan.gid);
        if (setresuid(plan.uid, plan.uid, plan.uid) < 0) fail("setresuid %u", plan.uid);
    }
    // uid 0 keeps its capabilities across setresuid: clear them explicitly, for every uid.
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) < 0) fail("clear capabilities");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("set no_new_privs");
    // Changing credentials made the process non-dumpable, which hands /proc/self to root; the WASI host
    // reopens its preopened directories through /proc/self/fd.
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) fail("set dumpable");
}

// As init of its pid namespace the cell would ignore signals it has no handler for, SIGTERM included, until
// the runtime registers its own; until then these end it as the default action would.
static void exit_on_signal(int signal) { _exit(128 + signal); }

static double elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 + (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static void report_pid(pid_t pid)
{
    char line[32];
    int n = snprintf(line, sizeof line, "PID %d\n", (int)pid);
    write_all(STATUS_FD, line, (size_t)n);
}

__attribute__((constructor)) static void apply_sandbox(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "__cell") != 0 && strcmp(argv[1], "__precompile") != 0 && strcmp(argv[1], "__shared") != 0)) return;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    read_plan();
    double t_preload, t_namespaces, t_root;

    // Everything that needs the host's file system or its root: before the namespaces change.
    for (int i = 0; i < plan.npreload; i++) {
        if (dlopen(plan.preload[i], RTLD_LAZY) == NULL) {
            errno = ENOENT;
            fail("load %s (%s)", plan.preload[i], dlerror());
        }
    }
    t_preload = elapsed_ms(&start);
    for (int i = 0; i < plan.nkeep; i++) {
        int fd = open(plan.keep[i].path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail("open %s", plan.keep[i].path);
        if (dup3(fd, plan.keep[i].fd, O_CLOEXEC) < 0) fail("dup %s", plan.keep[i].path);
        close(fd);
    }
    for (int i = 0; i < plan.njoin; i++) {
        plan.join[i].fd = open(plan.join[i].path, O_RDONLY | O_CLOEXEC);
        if (plan.join[i].fd < 0) fail("open %s namespace %s", plan.join[i].name, plan.join[i].path);
    }
    int joined_pid = 0;
    for (int i = 0; i < plan.njoin; i++) {
        if (setns(plan.join[i].fd, plan.join[i].type) < 0) fail("join %s namespace %s", plan.join[i].name, plan.join[i].path);
        close(plan.join[i].fd);
        joined_pid |= plan.join[i].type == CLONE_NEWPID;
    }

    // New namespaces come with a child made by clone: a new pid namespace (or a joined one) needs a new process
    // to be in it, and a new user namespace must own the others (the child's mount, network... namespaces), while
    // only a process outside it may write its full uid and gid mappings. The child is, by CLONE_PARENT, the
    // daemon's own child; this process writes the mappings, names the child's pid to the daemon and goes.
    int flags = plan.new_flags | (plan.uid_map ? CLONE_NEWUSER : 0);
    int pid_init = 0;
    if ((flags & (CLONE_NEWPID | CLONE_NEWUSER)) == 0 && !joined_pid) {
        if (flags && unshare(flags) < 0) fail("new namespaces (flags 0x%x)", flags);
        report_pid(getpid());
    } else {
        // The child waits for this process: its mappings must be written, and the daemon must read the child's
        // pid before anything the child says (a descheduled parent would otherwise report after the child's "OK").
        int go[2] = { -1, -1 };
        if (pipe2(go, O_CLOEXEC) < 0) fail("pipe");
        long child = syscall(SYS_clone, CLONE_PARENT | SIGCHLD | flags, 0, NULL, NULL, 0);
        if (child < 0) fail("start the cell in its namespaces (flags 0x%x)", flags);
        if (child > 0) {
            if (plan.uid_map) {
                write_map((pid_t)child, "uid_map", plan.uid_map);
                write_map((pid_t)child, "gid_map", plan.gid_map);
            }
            report_pid((pid_t)child);
            write_all(go[1], "1", 1);
            _exit(0);
        }
        close(go[1]);
        char byte;
        // No byte: the parent failed (and said so on the status channel).
        if (read(go[0], &byte, 1) != 1) _exit(EXIT_LOAD_FAILED);
        close(go[0]);
        pid_init = (flags & CLONE_NEWPID) != 0;
    }
    if (plan.new_flags & CLONE_NEWNET) {
        loopback_up();
        // What a runc container does with CAP_NET_BIND_SERVICE, without the capability: its own namespace only.
        write_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0");
    }
    if (plan.hostname && (plan.new_flags & CLONE_NEWUTS) && sethostname(plan.hostname, strlen(plan.hostname)) < 0) fail("sethostname");

    t_namespaces = elapsed_ms(&start);
    build_root_and_pivot(plan.uid_map != NULL);
    t_root = elapsed_ms(&start);
    if (plan.apparmor) apply_apparmor();
    drop_privileges();
    if (pid_init) {
        signal(SIGTERM, exit_on_signal);
        signal(SIGINT, exit_on_signal);
        signal(SIGHUP, exit_on_signal);
    }
    double total = elapsed_ms(&start);
    snprintf(report, sizeof report, "sandbox %.2f ms: libraries %.2f, namespaces %.2f, root %.2f, credentials %.2f",
             total, t_preload, t_namespaces - t_preload, t_root - t_namespaces, total - t_root);
}
