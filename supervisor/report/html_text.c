/*
 * html_text — the text and the figures of report.html: html_text escapes
 * every string from a record or the run (the rules are at the top of
 * html.c), html_fmt_* write durations and sizes as people read them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/utf8.h"
#include "shared/util.h"
#include "supervisor/report/html_page.h"

/* One ASCII byte of text. p has n bytes left (for "://"). */
static void
html_ascii(struct buf *out, const unsigned char *p, size_t n, unsigned flags)
{
	switch (*p) {
	case '<':
		buf_addstr(out, "&lt;");
		return;
	case '>':
		buf_addstr(out, "&gt;");
		return;
	case '&':
		buf_addstr(out, "&amp;");
		return;
	case '"':
		buf_addstr(out, "&quot;");
		return;
	case '\'':
		buf_addstr(out, "&#39;");
		return;
	case ':':
		if (!(flags & ESC_URL) && n >= 3 && p[1] == '/' && p[2] == '/') {
			buf_addstr(out, "&#58;");
			return;
		}
		break;
	case '\n':
	case '\t':
		if (flags & ESC_PRE)
			break;
		buf_addstr(out, "\xef\xbf\xbd");
		return;
	case '\r':
		/* A CRLF log reads as lines; a lone CR elsewhere is a control. */
		if (!(flags & ESC_PRE))
			buf_addstr(out, "\xef\xbf\xbd");
		return;
	default:
		if (*p < 0x20 || *p == 0x7f) {
			buf_addstr(out, "\xef\xbf\xbd");
			return;
		}
	}
	buf_addch(out, *p);
}

/*
 * Append len bytes of s as HTML text or attribute value (see the top of
 * html.c). At most max code points (0: all), then an ellipsis.
 */
void
html_textn(struct buf *out, const char *s, size_t len, unsigned flags, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t seq, chars = 0;

	while (len > 0) {
		if (max > 0 && chars++ == max) {
			buf_addstr(out, "\xe2\x80\xa6");
			return;
		}
		seq = utf8_seq_len((const char *)p, len);
		if (seq == 1) {
			html_ascii(out, p, len, flags);
		} else if (seq == 0 || (p[0] == 0xc2 && p[1] < 0xa0)) {
			/* invalid, or a C1 control */
			buf_addstr(out, "\xef\xbf\xbd");
			seq = seq ? seq : 1;
		} else {
			buf_add(out, p, seq);
		}
		p += seq;
		len -= seq;
	}
}

void
html_text(struct buf *out, const char *s, unsigned flags, size_t max)
{
	if (s != NULL)
		html_textn(out, s, strlen(s), flags, max);
}

/* ---- figures ---- */

void
html_fmt_dur(char *b, size_t n, uint64_t us)
{
	double v = (double)us;

	if (us < 1000)
		snprintf(b, n, "%llu \xc2\xb5s", (unsigned long long)us);
	else if (us < 100000)
		snprintf(b, n, "%.1f ms", v / 1e3);
	else if (us < 1000000)
		snprintf(b, n, "%.0f ms", v / 1e3);
	else if (us < 60000000)
		snprintf(b, n, "%.2f s", v / 1e6);
	else if (us < 3600000000ull)
		snprintf(b, n, "%llum %02llus", (unsigned long long)(us / 60000000),
		    (unsigned long long)(us / 1000000 % 60));
	else
		snprintf(b, n, "%lluh %02llum", (unsigned long long)(us / 3600000000ull),
		    (unsigned long long)(us / 60000000 % 60));
}

void
html_fmt_bytes(char *b, size_t n, uint64_t bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(b, n, "%llu B", (unsigned long long)bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	snprintf(b, n, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void
html_fmt_kib(char *b, size_t n, uint64_t kib)
{
	html_fmt_bytes(b, n, kib > UINT64_MAX / 1024 ? UINT64_MAX : kib * 1024);
}
