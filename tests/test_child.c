/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_child.c - see test_child.h. */
#include "test_child.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
    perror(what);
    abort();
}

static void read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(buf, 1, len - 1, f) : 0;
    buf[got] = '\0';
    if (f)
        fclose(f);
}

void run_child(const char *mode, const char *const *assignments, child_result *r)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        die("readlink /proc/self/exe");
    self[len] = '\0';
    char emulator[256] = "";
    const char *emu = getenv("VMMEM_TEST_EMULATOR");
    if (emu)
        snprintf(emulator, sizeof emulator, "%s", emu);
    char *argv[16];
    size_t argc = 0;
    for (char *word = strtok(emulator, " "); word && argc < 12; word = strtok(NULL, " "))
        argv[argc++] = word;
    argv[argc++] = self;
    argv[argc++] = (char *)mode;
    argv[argc] = NULL;

    char *envp[256];
    size_t n = 0;
    for (char **e = environ; *e && n < 200; e++)
        if (strncmp(*e, "VMMEM_", 6) != 0 || strncmp(*e, "VMMEM_TEST_", 11) == 0)
            envp[n++] = *e;
    for (; assignments && *assignments && n < 255; assignments++)
        envp[n++] = (char *)*assignments;
    envp[n] = NULL;

    char out_path[] = "/tmp/vmmem_child_out_XXXXXX", err_path[] = "/tmp/vmmem_child_err_XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    if (out_fd < 0 || err_fd < 0)
        die("mkstemp");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        fprintf(stderr, "posix_spawnp %s: %s\n", argv[0], strerror(rc));
        abort();
    }
    if (waitpid(pid, &r->status, 0) != pid)
        die("waitpid");
    close(out_fd);
    close(err_fd);
    read_file(out_path, r->out, sizeof r->out);
    read_file(err_path, r->err, sizeof r->err);
    unlink(out_path);
    unlink(err_path);
}

int child_succeeded(const child_result *r)
{
    return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}
