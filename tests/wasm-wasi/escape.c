// Sandbox escape attempts against the preopen at fd 3 (and /proc/self at fd 4 when given).
// Prints "<case> <wasi errno>" per attempt; the host test asserts each errno and that nothing
// outside the preopen was read, created or changed. Build: clang --target=wasm32-wasi -O2.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const __wasi_rights_t READ = __WASI_RIGHTS_FD_READ;
static const __wasi_rights_t WRITE = __WASI_RIGHTS_FD_WRITE;

static int open_at(__wasi_fd_t dir, const char *path, int follow, __wasi_rights_t rights, __wasi_oflags_t oflags) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path,
                                        oflags, rights, 0, 0, &fd);
    if (e == 0) (void)__wasi_fd_close(fd);
    return e;
}

static void report(const char *name, int errno_value) { printf("%s %d\n", name, errno_value); }

int main(int argc, char **argv) {
    __wasi_filestat_t st;
    report("dotdot", open_at(3, "../outside.txt", 1, READ, 0));
    report("dotdot_deep", open_at(3, "sub/../../outside.txt", 1, READ, 0));
    report("absolute_path", open_at(3, "/outside.txt", 1, READ, 0));
    report("absolute_symlink", open_at(3, "abs/outside.txt", 1, READ, 0));
    report("absolute_symlink_final", open_at(3, "abs_file", 1, READ, 0));
    report("relative_symlink_up", open_at(3, "up/outside.txt", 1, READ, 0));
    report("symlink_loop", open_at(3, "loop1", 1, READ, 0));
    report("proc_self_root_symlink", open_at(3, "proc_root/etc/hostname", 1, READ, 0));
    report("create_through_symlink", open_at(3, "up/created.txt", 1, WRITE, __WASI_OFLAGS_CREAT));
    report("stat_through_symlink", __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "abs_file", &st));
    report("mkdir_through_symlink", __wasi_path_create_directory(3, "up/newdir"));
    report("unlink_outside", __wasi_path_unlink_file(3, "../outside.txt"));
    report("rename_outside", __wasi_path_rename(3, "inside.txt", 3, "../moved.txt"));
    report("hardlink_from_outside", __wasi_path_link(3, 0, "../outside.txt", 3, "stolen"));
    report("hardlink_following_symlink", __wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "abs_file", 3, "stolen2"));
    report("symlink_absolute_target", __wasi_path_symlink("/etc", 3, "mine"));
    report("utimes_through_symlink", __wasi_path_filestat_set_times(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "abs_file", 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
    report("inside_still_works", open_at(3, "sub/../inside.txt", 1, READ, 0));
    if (argc > 1 && strcmp(argv[1], "proc") == 0)
        report("magic_link", open_at(4, "root/etc/hostname", 1, READ, 0));
    if (argc > 1 && strcmp(argv[1], "trailing") == 0) {
        // Symlinks the guest makes itself, to a host directory beside the preopen and to a missing one: a
        // trailing "/" makes the kernel follow a final symlink, which must not happen outside the preopen,
        // and the errors must not tell the two apart.
        char buf[64];
        size_t used;
        report("make_link_to_existing", __wasi_path_symlink("../outside_dir", 3, "to_existing"));
        report("make_link_to_missing", __wasi_path_symlink("../missing_dir", 3, "to_missing"));
        report("make_link_inside", __wasi_path_symlink("sub", 3, "to_sub"));
        report("readlink_slash_existing", __wasi_path_readlink(3, "to_existing/", (uint8_t *)buf, sizeof buf, &used));
        report("readlink_slash_missing", __wasi_path_readlink(3, "to_missing/", (uint8_t *)buf, sizeof buf, &used));
        report("readlink_slash_inside", __wasi_path_readlink(3, "to_sub/", (uint8_t *)buf, sizeof buf, &used));
        report("readlink_plain", __wasi_path_readlink(3, "to_existing", (uint8_t *)buf, sizeof buf, &used));
        report("link_slash_existing", __wasi_path_link(3, 0, "to_existing/", 3, "hard_existing"));
        report("link_slash_missing", __wasi_path_link(3, 0, "to_missing/", 3, "hard_missing"));
        report("link_slash_inside", __wasi_path_link(3, 0, "to_sub/", 3, "hard_sub"));
    }
    if (argc > 1 && strcmp(argv[1], "ro") == 0) {
        report("ro_open_write", open_at(4, "inside.txt", 1, WRITE, 0));
        report("ro_create", open_at(4, "new.txt", 1, WRITE, __WASI_OFLAGS_CREAT));
        report("ro_mkdir", __wasi_path_create_directory(4, "newdir"));
        report("ro_unlink", __wasi_path_unlink_file(4, "inside.txt"));
        report("ro_read", open_at(4, "inside.txt", 1, READ, 0));
    }
    return 0;
}
