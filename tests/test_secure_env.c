/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_secure_env.c - in a set-user-ID program (secure execution,
 * AT_SECURE: a program that libvmmem or libvmmem-preload.so, through
 * /etc/ld.so.preload, runs inside with privileges its user lacks) the
 * engine does not open the file VMMEM_CONFIG names: the user could make
 * the privileged program open any path (a FIFO that blocks it before
 * main, a file only the program may read, whose existence and line count
 * the warnings would tell).
 *
 * As root, the test copies itself, makes the copy set-user-ID `nobody`
 * and runs it with VMMEM_CONFIG naming a file whose line does not parse:
 * no warning may name the file. The copy run first without the
 * set-user-ID bit is the control: there the warning must appear. Skipped
 * (77) when not root or where set-user-ID does not take effect (a nosuid
 * mount, an emulator). Plain C with exit codes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmmem/vmmem.h>

#define OUTPUT_BYTES 4096
#define SKIP 77

static void fail(const char *what)
{
    fprintf(stderr, "test_secure_env: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Copies the running program to path (mode 0755). */
static void copy_self(const char *path)
{
    int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (in < 0 || out < 0)
        fail("copy of the program");
    char block[65536];
    ssize_t got;
    while ((got = read(in, block, sizeof block)) > 0)
        if (write(out, block, (size_t)got) != got)
            fail("write");
    if (got < 0 || close(out) != 0)
        fail("copy of the program");
    close(in);
}

/* Runs `program child` with only `assignment` in its environment; its
 * stdout and stderr together into text. Returns the exit status. */
static int run(const char *program, const char *assignment, char *text)
{
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0)
        fail("pipe");
    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        dup2(pipe_fd[1], STDOUT_FILENO);
        dup2(pipe_fd[1], STDERR_FILENO);
        char *argv[] = {(char *)program, "child", NULL};
        char *envp[] = {(char *)assignment, NULL};
        execve(program, argv, envp);
        _exit(127);
    }
    close(pipe_fd[1]);
    size_t len = 0;
    ssize_t got;
    while (len < OUTPUT_BYTES - 1 && (got = read(pipe_fd[0], text + len, OUTPUT_BYTES - 1 - len)) > 0)
        len += (size_t)got;
    text[len] = '\0';
    close(pipe_fd[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        fail("waitpid");
    return status;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) { /* say whether this is secure execution, start the engine */
        printf("secure %lu\n", getauxval(AT_SECURE));
        fflush(stdout);
        return vmmem_init();
    }
    if (geteuid() != 0) {
        printf("test_secure_env: skipped: needs root to make a set-user-ID copy of itself\n");
        return SKIP;
    }
    struct passwd *nobody = getpwnam("nobody");
    if (!nobody) {
        printf("test_secure_env: skipped: no user nobody\n");
        return SKIP;
    }
    char dir[] = "/tmp/vmmem-secure-env.XXXXXX";
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
        fail("mkdtemp");
    char program[sizeof dir + 16], config[sizeof dir + 16], assignment[sizeof config + 16];
    snprintf(program, sizeof program, "%s/prog", dir);
    snprintf(config, sizeof config, "%s/vmmem.conf", dir);
    snprintf(assignment, sizeof assignment, "VMMEM_CONFIG=%s", config);
    copy_self(program);
    FILE *f = fopen(config, "w");
    if (!f || fputs("this line does not parse\n", f) == EOF || fclose(f) != 0 || chmod(config, 0644) != 0)
        fail("config file");

    static char text[OUTPUT_BYTES];
    int status, result = 0;
    status = run(program, assignment, text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(text, "secure 0") || !strstr(text, config)) {
        fprintf(stderr, "test_secure_env: FAIL: the control run did not read VMMEM_CONFIG:\n%s\n", text);
        result = 1;
    }
    if (chown(program, nobody->pw_uid, (gid_t)-1) != 0 || chmod(program, 04755) != 0)
        fail("set-user-ID");
    status = run(program, assignment, text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "test_secure_env: FAIL: the set-user-ID run failed:\n%s\n", text);
        result = 1;
    } else if (!strstr(text, "secure 1")) {
        printf("test_secure_env: skipped: set-user-ID did not take effect here:\n%s\n", text);
        result = result ? result : SKIP;
    } else if (strstr(text, config)) {
        fprintf(stderr, "test_secure_env: FAIL: a set-user-ID program read VMMEM_CONFIG:\n%s\n", text);
        result = 1;
    }
    unlink(config);
    unlink(program);
    rmdir(dir);
    if (result == 0)
        printf("test_secure_env: VMMEM_CONFIG read normally, ignored under secure execution\n");
    return result;
}
