/*
 * spawn — start one worker process with posix_spawn (DESIGN §1).
 *
 * The child gets its own session (POSIX_SPAWN_SETSID, so its process
 * group id is its pid and a stop signal reaches everything it started),
 * an empty signal mask and default dispositions (SIGPIPE included), and
 * exactly these descriptors:
 *   0  /dev/null
 *   1  the write end of the log pipe       2  the same pipe
 *   3  supervisor -> worker (read end)     4  worker -> supervisor (write end)
 * Every other descriptor is closed (closefrom 5, and every fd repocast
 * opens is O_CLOEXEC anyway). Only posix_spawn runs between the fork and
 * the exec, and an exec failure comes back as its return value: it is
 * reported ("cannot execute ..."), never guessed from an exit status.
 */
#ifndef REPOCAST_SPAWN_H
#define REPOCAST_SPAWN_H

#include <sys/types.h>

struct spawn_child {
	pid_t pid;
	int to_child;     /* write end of the child's fd 3; O_NONBLOCK, O_CLOEXEC */
	int from_child;   /* read end of the child's fd 4; O_NONBLOCK, O_CLOEXEC */
	int log;          /* read end of the child's stdout+stderr; O_NONBLOCK, O_CLOEXEC */
};

/*
 * Spawn path with argv and envp (NULL-terminated). On success 0 and *c
 * filled; the caller owns and closes the three fds and reaps the pid. On
 * failure -1 with err_last set ("cannot execute 'PATH': ..."), *c holds
 * pid -1 and fds -1, and nothing is left open.
 */
int spawn_worker(struct spawn_child *c, const char *path, char *const argv[],
    char *const envp[]);

/*
 * A copy of environ without the variables named in drop (NULL-terminated
 * list of names), plus the "NAME=value" strings in add (NULL-terminated,
 * may be NULL). Free with spawn_env_free.
 */
char **spawn_env_new(const char *const *drop, const char *const *add);
void spawn_env_free(char **env);

#endif
