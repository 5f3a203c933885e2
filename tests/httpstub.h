/*
 * httpstub — a scripted HTTP/1.1 server on 127.0.0.1 for unit tests.
 *
 * One thread, one connection at a time, keep-alive. Each request is
 * recorded (method, target, headers, body, connection number) and answered
 * with the next entry of the script; past the end it answers 599. An entry
 * can drop the connection instead of answering (a lost response), answer
 * late (timeouts), or close after answering. Header-only so every suite can
 * include it; everything is static.
 */
#ifndef REPOCAST_TESTS_HTTPSTUB_H
#define REPOCAST_TESTS_HTTPSTUB_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define STUB_MAX_REQS 64

enum stub_action { STUB_REPLY = 0, STUB_DROP, STUB_LATE, STUB_CLOSE };

struct stub_resp {
	int status;
	const char *headers;     /* extra lines, each ending "\r\n"; may be NULL */
	const char *body;        /* may be NULL */
	enum stub_action action;
	int delay_ms;            /* STUB_LATE: wait before answering */
};

struct stub_req {
	char method[16];
	char target[2048];
	char *headers;           /* raw header block */
	char *body;
	int conn;                /* 1-based connection number */
};

struct stub {
	int lfd, port;
	pthread_t th;
	pthread_mutex_t mu;
	const struct stub_resp *script;
	size_t nscript, next;
	struct stub_req reqs[STUB_MAX_REQS];
	size_t nreqs;
	int nconns;
	volatile int stop;
	char url[64];
};

__attribute__((unused)) static void
stub_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Read one request; 1 ok, 0 closed/error. */
static int
stub_read_req(int fd, struct stub_req *rq)
{
	char buf[65536];
	size_t len = 0, clen = 0, hlen;
	char *end, *cl;
	ssize_t n;

	for (;;) {
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (len >= sizeof(buf) - 1)
			return 0;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
	}
	hlen = (size_t)(end - buf) + 4;
	memset(rq, 0, sizeof(*rq));
	sscanf(buf, "%15s %2047s", rq->method, rq->target);
	rq->headers = strndup(buf, hlen);
	if ((cl = strcasestr(rq->headers, "\ncontent-length:")) != NULL)
		clen = strtoul(cl + 16, NULL, 10);
	rq->body = calloc(1, clen + 1);
	memcpy(rq->body, buf + hlen, len - hlen < clen ? len - hlen : clen);
	for (size_t got = len - hlen; got < clen; got += (size_t)n) {
		n = read(fd, rq->body + got, clen - got);
		if (n <= 0)
			return 0;
	}
	return 1;
}

static void
stub_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

static void *
stub_main(void *arg)
{
	struct stub *s = arg;
	struct pollfd pfd;
	struct timeval tv = { 5, 0 };
	struct stub_req rq;
	int fd;

	while (!s->stop) {
		pfd.fd = s->lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((fd = accept(s->lfd, NULL, NULL)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		pthread_mutex_lock(&s->mu);
		s->nconns++;
		pthread_mutex_unlock(&s->mu);
		while (!s->stop && stub_read_req(fd, &rq)) {
			struct stub_resp dflt = { 599, NULL, "{\"message\":\"script exhausted\"}",
			    STUB_REPLY, 0 };
			const struct stub_resp *r;
			char head[4096];
			const char *body;
			int n;

			pthread_mutex_lock(&s->mu);
			rq.conn = s->nconns;
			if (s->nreqs < STUB_MAX_REQS)
				s->reqs[s->nreqs++] = rq;
			else {
				free(rq.headers);
				free(rq.body);
			}
			r = s->next < s->nscript ? &s->script[s->next++] : &dflt;
			pthread_mutex_unlock(&s->mu);
			if (r->action == STUB_DROP)
				break;
			if (r->action == STUB_LATE)
				stub_sleep_ms(r->delay_ms);
			body = r->body ? r->body : "";
			n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: "
			    "%zu\r\nContent-Type: application/json\r\n%s%s\r\n", r->status,
			    strlen(body), r->headers ? r->headers : "",
			    r->action == STUB_CLOSE ? "Connection: close\r\n" : "");
			stub_write_all(fd, head, (size_t)n);
			stub_write_all(fd, body, strlen(body));
			if (r->action == STUB_CLOSE)
				break;
		}
		close(fd);
	}
	return NULL;
}

__attribute__((unused)) static void
stub_start(struct stub *s, const struct stub_resp *script, size_t n)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->script = script;
	s->nscript = n;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s->lfd, 8) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) != 0)
		abort();
	s->port = ntohs(sa.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	pthread_create(&s->th, NULL, stub_main, s);
}

__attribute__((unused)) static void
stub_stop(struct stub *s)
{
	size_t i;

	s->stop = 1;
	pthread_join(s->th, NULL);
	close(s->lfd);
	for (i = 0; i < s->nreqs; i++) {
		free(s->reqs[i].headers);
		free(s->reqs[i].body);
	}
	pthread_mutex_destroy(&s->mu);
}

/* A port nothing listens on (bound then closed). */
__attribute__((unused)) static int
stub_dead_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Fake time for the limiter: sleeping advances the clock. */
struct fake_clock {
	uint64_t now, wall0, slept;
	uint64_t sleeps[64];
	int nsleeps;
};

__attribute__((unused)) static uint64_t
fake_now(void *arg)
{
	return ((struct fake_clock *)arg)->now;
}

__attribute__((unused)) static uint64_t
fake_wall(void *arg)
{
	struct fake_clock *f = arg;

	return f->wall0 + f->now;
}

__attribute__((unused)) static void
fake_sleep(uint64_t ms, void *arg)
{
	struct fake_clock *f = arg;

	f->now += ms;
	f->slept += ms;
	if (f->nsleeps < 64)
		f->sleeps[f->nsleeps++] = ms;
}

#endif
