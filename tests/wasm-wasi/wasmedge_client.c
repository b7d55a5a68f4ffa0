// A TCP client over the WasmEdge socket extension, with the imports declared by hand so the test
// pins the exact ABI (wasmedge_wasi_socket's newer form: 3-parameter getlocaladdr/getpeeraddr
// with a 128-byte address storage). Modes:
//   resolve NODE SERVICE FAMILY    sock_getaddrinfo, one "ai ..." line per result
//   echo IP PORT FORM LINE         sock_open + sock_connect (FORM: "raw" = 4/16 address bytes,
//                                  "storage" = 128-byte family-tagged storage), getlocaladdr,
//                                  getpeeraddr, getsockopt(SO_TYPE), send LINE, print the echo
//   soerror IP PORT                non-blocking sock_connect, poll for writability, then
//                                  getsockopt(SO_ERROR): prints both results
//   nocap                          every extension call once, printing the errno it returned
// Any failing call prints "<call> errno <n>" and exits 1.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WASMEDGE(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

// WasmEdge's address: a guest buffer and its length (4 or 16 raw bytes, or 128 = storage).
typedef struct {
    uint8_t *buf;
    uint32_t size;
} we_address;

// __wasi_sockaddr_t: the family, then the bytes of the native sockaddr after its family field.
typedef struct {
    uint8_t family;
    uint32_t data_len;
    uint8_t *data;
} we_sockaddr;

// __wasi_addrinfo_t (28 bytes on wasm32).
typedef struct we_addrinfo {
    uint16_t flags;
    uint8_t family;
    uint8_t socktype;
    uint8_t protocol;
    uint32_t addrlen;
    we_sockaddr *addr;
    char *canonname;
    uint32_t canonname_len;
    struct we_addrinfo *next;
} we_addrinfo;

_Static_assert(sizeof(we_address) == 8, "WasiAddress is 8 bytes");
_Static_assert(offsetof(we_sockaddr, data_len) == 4 && offsetof(we_sockaddr, data) == 8, "WasiSockaddr layout");
_Static_assert(offsetof(we_addrinfo, family) == 2 && offsetof(we_addrinfo, socktype) == 3, "WasiAddrinfo layout");
_Static_assert(offsetof(we_addrinfo, protocol) == 4 && offsetof(we_addrinfo, addrlen) == 8, "WasiAddrinfo layout");
_Static_assert(offsetof(we_addrinfo, addr) == 12 && offsetof(we_addrinfo, canonname) == 16, "WasiAddrinfo layout");
_Static_assert(offsetof(we_addrinfo, canonname_len) == 20 && offsetof(we_addrinfo, next) == 24, "WasiAddrinfo layout");
_Static_assert(sizeof(we_addrinfo) == 28, "WasiAddrinfo is 28 bytes");

enum { WE_UNSPEC = 0, WE_INET4 = 1, WE_INET6 = 2 };
enum { WE_SOCK_DGRAM = 1, WE_SOCK_STREAM = 2 };
enum { WE_SOL_SOCKET = 0, WE_SO_TYPE = 1, WE_SO_ERROR = 2 };

WASMEDGE(sock_open) int32_t we_sock_open(int32_t family, int32_t type, int32_t *fd);
WASMEDGE(sock_connect) int32_t we_sock_connect(int32_t fd, const we_address *addr, int32_t port);
WASMEDGE(sock_getlocaladdr) int32_t we_sock_getlocaladdr(int32_t fd, we_address *addr, uint32_t *port);
WASMEDGE(sock_getpeeraddr) int32_t we_sock_getpeeraddr(int32_t fd, we_address *addr, uint32_t *port);
WASMEDGE(sock_getsockopt) int32_t we_sock_getsockopt(int32_t fd, int32_t level, int32_t name, void *value, uint32_t *value_len);
WASMEDGE(sock_getaddrinfo) int32_t we_sock_getaddrinfo(const char *node, uint32_t node_len, const char *service,
    uint32_t service_len, const we_addrinfo *hints, we_addrinfo **res, uint32_t max_len, uint32_t *res_len);

static int fail(const char *call, int32_t err) {
    printf("%s errno %d\n", call, (int)err);
    return 1;
}

// Formats a 128-byte storage (u16 family, then the address bytes) as "ip port".
static void print_storage(const char *label, const uint8_t *storage, uint32_t port) {
    uint16_t family = (uint16_t)(storage[0] | storage[1] << 8);
    char text[INET6_ADDRSTRLEN] = "?";
    if (family == WE_INET4) inet_ntop(AF_INET, storage + 2, text, sizeof text);
    else if (family == WE_INET6) inet_ntop(AF_INET6, storage + 2, text, sizeof text);
    printf("%s %s %u family %u\n", label, text, (unsigned)port, (unsigned)family);
}

static int resolve(const char *node, const char *service, int family) {
    enum { MAX = 8 };
    static we_addrinfo infos[MAX];
    static we_sockaddr addrs[MAX];
    static uint8_t data[MAX][26];
    static char names[MAX][64];
    for (int i = 0; i < MAX; i++) {
        addrs[i].data = data[i];
        addrs[i].data_len = sizeof data[i];
        infos[i].addr = &addrs[i];
        infos[i].canonname = names[i];
        infos[i].canonname_len = sizeof names[i];
        infos[i].next = i + 1 < MAX ? &infos[i + 1] : NULL;
    }
    we_addrinfo hints = {0};
    hints.family = (uint8_t)family;
    hints.socktype = WE_SOCK_STREAM;
    we_addrinfo *res = infos;
    uint32_t count = 0;
    // The node is passed NUL-terminated (length included), as wasmedge_wasi_socket does; the
    // service without its NUL: both forms occur in the wild.
    int32_t err = we_sock_getaddrinfo(node, (uint32_t)strlen(node) + 1, service, (uint32_t)strlen(service),
        &hints, &res, MAX, &count);
    if (err != 0) return fail("getaddrinfo", err);
    printf("count %u\n", (unsigned)count);
    for (uint32_t i = 0; i < count; i++) {
        const we_addrinfo *ai = &infos[i];
        const we_sockaddr *sa = ai->addr;
        unsigned port = (unsigned)(sa->data[0] << 8 | sa->data[1]);
        char text[INET6_ADDRSTRLEN] = "?";
        // sa_data is the native sockaddr after sa_family: inet4 = port, addr; inet6 = port,
        // flowinfo, addr.
        if (sa->family == WE_INET4) inet_ntop(AF_INET, sa->data + 2, text, sizeof text);
        else if (sa->family == WE_INET6) inet_ntop(AF_INET6, sa->data + 6, text, sizeof text);
        printf("ai family %u socktype %u addrlen %u sa_family %u sa_data_len %u port %u addr %s\n",
            ai->family, ai->socktype, (unsigned)ai->addrlen, sa->family, (unsigned)sa->data_len, port, text);
    }
    return 0;
}

static int echo(const char *ip, int port, const char *form, const char *line) {
    uint8_t raw[16];
    int family;
    uint32_t raw_len;
    if (inet_pton(AF_INET, ip, raw) == 1) { family = WE_INET4; raw_len = 4; }
    else if (inet_pton(AF_INET6, ip, raw) == 1) { family = WE_INET6; raw_len = 16; }
    else { printf("bad address %s\n", ip); return 2; }

    int32_t fd = -1;
    int32_t err = we_sock_open(family, WE_SOCK_STREAM, &fd);
    if (err != 0) return fail("open", err);

    static uint8_t storage[128];
    we_address target;
    if (strcmp(form, "storage") == 0) {
        memset(storage, 0, sizeof storage);
        storage[0] = (uint8_t)family;
        storage[1] = 0;
        memcpy(storage + 2, raw, raw_len);
        target.buf = storage;
        target.size = sizeof storage;
    } else {
        target.buf = raw;
        target.size = raw_len;
    }
    err = we_sock_connect(fd, &target, port);
    if (err != 0) return fail("connect", err);

    static uint8_t local[128], peer[128];
    we_address local_addr = {local, sizeof local}, peer_addr = {peer, sizeof peer};
    uint32_t local_port = 0, peer_port = 0;
    err = we_sock_getlocaladdr(fd, &local_addr, &local_port);
    if (err != 0) return fail("getlocaladdr", err);
    print_storage("local", local, local_port);
    err = we_sock_getpeeraddr(fd, &peer_addr, &peer_port);
    if (err != 0) return fail("getpeeraddr", err);
    print_storage("peer", peer, peer_port);

    int32_t type = -1;
    uint32_t type_len = sizeof type;
    err = we_sock_getsockopt(fd, WE_SOL_SOCKET, WE_SO_TYPE, &type, &type_len);
    if (err != 0) return fail("getsockopt", err);
    printf("sotype %d len %u\n", (int)type, (unsigned)type_len);

    char out[256];
    int n = snprintf(out, sizeof out, "%s\n", line);
    for (int sent = 0; sent < n;) {
        ssize_t w = send(fd, out + sent, (size_t)(n - sent), 0);
        if (w <= 0) { perror("send"); return 1; }
        sent += (int)w;
    }
    char in[256];
    size_t got = 0;
    while (got < sizeof in - 1) {
        ssize_t r = recv(fd, in + got, 1, 0);
        if (r < 0) { perror("recv"); return 1; }
        if (r == 0 || in[got] == '\n') break;
        got++;
    }
    in[got] = 0;
    printf("echo %s\n", in);
    if (shutdown(fd, SHUT_RDWR) != 0) { perror("shutdown"); return 1; }
    if (close(fd) != 0) { perror("close"); return 1; }
    return 0;
}

// A non-blocking connect reports its outcome through SO_ERROR, which WasmEdge gives as a WASI errno.
static int soerror(const char *ip, int port) {
    uint8_t raw[4];
    if (inet_pton(AF_INET, ip, raw) != 1) { printf("bad address %s\n", ip); return 2; }
    int32_t fd = -1;
    int32_t err = we_sock_open(WE_INET4, WE_SOCK_STREAM, &fd);
    if (err != 0) return fail("open", err);
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) { perror("fcntl"); return 1; }
    we_address target = {raw, 4};
    printf("connect errno %d\n", (int)we_sock_connect(fd, &target, port));
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if (poll(&p, 1, 20000) != 1) { perror("poll"); return 1; }
    int32_t value = -1;
    uint32_t len = sizeof value;
    err = we_sock_getsockopt(fd, WE_SOL_SOCKET, WE_SO_ERROR, &value, &len);
    if (err != 0) return fail("getsockopt", err);
    printf("soerror %d len %u\n", (int)value, (unsigned)len);
    close(fd);
    return 0;
}

// Without the extension every call must say ENOTCAPABLE, whatever its arguments.
static int nocap(void) {
    int32_t fd = -1;
    printf("open errno %d\n", (int)we_sock_open(WE_INET4, WE_SOCK_STREAM, &fd));
    uint8_t loopback[4] = {127, 0, 0, 1};
    we_address target = {loopback, 4};
    printf("connect errno %d\n", (int)we_sock_connect(fd < 0 ? 0 : fd, &target, 80));
    static uint8_t local[128];
    we_address local_addr = {local, sizeof local};
    uint32_t port = 0;
    printf("getlocaladdr errno %d\n", (int)we_sock_getlocaladdr(0, &local_addr, &port));
    we_addrinfo info = {0}, hints = {0};
    we_addrinfo *res = &info;
    uint32_t count = 0;
    printf("getaddrinfo errno %d\n", (int)we_sock_getaddrinfo("localhost", 10, "", 0, &hints, &res, 1, &count));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 5 && strcmp(argv[1], "resolve") == 0) return resolve(argv[2], argv[3], atoi(argv[4]));
    if (argc == 6 && strcmp(argv[1], "echo") == 0) return echo(argv[2], atoi(argv[3]), argv[4], argv[5]);
    if (argc == 4 && strcmp(argv[1], "soerror") == 0) return soerror(argv[2], atoi(argv[3]));
    if (argc == 2 && strcmp(argv[1], "nocap") == 0) return nocap();
    fprintf(stderr, "usage: resolve NODE SERVICE FAMILY | echo IP PORT raw|storage LINE | soerror IP PORT | nocap\n");
    return 2;
}
