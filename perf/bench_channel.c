/*
 * Channel throughput (DESIGN §9: >= 1.5 GB/s of blob data supervisor ->
 * worker). The benchmark process plays the supervisor: it encodes BLOBS
 * messages of 1 MiB (4 blobs of 256 KiB) with msg_send into a frame_writer
 * on a non-blocking pipe and drains it with frame_flush_all. A forked
 * child plays the worker: frame_read + msg_decode of every frame, checking
 * the byte count and a checksum byte per blob. One op = 1 MiB of blob data
 * delivered and decoded.
 *
 * Baselines in the same run: the same bytes as raw 1 MiB write()s into the
 * pipe and read() out of it with no framing or msgpack at all. Each comes
 * with the default 64 KiB pipe and with a 1 MiB pipe (F_SETPIPE_SZ).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "perf/bench.h"
#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/util.h"

#define CH_MSG (1024 * 1024)
#define CH_NBLOB 4

/* The worker side: decode until EOF; exit 0 if every byte arrived. */
static void __attribute__((noreturn))
channel_child(int fd, uint64_t n, int raw)
{
	uint64_t got = 0, sum = 0, want_sum = 0, i;
	int ok;

	if (raw) {
		char *p = xmalloc(CH_MSG);
		ssize_t k;

		while ((k = read(fd, p, CH_MSG)) > 0 || (k < 0 && errno == EINTR))
			if (k > 0)
				got += (uint64_t)k;
		free(p);
		ok = got == n * CH_MSG;
	} else {
		struct frame_reader r;
		struct msg m;

		frame_reader_init(&r, fd, FRAME_MAX_DEFAULT);
		while (msg_recv(&m, &r) == 1) {
			size_t j;

			if (m.type != MSG_BLOBS)
				_exit(2);
			for (j = 0; j < m.u.blobs.n; j++) {
				got += m.u.blobs.items[j].len;
				sum += m.u.blobs.items[j].data[j];
			}
			msg_release(&m);
		}
		frame_reader_release(&r);
		for (i = 0; i < n; i++)
			want_sum += 'a' + 'b' + 'c' + 'd';
		ok = got == n * CH_MSG && sum == want_sum && r.eof;
	}
	_exit(ok ? 0 : 1);
}

static void
channel_run(struct bench_ctx *b, int pipesz, int raw)
{
	unsigned char *data = xmalloc(CH_MSG);
	struct msg_blob items[CH_NBLOB];
	struct frame_writer w;
	struct msg m;
	int fd[2], st;
	uint64_t i;
	pid_t pid;

	for (i = 0; i < CH_NBLOB; i++) {
		memset(data + i * (CH_MSG / CH_NBLOB), (int)('a' + i),
		    CH_MSG / CH_NBLOB);
		snprintf(items[i].oid, sizeof(items[i].oid), "%040llx",
		    (unsigned long long)i + 1);
		items[i].data = data + i * (CH_MSG / CH_NBLOB);
		items[i].len = CH_MSG / CH_NBLOB;
	}
	msg_init(&m, MSG_BLOBS);
	m.u.blobs.items = items;
	m.u.blobs.n = CH_NBLOB;

	if (pipe2(fd, O_CLOEXEC) < 0)
		abort();
	if (pipesz && fcntl(fd[1], F_SETPIPE_SZ, pipesz) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(fd[1]);
		channel_child(fd[0], b->n, raw);
	}
	close(fd[0]);
	bench_set_bytes(b, CH_MSG);
	bench_reset_timer(b);
	if (raw) {
		for (i = 0; i < b->n; i++) {
			size_t off = 0;

			while (off < CH_MSG) {
				ssize_t k = write(fd[1], data + off, CH_MSG - off);

				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					abort();
				off += (size_t)k;
			}
		}
	} else {
		/* Non-blocking like the supervisor's end of a channel. */
		if (fcntl(fd[1], F_SETFL, O_NONBLOCK) < 0)
			abort();
		frame_writer_init(&w, fd[1], FRAME_MAX_DEFAULT);
		for (i = 0; i < b->n; i++) {
			m.id = i;
			if (msg_send(&w, &m) < 0 || frame_flush_all(&w) != 1)
				abort();
		}
		frame_writer_release(&w);
	}
	close(fd[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		abort();
	free(data);
}

BENCH(ChannelBlobs1MiB)
{
	channel_run(b, 0, 0);
}

BENCH(ChannelBlobs1MiBPipe1M)
{
	channel_run(b, 1024 * 1024, 0);
}

BENCH(ChannelRawPipe1MiB)
{
	channel_run(b, 0, 1);
}

BENCH(ChannelRawPipe1MiBPipe1M)
{
	channel_run(b, 1024 * 1024, 1);
}
